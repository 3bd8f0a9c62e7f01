"""Pick and prepare the backend that runs the model: `load_encoder(model, backend)`.

Backends run the same weights: `torch` (BERT models in plain torch, torch_backend.py, checked
against sentence-transformers' vectors; other models through sentence-transformers),
`sentence-transformers` (always the library itself, the reference, st_backend.py), `onnx`
(the model exported once to ONNX and run by ONNX Runtime, onnx_backend.py) and `onnx-int8`
(the same export with int8 weights). The backend modules are imported only when their runtime
is built, so this module (and everything that only checks a model) stays light.
"""
from __future__ import annotations

import importlib.util
import json
import os
from functools import lru_cache

from plumbline.embed.device import check_device, pick_device
from plumbline.embed.encoder import Encoder
from plumbline.embed.st_backend import load_sentence_transformer
from plumbline.embed.weights import BACKENDS, DEFAULT_MODEL, ModelError, go_offline, model_dim, read_modules, resolve


def _check_local_model(directory: str, backend: str) -> None:
    """Refuse up front what would only fail later, when the model is first used."""
    modules = read_modules(directory)
    if backend in ("torch", "sentence-transformers"):
        if importlib.util.find_spec("sentence_transformers") is None:
            raise ModelError("the torch backend needs sentence-transformers: pip install sentence-transformers")
        return
    if importlib.util.find_spec("onnxruntime") is None:
        raise ModelError(f"--backend {backend} needs ONNX Runtime: pip install \"plumbline-sales[onnx]\" (or onnxruntime onnx)")
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
    from plumbline.embed.torch_backend import supports

    return supports(directory)


@lru_cache(maxsize=4)
def load_encoder(model: str | None = None, backend: str = "torch", device: str = "cpu") -> Encoder:
    """Verify (once per process) the named model, offline; the runtime itself is loaded when
    the encoder first embeds something. `device` (auto, cpu, cuda: device.py) is where the
    torch and sentence-transformers runtimes run; `cuda` is checked now, `auto` at load."""
    if backend not in BACKENDS:
        raise ModelError(f"unknown backend '{backend}' (choose from {', '.join(BACKENDS)})")
    check_device(device, backend)
    if device == "cuda":
        pick_device(device, backend)  # no GPU: one line now, not a traceback at first use
    go_offline()
    resolved = resolve(model)
    shown = model or DEFAULT_MODEL
    fingerprint = f"{backend}:{resolved.fingerprint}"
    if backend == "onnx-int8":  # other int8 recipes give other vectors: never share cached ones
        from plumbline.embed.onnx_backend import RECIPE

        fingerprint += f"+{RECIPE}"
    if not resolved.is_local:
        if backend not in ("torch", "sentence-transformers"):
            raise ModelError(f"--backend {backend} needs a model directory with model.safetensors, not '{model}'")
        runtime = load_sentence_transformer(resolved.target, shown, device)  # eager: errors show up now
        return Encoder(shown, fingerprint, runtime.get_sentence_embedding_dimension(), lambda: runtime)
    _check_local_model(resolved.target, backend)
    dim = model_dim(resolved.target)
    if backend == "torch" and _plain_bert(resolved.target):
        from plumbline.embed.torch_backend import load_bert_runtime

        load = lambda: load_bert_runtime(resolved, device)  # noqa: E731
    elif backend in ("torch", "sentence-transformers"):
        load = lambda: load_sentence_transformer(resolved.target, shown, device)  # noqa: E731
    else:
        from plumbline.embed.onnx_backend import load_onnx_runtime

        load = lambda: load_onnx_runtime(resolved, quantized=backend == "onnx-int8")  # noqa: E731
    return Encoder(shown, fingerprint, dim, load, content_addressed=True)

"""Sentence embeddings from local files only: load once, verify, batch, never embed twice.

One module per job, imported in one direction (no module imports one above it):
  weights.py        find the model, verify its sha256, read its width (stdlib only)
  encoder.py        the lazy `Encoder` the rest of plumbline holds
  tokens.py         tokenizer.json batching shared by the torch and ONNX backends
  st_backend.py     `sentence-transformers`: the library itself, the reference
  torch_backend.py  `torch`: BERT + mean pooling in plain torch
  onnx_backend.py   `onnx` / `onnx-int8`: the same graph exported to ONNX Runtime
  cache.py          vectors remembered per text, in memory and on disk
  device.py         `--device auto|cpu|cuda` and the batch size that suits it
  loader.py         `load_encoder(model, backend, device)`: checks the model, picks the backend
Importing this package imports no heavy library; the runtime loads on first `encode`.
"""
from __future__ import annotations

from plumbline.embed.cache import CachedEncoder
from plumbline.embed.device import DEVICES
from plumbline.embed.encoder import Encoder
from plumbline.embed.loader import load_encoder
from plumbline.embed.weights import (
    BACKENDS,
    DEFAULT_ALIASES,
    DEFAULT_MODEL,
    DEFAULT_SHA256,
    ONNX_BACKENDS,
    ModelError,
    ResolvedModel,
    default_model_dir,
    file_sha256,
    go_offline,
    model_dim,
    resolve,
    resolve_model,
)

__all__ = [
    "BACKENDS", "DEFAULT_ALIASES", "DEFAULT_MODEL", "DEFAULT_SHA256", "ONNX_BACKENDS", "CachedEncoder", "DEVICES", "Encoder",
    "ModelError", "ResolvedModel", "default_model_dir", "file_sha256", "go_offline", "load_encoder", "model_dim",
    "resolve", "resolve_model",
]

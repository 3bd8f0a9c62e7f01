"""Where the torch runtime runs (`--device auto|cpu|cuda`) and how many sentences it takes at once.

`auto` means a CUDA GPU when torch sees one, else the CPU; it is decided when the runtime is
built, so a run served from the disk caches still never imports torch. `cuda` is checked up
front: asking for a GPU that is not there is an error, not a silent fall back to the CPU. The
device is not part of the encoder's fingerprint: the torch backend checks at load, on the device
it runs on, that it reproduces the recorded vectors (max |diff| 1e-4), so vectors cached or
judged on one device stand for the other.

Batch sizes: on a CPU, 64 keeps padding waste low and latency flat (docs/performance.md); a GPU
is only busy with many sentences in flight, and MiniLM at 512 sentences of <= 256 tokens needs
well under 1 GiB of activations, so 512 fits any CUDA card.
"""
from __future__ import annotations

from typing import Callable

from plumbline.embed.weights import ONNX_BACKENDS, ModelError

DEVICES = ("auto", "cpu", "cuda")
CPU_BATCH = 64
CUDA_BATCH = 512


def cuda_available() -> bool:
    """Whether torch sees a usable CUDA GPU (imports torch; False when torch is missing)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def check_device(requested: str, backend: str) -> None:
    """Refuse a device the backend cannot use, before anything is loaded."""
    if requested not in DEVICES:
        raise ModelError(f"unknown device '{requested}' (choose from {', '.join(DEVICES)})")
    if requested == "cuda" and backend in ONNX_BACKENDS:
        raise ModelError(f"--device cuda needs --backend torch or sentence-transformers (--backend {backend} runs on the CPU)")


def pick_device(requested: str, backend: str = "torch", available: Callable[[], bool] = cuda_available) -> str:
    """'cpu' or 'cuda' for a requested device; `available` answers whether a GPU is there."""
    check_device(requested, backend)
    if requested == "cpu" or backend in ONNX_BACKENDS:
        return "cpu"
    if available():
        return "cuda"
    if requested == "cuda":
        raise ModelError("--device cuda: torch sees no CUDA GPU (torch.cuda.is_available() is False); "
                         "use --device cpu, or auto to take a GPU when there is one")
    return "cpu"


def batch_size_for(device: str) -> int:
    return CUDA_BATCH if device.startswith("cuda") else CPU_BATCH

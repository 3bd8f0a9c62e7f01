"""The `sentence-transformers` backend: the library itself, the reference the other backends
are checked against, and the fallback for models the plain-torch backend does not implement."""
from __future__ import annotations

from plumbline.embed.weights import ModelError, go_offline


class TorchRuntime:
    """sentence-transformers itself: the reference runtime (on the CPU unless asked otherwise)."""

    def __init__(self, model, device: str = "cpu"):
        from plumbline.embed.device import batch_size_for

        self.model = model
        self.device = device
        self.batch_size = batch_size_for(device)

    def encode(self, texts: list[str], batch_size: int = 64):
        return self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )

    def get_sentence_embedding_dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())


def load_sentence_transformer(target: str, shown: str, device: str = "cpu"):
    """`device` is 'cpu', 'cuda' or 'auto' (device.pick_device decides, now)."""
    from plumbline.embed.device import pick_device

    go_offline()
    device = pick_device(device)
    from sentence_transformers import SentenceTransformer

    try:
        loaded = SentenceTransformer(target, device=device, local_files_only=True, model_kwargs={"use_safetensors": True})
    except Exception as exc:  # the library raises many types for a missing or broken model
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ModelError(f"cannot load embedding model '{shown}' from local files: {first}") from None
    return TorchRuntime(loaded, device)

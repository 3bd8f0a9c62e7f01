"""The `sentence-transformers` backend: the library itself, the reference the other backends
are checked against, and the fallback for models the plain-torch backend does not implement."""
from __future__ import annotations

from plumbline.embed.weights import ModelError, go_offline


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


def load_sentence_transformer(target: str, shown: str):
    go_offline()
    from sentence_transformers import SentenceTransformer

    try:
        loaded = SentenceTransformer(target, device="cpu", local_files_only=True, model_kwargs={"use_safetensors": True})
    except Exception as exc:  # the library raises many types for a missing or broken model
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ModelError(f"cannot load embedding model '{shown}' from local files: {first}") from None
    return TorchRuntime(loaded)

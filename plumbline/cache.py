"""On-disk cache of embedding matrices, keyed by model fingerprint and exact texts.

Used for plumb-line embeddings so a CI run that checks one template does not re-embed the
plumb line. Entries are plain .npy arrays (loaded with allow_pickle=False) with a sha256 of
their bytes beside them; an entry that fails its checksum is rebuilt, never trusted.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Callable, Sequence


def cache_dir() -> str:
    if os.environ.get("PLUMBLINE_CACHE_DIR"):
        return os.environ["PLUMBLINE_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "plumbline")


def entry_key(fingerprint: str, texts: Sequence[str]) -> str:
    digest = hashlib.sha256(fingerprint.encode())
    for text in texts:
        digest.update(b"\x1f" + text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def cached_matrix(fingerprint: str, texts: Sequence[str], compute: Callable[[], "object"], directory: str | None = None):
    """Return compute()'s float32 matrix for these texts, from disk when a valid entry exists."""
    import numpy as np

    folder = os.path.join(directory or cache_dir(), "embeddings")
    key = entry_key(fingerprint, texts)
    path = os.path.join(folder, key + ".npy")
    matrix = _read(path, len(texts))
    if matrix is not None:
        return matrix
    matrix = np.ascontiguousarray(compute(), dtype=np.float32)
    try:
        _write(folder, path, matrix)
    except OSError:
        pass  # a read-only or full cache dir only costs speed
    return matrix


def _read(path: str, rows: int):
    import numpy as np

    try:
        with open(path, "rb") as fh:
            data = fh.read()
        with open(path + ".sha256") as fh:
            expected = fh.read().strip()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != expected:
        return None
    try:
        import io

        matrix = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError):
        return None
    if matrix.dtype != np.float32 or matrix.ndim != 2 or matrix.shape[0] != rows or not np.isfinite(matrix).all():
        return None
    return matrix


def _write(folder: str, path: str, matrix) -> None:
    import io

    import numpy as np

    os.makedirs(folder, exist_ok=True)
    buffer = io.BytesIO()
    np.save(buffer, matrix, allow_pickle=False)
    data = buffer.getvalue()
    for target, payload in ((path, data), (path + ".sha256", hashlib.sha256(data).hexdigest().encode())):
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, target)

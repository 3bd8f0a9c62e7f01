"""On-disk cache of embedding matrices, keyed by model fingerprint and exact texts.

Used for plumb-line embeddings so a CI run that checks one template does not re-embed the
plumb line. Entries are plain .npy arrays with a sha256 of their bytes beside them; an entry
that is not a regular file, fails its checksum, or is not a finite float32 matrix of the
expected shape is rebuilt, never trusted (and never unpickled: see _read).
"""
from __future__ import annotations

import hashlib
import os
import stat
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


def cached_matrix(fingerprint: str, texts: Sequence[str], compute: Callable[[], "object"], directory: str | None = None,
                  dim: int | None = None):
    """Return compute()'s float32 matrix for these texts, from disk when a valid entry exists.

    `dim`, when given, is the width the entry must have."""
    import numpy as np

    folder = os.path.join(directory or cache_dir(), "embeddings")
    key = entry_key(fingerprint, texts)
    path = os.path.join(folder, key + ".npy")
    matrix = _read(path, len(texts), dim)
    if matrix is not None:
        return matrix
    matrix = np.ascontiguousarray(compute(), dtype=np.float32)
    try:
        _write(folder, path, matrix)
    except OSError:
        pass  # a read-only or full cache dir only costs speed
    return matrix


MAX_WIDTH = 16_384  # no sentence embedding is wider
MAX_CHECKSUM = 128


def _read(path: str, rows: int, dim: int | None = None):
    """The entry's matrix, or None for anything but a regular file we wrote ourselves: missing,
    a symlink, truncated, flipped bits, a wrong shape or dtype, non-finite values, an object or
    pickled array. Never unpickles: the .npy header is parsed (safely, by numpy.lib.format)
    and the data read with frombuffer, so np.load's pickle path is not even reachable."""
    try:
        data = _regular_file(path, 4096 + rows * MAX_WIDTH * 4)
        expected = _regular_file(path + ".sha256", MAX_CHECKSUM).strip().decode("ascii")
    except (OSError, ValueError):  # ValueError: not ASCII
        return None
    if hashlib.sha256(data).hexdigest() != expected:
        return None
    return _matrix(data, rows, dim)


def read_checked_matrix(path: str, sha256: str, rows: int, dim: int | None = None):
    """A float32 .npy matrix whose sha256 is known in advance (a shipped artefact), or None.
    Same rules as a cache entry: a regular file, parsed without np.load, finite, that shape."""
    try:
        data = _regular_file(path, 4096 + rows * MAX_WIDTH * 4)
    except OSError:
        return None
    return _matrix(data, rows, dim) if hashlib.sha256(data).hexdigest() == sha256 else None


def _regular_file(path: str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError for a symlink (which
    could point anywhere), a pipe, a directory, or a file too large to be an entry."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if os.path.islink(path):  # also where O_NOFOLLOW does not exist
        raise OSError(f"{path}: a symlink, not a cache entry")
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(f"{path}: not a regular file")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{path}: larger than any entry")
    return data


def _matrix(data: bytes, rows: int, dim: int | None):
    import io

    import numpy as np
    from numpy.lib import format as npy

    stream = io.BytesIO(data)
    try:
        version = npy.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = npy.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = npy.read_array_header_2_0(stream)
        else:
            return None
    except (ValueError, TypeError, SyntaxError, KeyError):
        return None
    width = shape[1] if len(shape) == 2 else -1
    if dtype != np.dtype("<f4") or fortran or shape[0] != rows or not 0 < width <= MAX_WIDTH or (dim and width != dim):
        return None
    if len(data) - stream.tell() != rows * width * 4:
        return None
    matrix = np.frombuffer(data, dtype="<f4", offset=stream.tell()).reshape(rows, width).astype(np.float32)
    return matrix if np.isfinite(matrix).all() else None


def _write(folder: str, path: str, matrix) -> None:
    import io

    import numpy as np

    os.makedirs(folder, exist_ok=True)
    buffer = io.BytesIO()
    np.save(buffer, matrix, allow_pickle=False)
    data = buffer.getvalue()
    for target, payload in ((path, data), (path + ".sha256", hashlib.sha256(data).hexdigest().encode())):
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.replace(tmp, target)  # replaces a symlink itself, never the file it points to
        except OSError:
            try:
                os.remove(tmp)
            except OSError:
                pass
            raise

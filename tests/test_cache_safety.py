"""Safe artefacts: cache entries are rebuilt, never trusted, when they are damaged or not what
plumbline wrote; nothing is ever unpickled; models load from safetensors only.

An entry's checksum catches corruption (truncation, flipped bits). The checks after it catch
an entry someone rewrote with a matching checksum: a wrong shape or dtype, non-finite values,
an object array (pickle), a header claiming a terabyte, a symlink to a file elsewhere.
"""
from __future__ import annotations

import hashlib
import io
import os
import re

import numpy as np
import pytest

from plumbline.cache import cached_matrix, entry_key

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXTS = ["We run payroll.", "We file taxes in every state."]
GOOD = np.arange(2 * 8, dtype=np.float32).reshape(2, 8) / 10


class Compute:
    def __init__(self, matrix=GOOD):
        self.matrix, self.calls = matrix, 0

    def __call__(self):
        self.calls += 1
        return self.matrix


@pytest.fixture
def entry(tmp_path):
    """A cache dir holding a valid entry for TEXTS; returns (dir, entry path)."""
    compute = Compute()
    cached_matrix("fp", TEXTS, compute, directory=str(tmp_path))
    path = os.path.join(str(tmp_path), "embeddings", entry_key("fp", TEXTS) + ".npy")
    assert compute.calls == 1 and os.path.isfile(path)
    return str(tmp_path), path


def read(directory, dim=None):
    """Read TEXTS through the cache; returns (matrix, whether it was recomputed)."""
    compute = Compute()
    matrix = cached_matrix("fp", TEXTS, compute, directory=directory, dim=dim)
    assert np.array_equal(matrix, GOOD) and matrix.dtype == np.float32
    return compute.calls == 1


def forge(path: str, data: bytes) -> None:
    """Replace the entry with `data` and a matching checksum, as someone with write access could."""
    with open(path, "wb") as fh:
        fh.write(data)
    with open(path + ".sha256", "w") as fh:
        fh.write(hashlib.sha256(data).hexdigest())


def npy(array, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def test_valid_entry_is_read_back(entry):
    directory, _ = entry
    assert read(directory) is False
    assert read(directory, dim=8) is False


def test_truncated_entry_is_rebuilt(entry):
    directory, path = entry
    data = open(path, "rb").read()
    with open(path, "wb") as fh:
        fh.write(data[: len(data) // 2])
    assert read(directory) is True
    assert read(directory) is False  # the rebuilt entry is valid


@pytest.mark.parametrize("offset", [0, 10, 60, -1])
def test_flipped_bit_is_rebuilt(entry, offset):
    directory, path = entry
    data = bytearray(open(path, "rb").read())
    data[offset] ^= 0x10
    with open(path, "wb") as fh:
        fh.write(bytes(data))
    assert read(directory) is True


def test_missing_or_garbage_checksum_is_rebuilt(entry):
    directory, path = entry
    with open(path + ".sha256", "wb") as fh:
        fh.write(b"\xff\xfe\x00garbage")  # not even text: used to raise UnicodeDecodeError
    assert read(directory) is True
    os.remove(path + ".sha256")
    assert read(directory) is True


@pytest.mark.parametrize("array", [
    GOOD[:1],  # one row short
    np.zeros((2, 9), np.float32),  # another width than the encoder's (with dim given)
    GOOD.astype(np.float64),
    GOOD.astype(">f4"),
    np.asfortranarray(np.zeros((2, 8), np.float32)),
    GOOD.reshape(2, 2, 4),
    GOOD.ravel(),
    np.full((2, 8), np.nan, np.float32),
    np.full((2, 8), np.inf, np.float32),
    np.zeros((0, 8), np.float32),
], ids=["rows", "width", "float64", "big-endian", "fortran", "3d", "1d", "nan", "inf", "empty"])
def test_forged_entry_of_the_wrong_kind_is_rebuilt(entry, array):
    directory, path = entry
    forge(path, npy(array))
    assert read(directory, dim=8) is True


def test_pickled_object_array_is_never_unpickled(entry, tmp_path):
    directory, path = entry
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    array = np.empty((2, 8), dtype=object)
    array[0, 0] = Payload()
    forge(path, npy(array, allow_pickle=True))
    assert read(directory) is True
    assert not marker.exists()


def test_header_claiming_a_terabyte_is_rebuilt_without_allocating(entry):
    directory, path = entry
    header = npy(GOOD).split(b"\n", 1)[0].replace(b"(2, 8)", b"(2, 99999999999)")
    forge(path, header.ljust(len(npy(GOOD)) - 64, b" ") + b"\n")
    assert read(directory) is True


@pytest.mark.parametrize("junk", [b"", b"\x93NUMPY\x03\x00", b"\x93NUMPY\x01\x00\xff\xff{'descr': __import__('os')}",
                                  b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'}\n", b"not numpy at all"])
def test_forged_junk_is_rebuilt(entry, junk):
    directory, path = entry
    forge(path, junk)
    assert read(directory) is True


def test_symlink_to_a_valid_entry_elsewhere_is_not_followed(entry, tmp_path):
    directory, path = entry
    elsewhere = tmp_path / "elsewhere.npy"
    elsewhere.write_bytes(open(path, "rb").read())
    os.remove(path)
    os.symlink(str(elsewhere), path)  # the checksum beside it still matches the target's bytes
    assert read(directory) is True
    assert not os.path.islink(path) and os.path.isfile(path)  # replaced by a regular file
    assert elsewhere.read_bytes() == npy(GOOD)  # the target was not written through the link


def test_symlinked_checksum_is_not_followed(entry, tmp_path):
    directory, path = entry
    outside = tmp_path / "sum"
    outside.write_text(open(path + ".sha256").read())
    os.remove(path + ".sha256")
    os.symlink(str(outside), path + ".sha256")
    assert read(directory) is True


def test_entry_that_is_a_directory_or_a_pipe(entry):
    directory, path = entry
    os.remove(path)
    os.mkdir(path)
    assert read(directory) is True  # cannot be replaced by a file: still answered, uncached
    if hasattr(os, "mkfifo"):
        os.rmdir(path)
        os.mkfifo(path)
        assert read(directory) is True  # opening a pipe must not block


def test_entry_too_large_to_be_one_is_not_read(entry):
    directory, path = entry
    forge(path, npy(GOOD) + b"\0" * (2 * 16_384 * 4 + 8192))
    assert read(directory) is True


def test_unwritable_cache_still_answers(tmp_path):
    (tmp_path / "embeddings").write_text("a file where the folder should be")
    assert read(str(tmp_path)) is True
    assert read(str(tmp_path)) is True


def test_sentence_cache_database_that_is_garbage_is_rebuilt(tmp_path, fake_encoder):
    from plumbline.embed.cache import DB_NAME, CachedEncoder

    class Addressed:  # the fake encoder, as if its fingerprint came from weight bytes
        name, fingerprint, dim, content_addressed = "fake", "fake-weights", 256, True

        def encode(self, texts):
            return fake_encoder.encode(texts)

    (tmp_path / DB_NAME).write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    encoder = CachedEncoder(Addressed(), directory=str(tmp_path))
    assert np.allclose(encoder.encode(TEXTS), fake_encoder.encode(TEXTS))
    again = CachedEncoder(Addressed(), directory=str(tmp_path))
    assert np.allclose(again.encode(TEXTS), fake_encoder.encode(TEXTS))


# What may never appear in plumbline's source: loaders that can run code from a file.
UNSAFE = {
    r"\bimport\s+(?:c?pickle|dill|joblib|shelve|marshal|cloudpickle)\b": "a pickle-family module",
    r"\bfrom\s+(?:c?pickle|dill|joblib|shelve|marshal|cloudpickle)\s+import\b": "a pickle-family module",
    r"\btorch\.load\s*\(": "torch.load (pickle)",
    r"\b(?:np|numpy)\.load\s*\(": "np.load (pickle unless allow_pickle=False; the cache parses .npy itself)",
    r"\byaml\.(?:load|unsafe_load|full_load|load_all)\s*\(": "a YAML loader that builds arbitrary objects",
    r"allow_pickle\s*=\s*True": "allow_pickle=True",
    r"\btrust_remote_code\s*=\s*True": "trust_remote_code=True",
}


def python_sources():
    for root, dirs, files in os.walk(os.path.join(REPO, "plumbline")):
        for name in files:
            if name.endswith(".py"):
                yield os.path.join(root, name)


def test_no_unsafe_deserialisation_in_the_package():
    found = []
    for path in python_sources():
        code = open(path, encoding="utf-8").read()
        for pattern, what in UNSAFE.items():
            for match in re.finditer(pattern, code):
                line = code.count("\n", 0, match.start()) + 1
                found.append(f"{os.path.relpath(path, REPO)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_models_load_from_safetensors_only():
    """Every Hugging Face / sentence-transformers load asks for safetensors and local files."""
    for path in python_sources():
        code = open(path, encoding="utf-8").read()
        for match in re.finditer(r"\b(?:from_pretrained|SentenceTransformer)\s*\(", code):
            call = code[match.start(): code.find("\n", code.find(")", match.end()))]
            if "def " in code[max(0, match.start() - 4): match.start()] or "import" in call.split("(")[0]:
                continue
            assert "use_safetensors" in call and "local_files_only=True" in call, f"{path}: {call}"

"""The per-sentence embedding cache: each text embedded once per run, reused across runs only
for the same fingerprint, and corrupted rows or files detected and rebuilt."""
import os
import sqlite3

import numpy as np

from conftest import FakeEncoder
from plumbline.embed.cache import DB_NAME, CachedEncoder, RowStore, SentenceStore


class CountingEncoder(FakeEncoder):
    """A fake whose fingerprint stands for real weights, counting every text it embeds."""

    content_addressed = True

    def __init__(self, fingerprint="torch:test@0123456789abcdef"):
        super().__init__()
        self.fingerprint = fingerprint
        self.texts = []

    def encode(self, texts):
        self.texts += list(texts)
        return super().encode(texts)


def test_each_text_is_embedded_once_per_run(tmp_path):
    inner = CountingEncoder()
    cached = CachedEncoder(inner, str(tmp_path))
    first = cached.encode(["Hi Dana,", "We cut costs.", "Hi Dana,"])
    second = cached.encode(["We cut costs.", "Best,"])
    assert sorted(inner.texts) == ["Best,", "Hi Dana,", "We cut costs."]
    assert np.array_equal(first[1], second[0]) and np.array_equal(first[0], first[2])
    assert first.dtype == np.float32 and first.shape == (3, inner.dim)


def test_a_later_run_reads_the_disk_and_embeds_nothing(tmp_path):
    texts = ["Hi Dana,", "We cut costs by a third.", "Best,"]
    expected = CachedEncoder(CountingEncoder(), str(tmp_path)).encode(texts)
    inner = CountingEncoder()
    again = CachedEncoder(inner, str(tmp_path)).encode(texts)
    assert inner.texts == [] and np.array_equal(again, expected)
    other = CountingEncoder("onnx:test@0123456789abcdef")  # another backend never hits these rows
    CachedEncoder(other, str(tmp_path)).encode(texts)
    assert other.texts == texts


def test_encoders_without_content_fingerprint_stay_in_memory(tmp_path):
    CachedEncoder(FakeEncoder(), str(tmp_path)).encode(["Hi Dana,"])
    assert not os.path.exists(tmp_path / DB_NAME)


def test_a_corrupted_row_is_recomputed_and_rewritten(tmp_path):
    texts = ["Hi Dana,", "We cut costs by a third."]
    expected = CachedEncoder(CountingEncoder(), str(tmp_path)).encode(texts)
    db = sqlite3.connect(tmp_path / DB_NAME)
    data = bytearray(db.execute("SELECT data FROM rows ORDER BY id LIMIT 1").fetchone()[0])
    data[0] ^= 0xFF  # one flipped byte in the first vector
    db.execute("UPDATE rows SET data = ? WHERE id = (SELECT min(id) FROM rows)", (bytes(data),))
    db.commit()
    db.close()
    inner = CountingEncoder()
    got = CachedEncoder(inner, str(tmp_path)).encode(texts)
    assert inner.texts == ["Hi Dana,"] and np.array_equal(got, expected)
    third = CountingEncoder()
    CachedEncoder(third, str(tmp_path)).encode(texts)
    assert third.texts == []  # the bad row was overwritten with a good one


def test_a_file_that_is_not_a_database_is_rebuilt(tmp_path):
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    inner = CountingEncoder()
    CachedEncoder(inner, str(tmp_path)).encode(["Hi Dana,"])
    later = CountingEncoder()
    CachedEncoder(later, str(tmp_path)).encode(["Hi Dana,"])
    assert inner.texts == ["Hi Dana,"] and later.texts == []


def test_vectors_that_are_not_unit_length_are_not_trusted(tmp_path):
    store = SentenceStore(str(tmp_path))
    store.put("fp", {"a": np.full(4, 0.5, dtype=np.float32), "b": np.full(4, 2.0, dtype=np.float32)})
    assert set(store.get("fp", ["a", "b"], dim=4)) == {"a"}
    assert store.get("fp", ["a"], dim=8) == {}


def test_store_keeps_only_the_newest_rows(tmp_path):
    store = RowStore("rows.sqlite3", str(tmp_path), max_rows=3)
    for i in range(5):
        store.put({bytes([i]): b"x%d" % i})
    assert set(store.get([bytes([i]) for i in range(5)])) == {bytes([2]), bytes([3]), bytes([4])}


def test_unwritable_cache_only_costs_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    inner = CountingEncoder()
    got = CachedEncoder(inner, str(blocker / "cache")).encode(["Hi Dana,"])
    assert got.shape == (1, inner.dim) and inner.texts == ["Hi Dana,"]

"""Sentence embeddings remembered per text: in memory for the run, on disk across runs.

A warm CI re-check of an unchanged template then finds every vector here and never loads
the embedding model. Entries are content-addressed: the key is the sha256 of the encoder's
fingerprint (backend + the weights' sha256) and the exact text embedded, so a changed text,
model or backend can never hit an old entry. Each row carries a sha256 of its key and bytes;
a row that fails it (or is not a finite unit vector of the right width) is recomputed and
overwritten, and a database file that cannot be read is rebuilt. Only encoders whose
fingerprint is derived from the weights' bytes are cached on disk. The store is one SQLite
file (stdlib, safe with concurrent processes) trimmed to the newest `max_rows` entries.
"""
from __future__ import annotations

import hashlib
import os
from typing import Sequence

DB_NAME = "sentences-v1.sqlite3"
SEGMENTS_DB_NAME = "segments-v1.sqlite3"
DEFAULT_MAX_ROWS = 100_000  # ~160 MB with 384-wide vectors
MAX_MEMORY_ROWS = 50_000  # per run; a long audit keeps the newest half when it fills


class CachedEncoder:
    """Wraps an encoder: same `encode`, `fingerprint`, `dim`, `name`; each text embedded once."""

    def __init__(self, encoder, directory: str | None = None, max_rows: int | None = None, disk: bool = True):
        self.encoder = encoder
        self.name = getattr(encoder, "name", "")
        self.fingerprint = encoder.fingerprint
        self.content_addressed = getattr(encoder, "content_addressed", False)
        self._memo: dict[str, object] = {}
        self.store = SentenceStore(directory, max_rows) if disk and self.content_addressed else None
        self.stats = {"memory": 0, "disk": 0, "embedded": 0}

    @property
    def dim(self) -> int:
        return self.encoder.dim

    @property
    def loaded(self) -> bool:
        return getattr(self.encoder, "loaded", True)

    def encode(self, texts: Sequence[str]):
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        missing = [t for t in unique if t not in self._memo]
        self.stats["memory"] += len(unique) - len(missing)
        if missing and self.store is not None:
            found = self.store.get(self.fingerprint, missing, self.dim)
            self._memo.update(found)
            self.stats["disk"] += len(found)
            missing = [t for t in missing if t not in found]
        if missing:
            vectors = np.asarray(self.encoder.encode(missing), dtype=np.float32)
            fresh = dict(zip(missing, vectors))
            self._memo.update(fresh)
            self.stats["embedded"] += len(missing)
            if self.store is not None:
                self.store.put(self.fingerprint, fresh)
        out = np.stack([self._memo[t] for t in texts]).astype(np.float32, copy=False)
        if len(self._memo) > MAX_MEMORY_ROWS:
            for text in list(self._memo)[: len(self._memo) // 2]:
                del self._memo[text]
        return out


def row_key(fingerprint: str, text: str) -> bytes:
    return hashlib.sha256(fingerprint.encode() + b"\x1f" + text.encode("utf-8", "surrogatepass")).digest()


def row_check(key: bytes, data: bytes) -> bytes:
    return hashlib.sha256(key + data).digest()


class RowStore:
    """key → bytes rows in one SQLite file, each row checksummed; every failure only costs speed."""

    def __init__(self, name: str, directory: str | None = None, max_rows: int | None = None):
        from plumbline.cache import cache_dir

        self.path = os.path.join(directory or cache_dir(), name)
        self.max_rows = max_rows if max_rows is not None else int(os.environ.get("PLUMBLINE_SENTENCE_CACHE_ROWS", DEFAULT_MAX_ROWS))
        self._db = None
        self._broken = False

    def _connect(self):
        import sqlite3

        if self._db is not None or self._broken:
            return self._db
        for attempt in (0, 1):
            try:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                db.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, key BLOB UNIQUE NOT NULL, "
                           "data BLOB NOT NULL, check_sum BLOB NOT NULL)")
                db.execute("SELECT count(*) FROM (SELECT 1 FROM rows LIMIT 1)").fetchone()
                self._db = db
                return db
            except sqlite3.DatabaseError:  # not a database / malformed: rebuild it once
                if attempt == 0:
                    _remove_db(self.path)
            except OSError:
                break
        self._broken = True
        return None

    def get(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """The rows found whose checksum holds; a row that fails it is left to be overwritten."""
        import sqlite3

        db = self._connect()
        found: dict[bytes, bytes] = {}
        if db is None or not keys:
            return found
        keys = list(keys)
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, data, check in db.execute(f"SELECT key, data, check_sum FROM rows WHERE key IN ({marks})", chunk):
                    key, data = bytes(key), bytes(data)
                    if row_check(key, data) == bytes(check):
                        found[key] = data
        except sqlite3.DatabaseError:
            self._fail()
            return {}
        return found

    def put(self, rows: dict[bytes, bytes]) -> None:
        import sqlite3

        db = self._connect()
        if db is None or not rows:
            return
        values = [(key, data, row_check(key, data)) for key, data in rows.items()]
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO rows (key, data, check_sum) VALUES (?, ?, ?)", values)
            if self.max_rows > 0:
                db.execute("DELETE FROM rows WHERE id <= (SELECT max(id) FROM rows) - ?", (self.max_rows,))
            db.execute("COMMIT")
        except sqlite3.DatabaseError:
            try:
                db.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass
            self._fail()

    def _fail(self) -> None:
        """A database that errors mid-run is closed and removed; the next run starts it anew."""
        try:
            self._db.close()
        except Exception:  # noqa: BLE001 - closing a broken handle may fail in many ways
            pass
        self._db = None
        self._broken = True
        _remove_db(self.path)


class SentenceStore:
    """Unit-length float32 vectors by (fingerprint, text)."""

    def __init__(self, directory: str | None = None, max_rows: int | None = None):
        self.rows = RowStore(DB_NAME, directory, max_rows)
        self.path = self.rows.path

    def get(self, fingerprint: str, texts: Sequence[str], dim: int) -> dict:
        keys = {row_key(fingerprint, t): t for t in texts}
        found = {}
        for key, data in self.rows.get(list(keys)).items():
            vector = _vector(data, dim)
            if vector is not None:
                found[keys[key]] = vector
        return found

    def put(self, fingerprint: str, vectors: dict) -> None:
        import numpy as np

        self.rows.put({row_key(fingerprint, text): np.ascontiguousarray(v, dtype="<f4").tobytes()
                       for text, v in vectors.items()})


def _vector(data: bytes, dim: int):
    import numpy as np

    if len(data) != 4 * dim:
        return None
    vector = np.frombuffer(data, dtype="<f4").astype(np.float32)
    if not np.isfinite(vector).all() or abs(float(vector @ vector) - 1.0) > 1e-3:
        return None
    return vector


def _remove_db(path: str) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except OSError:
            pass

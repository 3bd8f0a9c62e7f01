"""Where an audit writes its per-file results as it goes, so an interrupted run resumes.

A state directory holds, per *run identity* (plumb line, embedding model, judge and reading
options, hashed): `<identity>.jsonl`, one record per judged file, and `<identity>.vectors`,
the float16 vectors of the few sentences that may end up in the report's samples. A file's
record is reused when its path, size and modification time are unchanged; change the plumb
line, the model or a judge setting and the identity changes, so nothing stale is reused.

A run killed mid-write leaves at most one partial line, which is cut off when reopened.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, is_dataclass
from typing import Iterator

import numpy as np

FORMAT_VERSION = 2  # 2: message rows carry whether the month is a real date


def run_identity(plumbline, fingerprint: str, settings, judge_model, options) -> str:
    """A short hash of everything that changes how a file is judged."""
    digest = hashlib.sha256(f"plumbline-audit/{FORMAT_VERSION}\x1f{fingerprint}".encode())
    for story in plumbline.stories:
        digest.update(json.dumps([story.id, story.title, story.kind, story.body, list(story.examples)]).encode())
    digest.update(json.dumps(sorted(plumbline.brand_names)).encode())
    digest.update(json.dumps(_plain(settings), sort_keys=True, default=str).encode())
    digest.update(json.dumps(_plain(options), sort_keys=True, default=str).encode())
    if judge_model is not None:
        for name in ("mean", "scale", "coef", "intercept"):
            digest.update(np.ascontiguousarray(getattr(judge_model, name), dtype=np.float64).tobytes())
        digest.update(repr(judge_model.temperature).encode())
    return digest.hexdigest()[:16]


def _plain(value):
    if is_dataclass(value):
        return {k: (dict(v) if hasattr(v, "items") else v) for k, v in asdict(value).items()}
    return value


def file_key(path: str) -> tuple[str, int, int] | None:
    """(absolute path, size, mtime in ns), or None when the file cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return os.path.abspath(path), st.st_size, st.st_mtime_ns


def key_digest(key) -> bytes:
    return hashlib.blake2b(json.dumps(key).encode("utf-8", "surrogatepass"), digest_size=16).digest()


class AuditState:
    """Append-only records of judged files for one run identity."""

    def __init__(self, directory: str, identity: str, dim: int, fresh: bool = False):
        os.makedirs(directory, exist_ok=True)
        self.records_path = os.path.join(directory, f"{identity}.jsonl")
        self.vectors_path = os.path.join(directory, f"{identity}.vectors")
        self.meta_path = os.path.join(directory, f"{identity}.json")
        if fresh:
            for path in (self.records_path, self.vectors_path, self.meta_path):
                if os.path.exists(path):
                    os.remove(path)
        self._offsets: dict[bytes, int] = {}
        self._index_records()
        self.dim = int(dim)
        self._rows = self._trim_vectors()
        self._records = open(self.records_path, "ab")
        self._vectors = open(self.vectors_path, "ab")
        self._reader = None
        self._matrix = None

    def describe(self, **facts) -> None:
        """Write a human-readable note of what this identity stands for."""
        if not os.path.exists(self.meta_path):
            with open(self.meta_path, "w", encoding="utf-8") as fh:
                json.dump(dict(facts, dim=self.dim, format=FORMAT_VERSION), fh, indent=2)

    def _index_records(self) -> None:
        if not os.path.exists(self.records_path):
            return
        good = 0
        with open(self.records_path, "rb") as fh:
            while True:
                offset = fh.tell()
                line = fh.readline()
                if not line:
                    break
                try:
                    if not line.endswith(b"\n"):
                        raise ValueError("partial line")
                    key = json.loads(line)["key"]
                except (ValueError, KeyError, TypeError):
                    break  # a partial write from an interrupted run: drop it and what follows
                self._offsets[key_digest(key)] = offset
                good = fh.tell()
        if good != os.path.getsize(self.records_path):
            with open(self.records_path, "r+b") as fh:
                fh.truncate(good)

    def _trim_vectors(self) -> int:
        if not os.path.exists(self.vectors_path):
            return 0
        row = self.dim * 2
        size = os.path.getsize(self.vectors_path)
        if size % row:
            with open(self.vectors_path, "r+b") as fh:
                fh.truncate(size - size % row)
        return size // row

    def __len__(self) -> int:
        return len(self._offsets)

    def has(self, key) -> bool:
        return key_digest(key) in self._offsets

    def record(self, key) -> dict | None:
        offset = self._offsets.get(key_digest(key))
        if offset is None:
            return None
        if self._reader is None:
            self._records.flush()
            self._reader = open(self.records_path, "rb")
        self._reader.seek(offset)
        return json.loads(self._reader.readline())

    def add_vectors(self, vectors: np.ndarray) -> list[int]:
        """Append float16 rows; returns their row numbers."""
        if not len(vectors):
            return []
        first = self._rows
        self._vectors.write(np.ascontiguousarray(vectors, dtype=np.float16).tobytes())
        self._rows += len(vectors)
        self._matrix = None
        return list(range(first, self._rows))

    def vector(self, row: int) -> np.ndarray | None:
        if row < 0:
            return None
        if self._matrix is None or row >= len(self._matrix):
            self._vectors.flush()
            if not os.path.getsize(self.vectors_path):
                return None
            self._matrix = np.memmap(self.vectors_path, dtype=np.float16, mode="r").reshape(-1, self.dim)
        if row >= len(self._matrix):
            return None
        return np.array(self._matrix[row])

    def add_record(self, record: dict) -> None:
        self._offsets[key_digest(record["key"])] = self._records.tell()
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        self._records.write(line.encode("utf-8", "surrogatepass"))

    def flush(self) -> None:
        """Make everything written so far durable (vectors first: records point at them)."""
        self._vectors.flush()
        os.fsync(self._vectors.fileno())
        self._records.flush()
        os.fsync(self._records.fileno())

    def close(self) -> None:
        for fh in (self._records, self._vectors, self._reader):
            if fh is not None:
                fh.close()
        self._matrix = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.flush()
        finally:
            self.close()


def iter_lines(path: str) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)

"""Physical line numbers for the few rows a finding cites, without a second pass over the file.

DuckDB keeps file order (rowid) but not line numbers. A CSV record's line is its record
number plus the newlines inside earlier quoted fields (counted per row at load time, `nl`)
plus the records DuckDB rejected before it (their record numbers are in the rejects table).
The prefix sums are built only when a file has multi-line fields and a finding needs a line.
Blank lines in the middle of a CSV are skipped by DuckDB and not seen here, so a line after
one is reported one short.
"""
from __future__ import annotations

import bisect


class LineMap:
    def __init__(self, con, fid: int, start_rowid: int, first_record_line: int,
                 rejected: list[tuple[int, int]]):
        self._con = con
        self._fid = fid
        self._start = start_rowid
        self._first = first_record_line
        self._rejected = [record for record, _ in rejected]  # DuckDB record numbers, sorted
        self._rejected_nl = [0]
        for _, newlines in rejected:
            self._rejected_nl.append(self._rejected_nl[-1] + newlines)
        self._prefix = None

    def line(self, rowid: int) -> int:
        """The physical line where the row with this table rowid starts."""
        k = rowid - self._start
        record = self._first + k
        j = 0
        while j < len(self._rejected) and self._rejected[j] <= record + j:
            j += 1
        return record + j + self._newlines_before(k) + self._rejected_nl[j]

    def rejected_line(self, record: int) -> int:
        j = bisect.bisect_left(self._rejected, record)
        valid_before = record - self._first - j
        return record + self._newlines_before(valid_before) + self._rejected_nl[j]

    def _newlines_before(self, k: int) -> int:
        if self._prefix is None:
            self._prefix = self._load_prefix()
        if self._prefix is False or k <= 0:
            return 0
        return int(self._prefix[min(k, len(self._prefix) - 1)])

    def _load_prefix(self):
        total = self._con.execute(f"SELECT coalesce(sum(nl), 0) FROM touches WHERE fid = {self._fid}").fetchone()[0]
        if not total:
            return False
        import numpy as np

        nl = self._con.execute(f"SELECT nl FROM touches WHERE fid = {self._fid} ORDER BY rowid").fetchnumpy()["nl"]
        return np.concatenate(([0], np.cumsum(nl, dtype=np.int64)))

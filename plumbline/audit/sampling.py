"""Bounded samples that do not depend on the order files are read in.

Each sentence gets a pseudo-random priority from a hash of where it is and what it says;
a sample keeps the `size` sentences with the lowest priorities (bottom-k sampling). That is a
uniform random sample of everything offered, it never holds more than `size` items, and an
interrupted-then-resumed audit ends with exactly the sample an uninterrupted one would.
"""
from __future__ import annotations

import hashlib
import heapq
from typing import Generic, Iterator, TypeVar

T = TypeVar("T")


def priority(seed: int, *parts: object) -> float:
    """A stable pseudo-random number in [0, 1) for these parts."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class BottomK(Generic[T]):
    """Keeps the `size` items with the smallest priorities."""

    def __init__(self, size: int):
        self.size = size
        self._heap: list[tuple[float, int, T]] = []  # max-heap on priority via negation
        self._tie = 0
        self.offered = 0

    @property
    def threshold(self) -> float:
        """Items at or above this priority would not be kept now (1.0 while not yet full)."""
        if len(self._heap) < self.size:
            return 1.0
        return -self._heap[0][0]

    def wants(self, p: float) -> bool:
        return p < self.threshold

    def offer(self, p: float, item: T) -> bool:
        self.offered += 1
        if not self.wants(p):
            return False
        self._tie += 1
        entry = (-p, self._tie, item)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, entry)
        else:
            heapq.heapreplace(self._heap, entry)
        return True

    def __len__(self) -> int:
        return len(self._heap)

    def items(self) -> Iterator[T]:
        """Kept items, lowest priority first (a stable order)."""
        for _, _, item in sorted(self._heap, key=lambda e: -e[0]):
            yield item

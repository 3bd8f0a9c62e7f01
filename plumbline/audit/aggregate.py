"""Fold per-file records into the audit's counts, keeping memory flat however many files.

Only counters per group (rep, folder, month, rep × month), bottom-k samples of sentences for
themes and the map, and a top-k of the worst messages are kept; a record is dropped as soon
as it is counted. Records come from files judged now and from an earlier run's state alike.

A record (see state.py) is JSON: `messages` rows are [index, rep, folder, month, dated] and
`sentences` rows are [message index, line, column, rep, label, story, confidence, text,
vector row or -1, why, what to say instead] (the last two: the findings' evidence and
suggestion, "" when none; absent from records written before they existed).
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable

import numpy as np

from plumbline.audit.sampling import BottomK, priority
from plumbline.audit.summary import OFF_PLUMB_LINE, GroupStats, SampleSentence, Turn, WorstMessage
from plumbline.model import LABELS

M_INDEX, M_REP, M_FOLDER, M_MONTH, M_DATED = range(5)
S_MESSAGE, S_LINE, S_COLUMN, S_REP, S_LABEL, S_STORY, S_CONFIDENCE, S_TEXT, S_VECTOR, S_WHY, S_INSTEAD = range(11)
ERROR_SAMPLES = 20


@dataclass
class SampledSentence:
    sentence: SampleSentence
    vector: np.ndarray | None  # float16; None when it must be embedded again


class _Group:
    __slots__ = ("messages", "labels", "stories")

    def __init__(self):
        self.messages = 0
        self.labels = Counter()
        self.stories = Counter()

    def add_message(self, labels: Counter, stories: set) -> None:
        self.messages += 1
        self.labels.update(labels)
        self.stories.update(stories)

    def stats(self, name: str) -> GroupStats:
        labels = {label: self.labels.get(label, 0) for label in LABELS}
        return GroupStats(name, self.messages, sum(labels.values()), labels, dict(self.stories))


class Aggregator:
    def __init__(self, seed: int = 0, theme_sample: int = 2000, map_sample: int = 400, worst: int = 10):
        self.seed = seed
        self.files = self.errors = self.messages = self.judged_messages = self.undated_messages = 0
        self.error_samples: list[tuple[str, str]] = []
        self.labels = Counter()
        self.findings = Counter()
        self.story_messages = Counter()
        self.by_rep: dict[str, _Group] = defaultdict(_Group)
        self.by_folder: dict[str, _Group] = defaultdict(_Group)
        self.by_month: dict[str, _Group] = defaultdict(_Group)
        self.rep_months: dict[tuple[str, str], _Group] = defaultdict(_Group)
        self.themes: BottomK[SampledSentence] = BottomK(theme_sample)
        self.map: dict[str, BottomK[SampledSentence]] = {label: BottomK(map_sample) for label in LABELS}
        self._worst: list[tuple[tuple, WorstMessage]] = []
        self._worst_size = worst

    def sentence_priority(self, path: str, row: list) -> float:
        return priority(self.seed, path, row[S_MESSAGE], row[S_LINE], row[S_COLUMN], row[S_TEXT])

    def wants_vector(self, label: str, p: float) -> bool:
        """Could a sentence with this priority still enter a sample? (then keep its vector)"""
        return self.map[label].wants(p) or (label in OFF_PLUMB_LINE and self.themes.wants(p))

    def add(self, record: dict, vector_of: Callable[[int, list], np.ndarray | None]) -> None:
        """Count one file's record. `vector_of(position, row)` returns a sentence's vector."""
        self.files += 1
        if record.get("error"):
            self.errors += 1
            if len(self.error_samples) < ERROR_SAMPLES:
                self.error_samples.append((record["path"], record["error"]))
            return
        self.findings.update(record.get("findings", {}))
        by_message: dict[int, list] = defaultdict(list)
        for position, row in enumerate(record["sentences"]):
            by_message[row[S_MESSAGE]].append((position, row))
        turns = record.get("turns", {})
        for message in record["messages"]:
            self._add_message(record["path"], message, by_message.get(message[M_INDEX], []), vector_of,
                              turns.get(str(message[M_INDEX]), ()))

    def _add_message(self, path: str, message: list, rows: list, vector_of, turns=()) -> None:
        self.messages += 1
        if not message[M_DATED]:
            self.undated_messages += 1
        labels, stories = Counter(), set()
        per_rep: dict[str, tuple[Counter, set]] = {}
        for position, row in rows:
            label, story, rep = row[S_LABEL], row[S_STORY], row[S_REP]
            labels[label] += 1
            rep_labels, rep_stories = per_rep.setdefault(rep, (Counter(), set()))
            rep_labels[label] += 1
            if story and label in ("aligned", "off-message"):
                stories.add(story)
                rep_stories.add(story)
            self._sample(path, position, row, vector_of)
        if rows:
            self.judged_messages += 1
        self.labels.update(labels)
        self.story_messages.update(stories)
        self.by_folder[message[M_FOLDER]].add_message(labels, stories)
        self.by_month[message[M_MONTH]].add_message(labels, stories)
        for rep, (rep_labels, rep_stories) in per_rep.items():
            self.by_rep[rep].add_message(rep_labels, rep_stories)
            self.rep_months[(rep, message[M_MONTH])].add_message(rep_labels, rep_stories)
        self._consider_worst(path, message, rows, labels, turns)

    def _sample(self, path: str, position: int, row: list, vector_of) -> None:
        label = row[S_LABEL]
        p = self.sentence_priority(path, row)
        targets = [self.map[label]] + ([self.themes] if label in OFF_PLUMB_LINE else [])
        wanted = [t for t in targets if t.wants(p)]
        for target in targets:
            if target not in wanted:
                target.offered += 1
        if not wanted:
            return
        item = SampledSentence(_sample_sentence(path, row), vector_of(position, row))
        for target in wanted:
            target.offer(p, item)

    def _consider_worst(self, path: str, message: list, rows: list, labels: Counter, turns=()) -> None:
        off, drift = labels.get("off-message", 0), labels.get("drift", 0)
        if not off + drift:
            return
        rank = (2 * off + drift, (off + drift) / max(1, sum(labels.values())), path, message[M_INDEX])
        if len(self._worst) >= self._worst_size and rank <= self._worst[0][0]:
            return
        reps = Counter(row[S_REP] for _, row in rows if row[S_LABEL] in OFF_PLUMB_LINE)
        worst = WorstMessage(path, message[M_INDEX], reps.most_common(1)[0][0] if reps else message[M_REP],
                             message[M_MONTH], off + drift, off, drift,
                             tuple(_sample_sentence(path, row) for _, row in rows),
                             tuple(Turn(speaker, line, bool(judged), text) for speaker, line, judged, text in turns))
        if len(self._worst) < self._worst_size:
            heapq.heappush(self._worst, (rank, worst))
        else:
            heapq.heapreplace(self._worst, (rank, worst))

    def worst(self) -> tuple[WorstMessage, ...]:
        return tuple(w for _, w in sorted(self._worst, key=lambda e: e[0], reverse=True))

    def groups(self, which: dict) -> tuple[GroupStats, ...]:
        return tuple(group.stats(name) for name, group in which.items())

    def rep_month_stats(self) -> dict[str, tuple[GroupStats, ...]]:
        out: dict[str, list[GroupStats]] = defaultdict(list)
        for (rep, month), group in sorted(self.rep_months.items()):
            out[rep].append(group.stats(month))
        return {rep: tuple(stats) for rep, stats in out.items()}


def _sample_sentence(path: str, row: list) -> SampleSentence:
    why, instead = (row[S_WHY], row[S_INSTEAD]) if len(row) > S_INSTEAD else ("", "")
    return SampleSentence(path, row[S_LINE], row[S_COLUMN], row[S_TEXT], row[S_LABEL], row[S_STORY],
                          row[S_REP], row[S_CONFIDENCE], why, instead)

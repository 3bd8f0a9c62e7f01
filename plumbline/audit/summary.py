"""What an audit knows when it is done: compact aggregates and bounded samples, never every
judgement. The HTML report, the --json file and API users all read this one record."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Mapping

from plumbline.model import LABELS

OFF_PLUMB_LINE = ("drift", "off-message")


def drift_score(labels: Mapping[str, int]) -> float | None:
    """Of the claims made (every sentence but neutral ones), the share off the plumb line."""
    claims = sum(labels.get(label, 0) for label in LABELS if label != "neutral")
    if not claims:
        return None
    return sum(labels.get(label, 0) for label in OFF_PLUMB_LINE) / claims


@dataclass(frozen=True)
class StoryInfo:
    id: str
    title: str
    kind: str  # story | avoid


@dataclass(frozen=True)
class GroupStats:
    """Counts for one rep, folder or month. `messages` counts this group's messages (for a rep:
    the messages in which that rep said something judged); `stories` maps a story id to how
    many of those messages tell it."""

    name: str
    messages: int
    sentences: int
    labels: Mapping[str, int]
    stories: Mapping[str, int] = field(default_factory=dict)

    @property
    def drift_score(self) -> float | None:
        return drift_score(self.labels)

    def share(self, label: str) -> float:
        return self.labels.get(label, 0) / self.sentences if self.sentences else 0.0

    def story_share(self, story_id: str) -> float:
        return self.stories.get(story_id, 0) / self.messages if self.messages else 0.0


@dataclass(frozen=True)
class SampleSentence:
    path: str
    line: int
    column: int
    text: str
    label: str
    story: str | None
    rep: str
    confidence: float
    why: str = ""  # the findings' evidence, when flagged
    instead: str = ""  # the plumb-line sentence suggested in its place


@dataclass(frozen=True)
class Theme:
    """A recurring way reps leave the plumb line: a cluster of drift/off-message sentences."""

    name: str
    phrases: tuple[str, ...]
    sampled: int  # sentences of the sample in this theme
    estimated: int  # sampled, scaled up to every off-plumb-line sentence of the audit
    share: float  # of all off-plumb-line sentences
    labels: Mapping[str, int]  # drift / off-message within the sample
    reps: tuple[tuple[str, int], ...]  # most frequent reps in the sample
    examples: tuple[SampleSentence, ...]


@dataclass(frozen=True)
class MapPoint:
    """One dot of the 2-D map: a sampled sentence (kind "sentence") or a plumb-line entry."""

    x: float  # 0..1
    y: float  # 0..1
    kind: str  # sentence | story | avoid
    label: str  # a LABELS value for sentences; the entry id for stories
    text: str


@dataclass(frozen=True)
class Turn:
    """One speaker's turn of a transcript, for reading a flagged message in context: the rep's
    turns hold no text (their sentences are in WorstMessage.sentences, by line), everyone
    else's turn holds what they said (the prospect's question the rep answered)."""

    speaker: str | None
    line: int
    judged: bool
    text: str = ""


@dataclass(frozen=True)
class WorstMessage:
    path: str
    index: int
    rep: str
    month: str
    flagged: int
    off_message: int
    drift: int
    sentences: tuple[SampleSentence, ...]  # every judged sentence, in order
    turns: tuple[Turn, ...] = ()  # a transcript's turns, in order (empty for emails and scripts)


@dataclass(frozen=True)
class AuditSummary:
    plumbline_path: str
    stories: tuple[StoryInfo, ...]
    files: int
    errors: int
    error_samples: tuple[tuple[str, str], ...]  # (path, problem), the first few
    messages: int
    judged_messages: int  # messages with at least one judged sentence
    undated_messages: int  # messages whose month is only their file's modification time
    sentences: int
    labels: Mapping[str, int]
    findings_by_rule: Mapping[str, int]
    story_messages: Mapping[str, int]  # story id -> messages that tell it (avoid ids: that do it)
    by_rep: tuple[GroupStats, ...]
    by_folder: tuple[GroupStats, ...]
    by_month: tuple[GroupStats, ...]
    rep_months: Mapping[str, tuple[GroupStats, ...]]  # rep -> their months
    themes: tuple[Theme, ...]
    map_points: tuple[MapPoint, ...]
    worst: tuple[WorstMessage, ...]
    judged_files: int  # judged in this run
    resumed_files: int  # taken from the state of an earlier run
    fingerprint: str
    generated: str  # ISO timestamp
    sample_sizes: Mapping[str, int] = field(default_factory=dict)

    @property
    def tells(self) -> tuple[StoryInfo, ...]:
        return tuple(s for s in self.stories if s.kind == "story")

    @property
    def avoids(self) -> tuple[StoryInfo, ...]:
        return tuple(s for s in self.stories if s.kind == "avoid")

    def share(self, label: str) -> float:
        return self.labels.get(label, 0) / self.sentences if self.sentences else 0.0

    @property
    def drift_score(self) -> float | None:
        return drift_score(self.labels)

    @property
    def stories_told(self) -> int:
        return sum(1 for s in self.tells if self.story_messages.get(s.id))

    @property
    def story_coverage(self) -> float:
        """How many of the plumb line's stories the average message tells (0..1)."""
        if not self.tells or not self.judged_messages:
            return 0.0
        told = sum(self.story_messages.get(s.id, 0) for s in self.tells)
        return told / (self.judged_messages * len(self.tells))

    def as_dict(self) -> dict:
        """Plain JSON-ready data (the `--json` file)."""
        out = asdict(self)
        out["shares"] = {label: round(self.share(label), 4) for label in LABELS}
        out["drift_score"] = None if self.drift_score is None else round(self.drift_score, 4)
        out["stories_told"] = self.stories_told
        out["story_coverage"] = round(self.story_coverage, 4)
        for key in ("by_rep", "by_folder", "by_month"):
            for group, stats in zip(out[key], getattr(self, key)):
                group["drift_score"] = None if stats.drift_score is None else round(stats.drift_score, 4)
        return out

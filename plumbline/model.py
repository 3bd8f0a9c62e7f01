"""The records that flow through plumbline: load → segment → embed → judge → report.

Every stage takes and returns these small frozen dataclasses, so a stage can be tested
alone and never needs to reach back into an earlier one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

LABELS = ("aligned", "off-message", "drift", "neutral")
SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class Story:
    """One entry of a plumb line: a brand story to tell, or something to avoid saying."""

    id: str
    title: str
    kind: str  # "story" | "avoid"
    body: str
    path: str
    examples: tuple[str, ...] = ()  # sentences of the body, used as exemplars
    title_line: int = 0  # 1-based line of `title:` in the file (0: not known)
    example_lines: tuple[int, ...] = ()  # 1-based line where each example starts in the file


@dataclass(frozen=True)
class PlumbLine:
    path: str
    stories: tuple[Story, ...]
    brand_names: tuple[str, ...] = ()

    @property
    def tells(self) -> tuple[Story, ...]:
        return tuple(s for s in self.stories if s.kind == "story")

    @property
    def avoids(self) -> tuple[Story, ...]:
        return tuple(s for s in self.stories if s.kind == "avoid")

    def story(self, story_id: str) -> Story:
        for s in self.stories:
            if s.id == story_id:
                return s
        raise KeyError(story_id)


@dataclass(frozen=True)
class Block:
    """A run of text from one speaker, with where it starts in the source file.

    `line`/`column` are 1-based and point at the first character of `text` in the source.
    `line_offsets` optionally maps each newline-separated line of `text` to its own source
    line when the lines of `text` are not consecutive in the source (HTML, mbox, docx), and
    `line_columns` to the column where that line's text starts (a caption cue after its
    `<v Dana>` tag, an indented HTML line); without it a later line starts at column 1.
    `judged` is False for text that is not the rep's words (prospect turns, quoted replies).
    A template's merge tags and placeholders are replaced in `text` by neutral stand-ins; then
    `source_text` is the text as written (same newlines) and `stand_ins` holds each replacement
    as (start, end) in `text` and (start, end) in `source_text`, so findings quote and point
    at what the user wrote.
    """

    text: str
    line: int
    column: int = 1
    speaker: str | None = None
    judged: bool = True
    line_offsets: tuple[int, ...] = ()
    line_columns: tuple[int, ...] = ()
    source_text: str = ""
    stand_ins: tuple[tuple[int, int, int, int], ...] = ()

    def source_line(self, text_line_index: int) -> int:
        if self.line_offsets and text_line_index < len(self.line_offsets):
            return self.line_offsets[text_line_index]
        return self.line + text_line_index

    def source_column(self, text_line_index: int, offset_in_line: int) -> int:
        """The source column of offset `offset_in_line` (0-based) of a line of `text`."""
        if text_line_index == 0:
            return self.column + offset_in_line
        if text_line_index < len(self.line_columns):
            return self.line_columns[text_line_index] + offset_in_line
        return 1 + offset_in_line

    def source_offset(self, offset: int, end: bool = False) -> int:
        """Where offset `offset` of `text` falls in `source_text`: a sentence starting or ending
        at a stand-in takes in the whole tag; a removed tag at its edge is left out."""
        from bisect import bisect_left, bisect_right

        find = bisect_left if end else bisect_right
        index = find(self.stand_ins, offset, key=lambda span: span[0]) - 1
        if index < 0:
            return offset
        _, new_end, old_start, old_end = self.stand_ins[index]
        if offset < new_end:
            return old_end if end else old_start
        return old_end + offset - new_end


@dataclass(frozen=True)
class Suppression:
    """A `plumbline: ignore[rules]` comment in the source; no rules means every rule.

    It covers findings on the lines from `line` to `through` (the comment's last line) and the
    line after it; `whole_file` is `plumbline: ignore-file`."""

    line: int
    rules: tuple[str, ...] = ()
    through: int = 0
    whole_file: bool = False


@dataclass(frozen=True)
class Message:
    """One message from a source: an email, a transcript, a call script."""

    path: str
    blocks: tuple[Block, ...]
    kind: str = "text"  # text | email | html | transcript | script
    index: int = 0  # position inside a container (mbox entry), 0 otherwise
    sender: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    suppressions: tuple[Suppression, ...] = ()  # scanned from the raw source (plumbline.suppress)
    notes: tuple[str, ...] = ()  # what the reader should know: "read as cp1252", "not judged: from …, not a rep"


@dataclass(frozen=True)
class Sentence:
    """A sentence the rep said, with spaCy's signals the judge needs (so it never re-parses)."""

    path: str
    line: int
    column: int
    text: str
    speaker: str | None = None
    message_index: int = 0
    entities: tuple[tuple[str, str], ...] = ()  # (label, text)
    is_question: bool = False
    has_verb: bool = True
    n_tokens: int = 0
    masked_text: str = ""  # what gets embedded when not `text`: brand names masked, merge tags merged
    signals: tuple[str, ...] = ()  # cues found by spaCy patterns, e.g. "discount:percent-off"
    mentions_brand: bool = False

    @property
    def embed_text(self) -> str:
        return self.masked_text or self.text


@dataclass(frozen=True)
class Closest:
    """The plumb-line sentences a judged sentence sits nearest: the closest exemplar (title or
    sentence, as a row of the judge's index) of its best story and of its best avoid entry."""

    story: str | None = None
    story_row: int = -1
    story_score: float = 0.0
    avoid: str | None = None
    avoid_row: int = -1
    avoid_score: float = 0.0
    suggest_row: int = -1  # the story sentence (row) a finding on it suggests saying instead


@dataclass(frozen=True)
class Judgement:
    sentence: Sentence
    label: str  # one of LABELS
    story: str | None  # best story (aligned) or the avoid entry it matches (off-message; None if none does)
    score: float  # cosine similarity to `story`
    confidence: float  # calibrated probability of `label`
    closest: Closest | None = None  # where the evidence for a finding comes from


@dataclass(frozen=True)
class PlumbLineSentence:
    """One sentence of the plumb line (an entry's title, a story sentence, an avoid example),
    with the file and line it is written at, so a finding can point there."""

    entry: str
    title: str
    kind: str  # story | avoid
    text: str
    path: str
    line: int = 0


@dataclass(frozen=True)
class Evidence:
    """Why a finding fired: the plumb-line sentence the flagged sentence sits nearest and how
    near (against what sentences telling that story typically score), or the words a pattern
    rule fired on."""

    nearest: PlumbLineSentence | None = None
    similarity: float | None = None
    typical: float | None = None  # drift: what sentences that tell `nearest`'s story typically score
    words: tuple[str, ...] = ()  # pattern rules: the words that fired
    summary: str = ""  # the evidence as one line of prose


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    path: str
    line: int
    column: int
    message: str
    story: str | None = None
    confidence: float | None = None
    text: str = ""
    speaker: str | None = None
    suppressed: bool = False
    suppressed_by: str = ""  # "comment" (plumbline: ignore) or "baseline", when suppressed
    details: tuple[tuple[str, str | int | float], ...] = ()  # structured (key, value) detail, e.g. contact and touches of an over-contact finding (JSON keeps the types)
    evidence: Evidence | None = None  # why it fired
    suggestion: PlumbLineSentence | None = None  # a plumb-line sentence the rep could say instead (never applied)


@dataclass(frozen=True)
class FileResult:
    """Everything plumbline knows about one input path: judged, or with an error."""

    path: str
    error: str | None = None
    judgements: tuple[Judgement, ...] = ()
    findings: tuple[Finding, ...] = ()
    coverage: tuple[str, ...] = ()
    messages: int = 0
    notes: tuple[str, ...] = ()  # one line each, shown with the file (encoding used, messages not judged and why)


@dataclass(frozen=True)
class Report:
    plumbline: PlumbLine | None
    files: tuple[FileResult, ...]
    findings: tuple[Finding, ...] = ()  # findings not tied to one file (over-contact)
    tool: str = "check"

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        return tuple(f for r in self.files for f in r.findings) + self.findings

    def summary(self) -> dict:
        found = [f for f in self.all_findings if not f.suppressed]
        by_label = {label: 0 for label in LABELS}
        for r in self.files:
            for j in r.judgements:
                by_label[j.label] += 1
        by_rule: dict[str, int] = {}
        for f in found:
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
        return {
            "files": len(self.files),
            "errors": sum(1 for r in self.files if r.error),
            "messages": sum(r.messages for r in self.files),
            "sentences": sum(by_label.values()),
            "labels": by_label,
            "findings": len(found),
            "suppressed": sum(1 for f in self.all_findings if f.suppressed),
            "by_rule": by_rule,
            "by_severity": {s: sum(1 for f in found if f.severity == s) for s in SEVERITIES},
        }


class InputError(Exception):
    """A problem with one input file; the message is one line and names the file."""

    def __init__(self, path: str, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class PlumbLineError(Exception):
    """An invalid plumb line (exit code 2)."""


class ConfigError(Exception):
    """An invalid configuration or flag combination (exit code 2)."""

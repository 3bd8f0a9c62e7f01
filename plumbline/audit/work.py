"""The work of an audit, wherever it runs: read a batch of files and segment them, then embed and
judge their sentences and turn each file into the record the state and the aggregates take.

Both engines run exactly these functions, so they cannot disagree on a file: the in-process
engine (run.py) calls them one batch after another in this process; the Ray engine
(ray_engine.py) runs `read_and_segment` in CPU tasks and `judge_segmented` in a pool of
actors that each hold a prepared judge. A record is plain JSON (see aggregate.py for its rows).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from plumbline.audit.grouping import message_groups, sentence_rep
from plumbline.formats import LoadOptions, load_path
from plumbline.model import InputError, Message, Sentence



class EngineError(Exception):
    """The engine cannot run as asked (one line, exit code 2): e.g. Ray is not installed."""


# (path, sentence row) -> whether its vector is worth keeping (it may end up in a sample)
KeepVector = Callable[[str, list], bool]


@dataclass(frozen=True)
class FileTask:
    """One input to judge: its path, its state key (absolute path, size, mtime in ns; size and
    mtime None when it cannot be stat'ed) and the directory it was found under (for grouping)."""

    path: str
    key: tuple
    root: str


@dataclass
class SegmentedFile:
    task: FileTask
    messages: list[Message] | None  # None when the file could not be read
    error: str | None
    sentences: list[Sentence] = field(default_factory=list)


@dataclass
class JudgedFile:
    record: dict
    vectors: dict[int, np.ndarray]  # sentence position in the record -> float16 vector (only those kept)
    messages: list[Message] | None = None  # the loaded messages, when asked for (the CLI's RepTracker)


def read_and_segment(tasks: Sequence[FileTask], options: LoadOptions, brand_names, parse_cache=None) -> list[SegmentedFile]:
    """Load each file (a bad one keeps its one-line error) and segment all of them at once."""
    from plumbline.segment import segment_messages

    files = []
    for task in tasks:
        try:
            files.append(SegmentedFile(task, load_path(task.path, options), None))
        except InputError as exc:
            files.append(SegmentedFile(task, None, exc.problem))
    messages = [m for f in files if f.messages for m in f.messages]
    by_path: dict[str, list[Sentence]] = {}
    for sentence in segment_messages(messages, brand_names, cache=parse_cache) if messages else ():
        by_path.setdefault(sentence.path, []).append(sentence)
    for f in files:
        f.sentences = by_path.get(f.task.path, [])
    return files


def judge_segmented(judge, files: Sequence[SegmentedFile], options: LoadOptions,
                    keep: KeepVector | None = None, with_messages: bool = False) -> list[JudgedFile]:
    """Embed and judge the files' sentences in one batch; one JudgedFile per file, in order.
    `keep` picks the sentences whose vectors travel with the record (default: all);
    `with_messages` sends each file's loaded messages along too."""
    from plumbline.pipeline import file_result, judge_vectors

    sentences = [s for f in files for s in f.sentences]
    vectors = judge.encoder.encode([s.embed_text for s in sentences]) if sentences else None
    judgements = judge_vectors(judge, sentences, vectors) if sentences else []
    row_of = {id(s): i for i, s in enumerate(sentences)}
    by_path: dict[str, list] = {}
    for j in judgements:
        by_path.setdefault(j.sentence.path, []).append(j)
    out = []
    for f in files:
        mine = by_path.get(f.task.path, [])
        result = file_result(judge, f.task.path, f.messages, f.error, mine)
        record = file_record(result, f.task, f.messages or [], options)
        kept = {}
        if vectors is not None:
            for position, (row, j) in enumerate(zip(record["sentences"], mine)):
                if keep is None or keep(record["path"], row):
                    kept[position] = vectors[row_of[id(j.sentence)]].astype(np.float16)
        out.append(JudgedFile(record, kept, f.messages if with_messages else None))
    return out


def file_record(result, task: FileTask, messages: list[Message], options: LoadOptions) -> dict:
    """The JSON record of one judged (or unreadable) file."""
    record = {"key": list(task.key), "path": result.path, "error": result.error, "messages": [], "sentences": [],
              "findings": dict(Counter(f.rule for f in result.findings if not f.suppressed))}
    if result.error:
        return record
    mtime = (task.key[2] or 0) / 1e9
    reps = {}
    for message in messages:
        groups = message_groups(message, task.root, options, mtime)
        reps[message.index] = groups.rep
        record["messages"].append([message.index, groups.rep, groups.folder, groups.month, groups.dated])
        if message.kind == "transcript":
            record.setdefault("turns", {})[str(message.index)] = transcript_turns(message)
    why = explanations(result.findings)
    for j in result.judgements:
        s = j.sentence
        rep = sentence_rep(s.speaker, reps.get(s.message_index, "unknown"), options)
        record["sentences"].append([s.message_index, s.line, s.column, rep, j.label, j.story,
                                    round(j.confidence, 3), s.text, -1,
                                    *why.get((s.line, s.column, s.text), ("", ""))])
    return record


def transcript_turns(message) -> list[list]:
    """[speaker, line, judged, text] per turn; a judged turn's text is left out (its sentences
    are in the record already), the others' text is kept so a report can show the exchange.
    Consecutive blocks of one speaker are one turn."""
    turns: list[list] = []
    for block in message.blocks:
        if turns and turns[-1][0] == block.speaker and turns[-1][2] == block.judged:
            if not block.judged:
                turns[-1][3] += "\n" + block.text
            continue
        turns.append([block.speaker, block.line, block.judged, "" if block.judged else block.text])
    return turns


def explanations(findings) -> dict[tuple, tuple[str, str]]:
    """(line, column, text) -> (why, what to say instead) from a file's unsuppressed findings,
    so the report can show them beside the sentence."""
    out: dict[tuple, tuple[str, str]] = {}
    for f in findings:
        if f.suppressed:
            continue
        why, instead = out.get((f.line, f.column, f.text), ("", ""))
        summary = f.evidence.summary if f.evidence is not None else ""
        if summary and summary not in why:
            why = f"{why}; {summary}" if why else summary
        if not instead and f.suggestion is not None:
            instead = f.suggestion.text
        out[(f.line, f.column, f.text)] = (why, instead)
    return out


def sample_filter(seed: int, theme_sample: int, map_sample: int) -> KeepVector:
    """`keep` for a worker that sees only part of the inputs: a sentence outside the bottom-k of
    what this worker has seen can never be in the bottom-k of everything (sampling.py), so only
    the vectors of sentences still inside it travel to the driver. It mirrors the driver's
    Aggregator, seeing priorities only."""
    from plumbline.audit.aggregate import S_LABEL, Aggregator
    from plumbline.audit.summary import OFF_PLUMB_LINE

    seen = Aggregator(seed, theme_sample, map_sample, worst=1)

    def keep(path: str, row: list) -> bool:
        label = row[S_LABEL]
        p = seen.sentence_priority(path, row)
        targets = [seen.map[label]] + ([seen.themes] if label in OFF_PLUMB_LINE else [])
        wanted = [t for t in targets if t.wants(p)]
        for target in wanted:
            target.offer(p, None)
        return bool(wanted)

    return keep

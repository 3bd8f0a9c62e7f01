"""Run an audit: stream inputs through the judge batch by batch, write each file's record to
the state as it is judged, fold it into the aggregates and let it go.

Files whose record is already in the state (same path, size, mtime, and the same run
identity) are not judged again: their record is read back and counted instead.
"""
from __future__ import annotations

import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from plumbline.audit.aggregate import S_LABEL, S_VECTOR, Aggregator
from plumbline.audit.grouping import message_groups, sentence_rep
from plumbline.audit.state import AuditState, file_key, key_digest, run_identity
from plumbline.audit.summary import OFF_PLUMB_LINE, AuditSummary, StoryInfo
from plumbline.formats import LoadOptions
from plumbline.judge import JudgeSettings
from plumbline.model import LABELS, FileResult, PlumbLine

PROGRESS_EVERY = 256  # resumed files between progress reports


@dataclass(frozen=True)
class AuditProgress:
    files_total: int
    files_done: int
    judged: int
    resumed: int
    errors: int
    messages: int
    sentences: int


class RecordSink:
    """Receives every file's record (judged now or resumed), e.g. to write CSV rows."""

    def add(self, record: dict) -> None: ...

    def close(self) -> None: ...


def run_audit(
    paths: Sequence[str],
    plumbline: PlumbLine,
    *,
    options: LoadOptions = LoadOptions(),
    settings: JudgeSettings = JudgeSettings(),
    judge=None,
    state_dir: str | None = None,
    fresh: bool = False,
    batch_files: int = 64,
    seed: int = 0,
    on_progress: Callable[[AuditProgress], None] | None = None,
    sinks: Iterable[RecordSink] = (),
    theme_sample: int = 2000,
    map_sample: int = 400,
    worst: int = 10,
    on_loaded: Callable[[list], None] | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    **prepare,
) -> AuditSummary:
    """Audit every file under `paths` against the plumb line and return the aggregates.

    With `state_dir`, per-file records persist there and a later call with the same inputs
    and settings resumes instead of judging again; without it they go to a temporary
    directory removed at the end. `on_progress` is called after every batch. `include` and
    `exclude` select files under directory arguments, as in `check`; the plumb line's own
    files are never audited."""
    from plumbline.pipeline import prepare_judge

    judge = judge or prepare_judge(plumbline, settings, **prepare)
    if state_dir is None:
        with tempfile.TemporaryDirectory(prefix="plumbline-audit-") as tmp:
            return run_audit(paths, plumbline, options=options, judge=judge, state_dir=tmp, fresh=fresh,
                             batch_files=batch_files, seed=seed, on_progress=on_progress, sinks=sinks,
                             theme_sample=theme_sample, map_sample=map_sample, worst=worst, on_loaded=on_loaded,
                             include=include, exclude=exclude)
    identity = run_identity(plumbline, judge.encoder.fingerprint, judge.settings, judge.model, options)
    aggregator = Aggregator(seed, theme_sample, map_sample, worst)
    sinks = list(sinks)
    with AuditState(state_dir, identity, judge.encoder.dim, fresh=fresh) as state:
        state.describe(plumbline=plumbline.path, fingerprint=judge.encoder.fingerprint, judge=judge.settings.judge)
        select = (tuple(include), tuple(exclude), plumbline.path)
        streamer = _Streamer(judge, options, state, aggregator, sinks, on_progress, count_inputs(paths, *select))
        streamer.on_loaded = on_loaded  # the command's RepTracker: files judged this run, not resumed ones
        streamer.run(paths, batch_files, select)
        _embed_missing(judge, aggregator)
    for sink in sinks:
        sink.close()
    return summarise(aggregator, judge, streamer.judged, streamer.resumed)


def iter_inputs(paths: Sequence[str], include: Sequence[str] = (), exclude: Sequence[str] = (),
                plumbline_path: str | None = None) -> Iterator[tuple[str, str]]:
    """(file, the directory it was found under) for every input file."""
    from plumbline.pipeline import input_files

    for arg in paths:
        root = arg if os.path.isdir(arg) else os.path.dirname(arg)
        for path in input_files([arg], include, exclude, plumbline_path):
            yield path, root


def count_inputs(paths: Sequence[str], include: Sequence[str] = (), exclude: Sequence[str] = (),
                 plumbline_path: str | None = None) -> int:
    return sum(1 for _ in iter_inputs(paths, include, exclude, plumbline_path))


class _Streamer:
    def __init__(self, judge, options, state: AuditState, aggregator: Aggregator, sinks, on_progress, total: int):
        self.judge, self.options, self.state, self.aggregator = judge, options, state, aggregator
        self.sinks, self.on_progress, self.total = sinks, on_progress, total
        self.judged = self.resumed = 0
        self._seen: set[bytes] = set()
        self._pending: dict[str, tuple] = {}
        self._batch: dict = {}
        self._left_in_batch = 0
        self.on_loaded = None

    def run(self, paths: Sequence[str], batch_files: int, select=((), (), None)) -> None:
        from plumbline.pipeline import iter_results

        self._progress()  # the total is known before the first batch
        for result in iter_results(self.judge, self._to_judge(paths, select), self.options, batch_files=batch_files,
                                   on_batch=self._batch_started, on_embedded=self._embedded,
                                   on_loaded=self.on_loaded):
            self._judged(result)
            self._left_in_batch -= 1
            if self._left_in_batch == 0:
                self.state.flush()
                self._batch = {}
                self._progress()
        self._progress()

    def _to_judge(self, paths, select) -> Iterator[str]:
        for path, root in iter_inputs(paths, *select):
            key = file_key(path) or (os.path.abspath(path), None, None)
            digest = key_digest(key)
            if digest in self._seen:
                continue
            self._seen.add(digest)
            record = self.state.record(key) if key[1] is not None else None
            if record is not None:
                self._count(record, lambda _i, row: self.state.vector(row[S_VECTOR]))
                self.resumed += 1
                if self.resumed % PROGRESS_EVERY == 0:
                    self._progress()
                continue
            self._pending[path] = (key, root)
            yield path

    def _batch_started(self, results: list[FileResult]) -> None:
        self._left_in_batch = len(results)

    def _embedded(self, messages, sentences, vectors) -> None:
        by_path: dict[str, list] = {}
        for message in messages:
            by_path.setdefault(message.path, []).append(message)
        self._batch = {"messages": by_path, "rows": {id(s): i for i, s in enumerate(sentences)}, "vectors": vectors}

    def _judged(self, result: FileResult) -> None:
        key, root = self._pending.pop(result.path)
        record = self._record(result, key, root)
        vectors = self._batch.get("vectors")
        rows = self._batch.get("rows", {})
        positions = [rows[id(j.sentence)] for j in result.judgements]
        keep = [i for i, row in enumerate(record["sentences"])
                if self.aggregator.wants_vector(row[S_LABEL], self.aggregator.sentence_priority(result.path, row))]
        if keep and vectors is not None:
            for i, row_number in zip(keep, self.state.add_vectors(vectors[[positions[i] for i in keep]])):
                record["sentences"][i][S_VECTOR] = row_number
        if key[1] is not None:
            self.state.add_record(record)
        self.judged += 1
        self._count(record, lambda i, _row: None if vectors is None else vectors[positions[i]].astype(np.float16))

    def _record(self, result: FileResult, key, root: str) -> dict:
        record = {"key": list(key), "path": result.path, "error": result.error, "messages": [], "sentences": [],
                  "findings": dict(Counter(f.rule for f in result.findings if not f.suppressed))}
        if result.error:
            return record
        mtime = (key[2] or 0) / 1e9
        reps = {}
        for message in self._batch.get("messages", {}).get(result.path, []):
            groups = message_groups(message, root, self.options, mtime)
            reps[message.index] = groups.rep
            record["messages"].append([message.index, groups.rep, groups.folder, groups.month, groups.dated])
            if message.kind == "transcript":
                record.setdefault("turns", {})[str(message.index)] = transcript_turns(message)
        why = explanations(result.findings)
        for j in result.judgements:
            s = j.sentence
            rep = sentence_rep(s.speaker, reps.get(s.message_index, "unknown"), self.options)
            record["sentences"].append([s.message_index, s.line, s.column, rep, j.label, j.story,
                                        round(j.confidence, 3), s.text, -1,
                                        *why.get((s.line, s.column, s.text), ("", ""))])
        return record

    def _count(self, record: dict, vector_of) -> None:
        self.aggregator.add(record, vector_of)
        for sink in self.sinks:
            sink.add(record)

    def _progress(self) -> None:
        if self.on_progress:
            a = self.aggregator
            self.on_progress(AuditProgress(self.total, a.files, self.judged, self.resumed, a.errors, a.messages,
                                           sum(a.labels.values())))


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


def _embed_missing(judge, aggregator: Aggregator) -> None:
    """Sampled sentences whose stored vector was lost (a crash mid-write) are embedded again."""
    from plumbline.formats.merge_tags import normalise
    from plumbline.segment import mask_brand

    items = [item for sample in (aggregator.themes, *aggregator.map.values()) for item in sample.items()
             if item.vector is None]
    if items:  # the text is quoted as written: merge it again, as segment did
        texts = [mask_brand(normalise(item.sentence.text), judge.plumbline.brand_names)[0] for item in items]
        for item, vector in zip(items, judge.encoder.encode(texts)):
            item.vector = np.asarray(vector, dtype=np.float16)


def summarise(aggregator: Aggregator, judge, judged: int, resumed: int) -> AuditSummary:
    from plumbline.audit.projection import project
    from plumbline.audit.themes import find_themes

    a = aggregator
    plumbline = judge.plumbline
    stories = tuple(StoryInfo(s.id, s.title, s.kind) for s in plumbline.stories if s.kind in ("story", "avoid"))
    theme_items = list(a.themes.items())
    off_total = sum(a.labels.get(label, 0) for label in OFF_PLUMB_LINE)
    themes = find_themes([i.sentence for i in theme_items], _matrix(theme_items, judge.encoder.dim), off_total,
                         plumbline.brand_names, a.seed)
    map_items = [item for label in ("aligned", "drift", "off-message", "neutral") for item in a.map[label].items()]
    index = judge.index
    entries = [("story", i, judge.titles.get(i, i)) for i in index.story_ids]
    entries += [("avoid", i, judge.titles.get(i, i)) for i in index.avoid_ids]
    entry_vectors = np.vstack([index.story_whole, index.avoid_whole]) if entries else np.zeros((0, judge.encoder.dim))
    points = project([i.sentence for i in map_items], _matrix(map_items, judge.encoder.dim), entries, entry_vectors,
                     a.seed)
    by_rep = sorted(a.groups(a.by_rep), key=lambda g: (g.name == "unknown", -g.sentences, g.name))
    return AuditSummary(
        plumbline_path=plumbline.path, stories=stories, files=a.files, errors=a.errors,
        error_samples=tuple(a.error_samples), messages=a.messages, judged_messages=a.judged_messages,
        undated_messages=a.undated_messages,
        sentences=sum(a.labels.values()), labels={label: a.labels.get(label, 0) for label in LABELS},
        findings_by_rule=dict(a.findings), story_messages=dict(a.story_messages),
        by_rep=tuple(by_rep), by_folder=tuple(sorted(a.groups(a.by_folder), key=lambda g: g.name)),
        by_month=tuple(sorted(a.groups(a.by_month), key=lambda g: g.name)), rep_months=a.rep_month_stats(),
        themes=themes, map_points=points, worst=a.worst(), judged_files=judged, resumed_files=resumed,
        fingerprint=f"{judge.encoder.fingerprint} judge={judge.settings.judge}",
        generated=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        sample_sizes={"themes": len(theme_items), "map": len(map_items)},
    )


def _matrix(items, dim: int) -> np.ndarray:
    if not items:
        return np.zeros((0, dim), dtype=np.float32)
    return np.vstack([np.asarray(i.vector, dtype=np.float32) for i in items])

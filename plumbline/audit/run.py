"""Run an audit: stream inputs through the judge batch by batch, write each file's record to
the state as it is judged, fold it into the aggregates and let it go.

Files whose record is already in the state (same path, size, mtime, and the same run
identity) are not judged again: their record is read back and counted instead.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from plumbline.audit.aggregate import S_LABEL, S_VECTOR, Aggregator
from plumbline.audit.state import AuditState, file_key, key_digest, run_identity
from plumbline.audit.summary import OFF_PLUMB_LINE, AuditSummary, StoryInfo
from plumbline.audit.work import EngineError, FileTask, JudgedFile, judge_segmented, read_and_segment
from plumbline.formats import LoadOptions
from plumbline.judge import JudgeSettings
from plumbline.model import LABELS, PlumbLine

PROGRESS_EVERY = 256  # resumed files between progress reports
ENGINES = ("local", "ray")


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
    engine: str = "local",
    engine_options: dict | None = None,
    **prepare,
) -> AuditSummary:
    """Audit every file under `paths` against the plumb line and return the aggregates.

    With `state_dir`, per-file records persist there and a later call with the same inputs
    and settings resumes instead of judging again; without it they go to a temporary
    directory removed at the end. `on_progress` is called after every batch. `include` and
    `exclude` select files under directory arguments, as in `check`; the plumb line's own
    files are never audited. `engine` is where files are judged: "local" (this process) or
    "ray" (ray_engine.py; `engine_options` are its address and device); everything else is
    the same code."""
    from plumbline.pipeline import prepare_judge

    if engine not in ENGINES:
        raise EngineError(f"unknown engine '{engine}' (choose from {', '.join(ENGINES)})")
    judge = judge or prepare_judge(plumbline, settings, **prepare)
    if state_dir is None:
        with tempfile.TemporaryDirectory(prefix="plumbline-audit-") as tmp:
            return run_audit(paths, plumbline, options=options, judge=judge, state_dir=tmp, fresh=fresh,
                             batch_files=batch_files, seed=seed, on_progress=on_progress, sinks=sinks,
                             theme_sample=theme_sample, map_sample=map_sample, worst=worst, on_loaded=on_loaded,
                             include=include, exclude=exclude, engine=engine, engine_options=engine_options)
    identity = run_identity(plumbline, judge.encoder.fingerprint, judge.settings, judge.model, options)
    aggregator = Aggregator(seed, theme_sample, map_sample, worst)
    sinks = list(sinks)
    engine_options = dict(engine_options or {}, with_messages=on_loaded is not None)
    with _engine(engine, judge, options, batch_files, (seed, theme_sample, map_sample), engine_options) as judge_files, \
            AuditState(state_dir, identity, judge.encoder.dim, fresh=fresh) as state:
        state.describe(plumbline=plumbline.path, fingerprint=judge.encoder.fingerprint, judge=judge.settings.judge)
        select = (tuple(include), tuple(exclude), plumbline.path)
        streamer = _Streamer(state, aggregator, sinks, on_progress, count_inputs(paths, *select))
        streamer.on_loaded = on_loaded  # the command's RepTracker: files judged this run, not resumed ones
        streamer.run(judge_files(streamer.to_judge(paths, select)), batch_files)
        _embed_missing(judge, aggregator)
    for sink in sinks:
        sink.close()
    return summarise(aggregator, judge, streamer.judged, streamer.resumed)


def _engine(name: str, judge, options: LoadOptions, batch_files: int, sampling: tuple, engine_options: dict):
    if name == "ray":
        from plumbline.audit.ray_engine import RayEngine

        return RayEngine(judge, options, batch_files, sampling, **engine_options)
    return LocalEngine(judge, options, batch_files, **engine_options)


class LocalEngine:
    """Judges files in this process, `batch_files` at a time."""

    def __init__(self, judge, options: LoadOptions, batch_files: int, with_messages: bool = False):
        self.judge, self.options, self.batch_files = judge, options, batch_files
        self.with_messages = with_messages

    def __enter__(self):
        return self.judge_files

    def __exit__(self, *exc):
        return False

    def judge_files(self, tasks: Iterable[FileTask]) -> Iterator[JudgedFile]:
        for batch in batched(tasks, self.batch_files):
            files = read_and_segment(batch, self.options, self.judge.plumbline.brand_names, self.judge.parse_cache)
            yield from judge_segmented(self.judge, files, self.options, with_messages=self.with_messages)


def batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


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
    """The driver's side, the same for every engine: decides what is judged (each input once,
    resumed ones not at all), and folds every record into the state, aggregates and sinks."""

    def __init__(self, state: AuditState, aggregator: Aggregator, sinks, on_progress, total: int):
        self.state, self.aggregator, self.sinks, self.on_progress, self.total = state, aggregator, sinks, on_progress, total
        self.judged = self.resumed = 0
        self._seen: set[bytes] = set()
        self._pending: dict[bytes, FileTask] = {}  # handed to the engine, not back yet
        self.on_loaded = None  # sees each judged file's messages (JudgedFile.messages)

    def run(self, judged_files: Iterable[JudgedFile], batch_files: int) -> None:
        self._progress()  # the total is known before the first batch
        since_flush = 0
        for judged in judged_files:
            if not self._accept(judged):
                continue
            since_flush += 1
            if since_flush >= batch_files:
                self.state.flush()
                since_flush = 0
                self._progress()
        for task in list(self._pending.values()):  # an engine that lost a file still accounts for it
            self._accept(JudgedFile(_lost_record(task), {}), save=False)  # not saved: the next run retries it
        self._progress()

    def to_judge(self, paths, select=((), (), None)) -> Iterator[FileTask]:
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
            task = FileTask(path, key, root)
            self._pending[digest] = task
            yield task

    def _accept(self, judged: JudgedFile, save: bool = True) -> bool:
        """Save and count one file's record; False for a file already counted (a retried task)."""
        record, vectors = judged.record, judged.vectors
        if self._pending.pop(key_digest(record["key"]), None) is None:
            return False
        keep = [i for i, row in enumerate(record["sentences"]) if i in vectors
                and self.aggregator.wants_vector(row[S_LABEL], self.aggregator.sentence_priority(record["path"], row))]
        if keep:
            for i, row_number in zip(keep, self.state.add_vectors(np.stack([vectors[i] for i in keep]))):
                record["sentences"][i][S_VECTOR] = row_number
        if save and record["key"][1] is not None:
            self.state.add_record(record)
        self.judged += 1
        if self.on_loaded and judged.messages is not None:
            self.on_loaded(judged.messages)
        self._count(record, lambda i, _row: vectors.get(i))
        return True

    def _count(self, record: dict, vector_of) -> None:
        self.aggregator.add(record, vector_of)
        for sink in self.sinks:
            sink.add(record)

    def _progress(self) -> None:
        if self.on_progress:
            a = self.aggregator
            self.on_progress(AuditProgress(self.total, a.files, self.judged, self.resumed, a.errors, a.messages,
                                           sum(a.labels.values())))


def _lost_record(task: FileTask) -> dict:
    return {"key": list(task.key), "path": task.path, "error": "not judged: the engine returned no result for it",
            "messages": [], "sentences": [], "findings": {}}


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

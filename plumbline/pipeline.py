"""Run load → segment → embed → judge over many inputs, in batches, one result per input.

Batching lets spaCy and the embedding model work on many sentences at once; every input
path yields exactly one FileResult (judged, or with its one-line error), in input order."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Iterator

from plumbline.decide import apply_suppressions
from plumbline.formats import LoadOptions, expand_paths, load_path
from plumbline.judge import JudgeSettings, coverage, findings_for, judge_sentences
from plumbline.model import FileResult, InputError, Message, PlumbLine, Report, Sentence

# (messages of a batch, their judged sentences, (n_sentences, dim) vectors or None if none)
OnEmbedded = Callable[[list[Message], list[Sentence], object], None]


@dataclass
class Judge:
    """Everything needed to judge sentences against one plumb line, loaded once."""

    plumbline: PlumbLine
    encoder: object
    index: object
    model: object
    settings: JudgeSettings
    titles: dict = field(default_factory=dict)
    references: dict = field(default_factory=dict)  # label -> embedded reference sentences
    parse_cache: object = None  # segment_cache.ParseCache: spaCy's analyses from earlier runs
    explainer: object = None  # judge.evidence.Explainer: findings' evidence and suggestions
    load_args: dict | None = None  # prepare_judge's arguments, when it loaded the encoder by name


def prepare_judge(
    plumbline: PlumbLine,
    settings: JudgeSettings = JudgeSettings(),
    encoder=None,
    model_name: str | None = None,
    backend: str = "torch",
    judge_model=None,
    use_cache: bool = True,
    device: str = "cpu",
) -> Judge:
    """Load the encoder and judge model and embed the plumb line (from the disk cache if valid).

    A judge whose encoder is loaded here by name keeps how (`Judge.load_args`), so another
    process (a Ray worker) can prepare the same judge with `prepare_judge(plumbline, **load_args)`."""
    from plumbline.cache import cached_matrix
    from plumbline.judge.features import build_index, index_texts

    parse_cache = None
    load_args = None
    if encoder is None:
        load_args = dict(settings=settings, model_name=model_name, backend=backend, judge_model=judge_model,
                         use_cache=use_cache, device=device)
        from plumbline.embed import load_encoder
        from plumbline.embed.cache import CachedEncoder

        # Each text is embedded once per run; with the cache, once per model and backend.
        encoder = CachedEncoder(load_encoder(model_name, backend, device), disk=use_cache)
        if use_cache:
            from plumbline.segment_cache import ParseCache

            parse_cache = ParseCache()
    if judge_model is None and settings.judge == "model":
        from plumbline.judge.model_store import default_judge_model

        judge_model = default_judge_model()
    from plumbline.judge.evidence import VALUE_PROTOTYPES, build_explainer

    # The value prototypes ride along with the plumb line's texts: one cached matrix, one encode.
    texts = index_texts(plumbline) + list(VALUE_PROTOTYPES)
    if use_cache:
        vectors = cached_matrix(encoder.fingerprint, texts, lambda: encoder.encode(texts), dim=getattr(encoder, "dim", None))
    else:
        vectors = encoder.encode(texts)
    vectors, prototypes = vectors[:len(texts) - len(VALUE_PROTOTYPES)], vectors[len(texts) - len(VALUE_PROTOTYPES):]
    titles = {s.id: s.title for s in plumbline.stories}
    references = embed_references(judge_model, encoder, use_cache) if settings.judge == "model" else {}
    index = build_index(plumbline, vectors)
    return Judge(plumbline, encoder, index, judge_model, settings, titles, references, parse_cache,
                 build_explainer(plumbline, index, prototypes, typical=model_name is None), load_args)


def embed_references(judge_model, encoder, use_cache: bool = True) -> dict:
    """The trained judge's labelled reference sentences: shipped with the judge when they were
    embedded by this very model, else embedded once (and cached on disk)."""
    from plumbline.cache import cached_matrix

    shipped = judge_model.reference_matrices(encoder.fingerprint) if judge_model is not None else None
    if shipped is not None:
        return shipped
    references = {}
    for label, texts in (judge_model.references.items() if judge_model is not None else ()):
        texts = list(texts)
        if use_cache:
            references[label] = cached_matrix(encoder.fingerprint, texts, lambda t=texts: encoder.encode(t),
                                              dim=getattr(encoder, "dim", None))
        else:
            references[label] = encoder.encode(texts)
    return references


def judge_messages(judge: Judge, messages: list[Message], on_embedded: OnEmbedded | None = None) -> tuple[list[Sentence], list]:
    """Segment, embed and judge messages; returns sentences and their judgements.

    `on_embedded(messages, sentences, vectors)`, if given, sees each batch's sentence vectors
    (the audit samples them for its themes and map) before they are dropped."""
    from plumbline.segment import segment_messages

    sentences = segment_messages(messages, judge.plumbline.brand_names, cache=judge.parse_cache)
    if not sentences:
        if on_embedded:
            on_embedded(messages, [], None)
        return [], []
    vectors = judge.encoder.encode([s.embed_text for s in sentences])
    if on_embedded:
        on_embedded(messages, sentences, vectors)
    return sentences, judge_vectors(judge, sentences, vectors)


def judge_vectors(judge: Judge, sentences: list[Sentence], vectors) -> list:
    """Judge segmented sentences from their vectors (one row per sentence), with evidence."""
    from plumbline.judge.evidence import explain
    from plumbline.judge.features import score_sentences

    trained = judge.model is not None and judge.settings.judge == "model"
    context = judge.model.story_context if trained else 0.0
    word_weight = judge.model.story_word_weight if trained else 0.0
    scores = score_sentences(sentences, vectors, judge.index, judge.references, context, word_weight)
    judgements = judge_sentences(sentences, scores, judge.model, judge.settings, judge.explainer)
    return explain(judgements, scores, vectors, judge.explainer)


def iter_results(
    judge: Judge,
    paths: Iterable[str],
    options: LoadOptions = LoadOptions(),
    batch_files: int = 64,
    stdin_bytes: bytes | None = None,
    on_batch: Callable[[list[FileResult]], None] | None = None,
    on_embedded: OnEmbedded | None = None,
    on_loaded: Callable[[list[Message]], None] | None = None,
) -> Iterator[FileResult]:
    """Judge inputs batch by batch, yielding one FileResult per path in input order.

    `on_loaded(messages)`, if given, sees each readable file's messages as it is loaded (the
    command's RepTracker)."""
    batch: list[tuple[str, list[Message] | None, str | None]] = []
    for path in paths:
        try:
            batch.append((path, load_path(path, options, stdin_bytes), None))
            if on_loaded:
                on_loaded(batch[-1][1])
        except InputError as exc:
            batch.append((path, None, exc.problem))
        if len(batch) >= batch_files:
            yield from _judge_batch(judge, batch, on_batch, on_embedded)
            batch = []
    if batch:
        yield from _judge_batch(judge, batch, on_batch, on_embedded)


def _judge_batch(judge: Judge, batch, on_batch, on_embedded=None) -> list[FileResult]:
    messages = [m for _, loaded, _ in batch if loaded for m in loaded]
    _, judgements = judge_messages(judge, messages, on_embedded)
    by_path: dict[str, list] = {}
    for j in judgements:
        by_path.setdefault(j.sentence.path, []).append(j)
    results = []
    for path, loaded, error in batch:
        results.append(file_result(judge, path, loaded, error, by_path.get(path, [])))
    if on_batch:
        on_batch(results)
    return results


def file_result(judge: Judge, path: str, loaded: list[Message] | None, error: str | None, mine: list) -> FileResult:
    """One input's result: its one-line error, or its judgements with findings (suppressions applied)."""
    if error is not None:
        return FileResult(path=path, error=error)
    result = FileResult(path=path, judgements=tuple(mine), coverage=coverage(mine), messages=len(loaded),
                        notes=file_notes(loaded))
    findings = findings_for(mine, judge.settings, judge.titles, judge.explainer)
    if judge.settings.requirements:
        from plumbline.judge.require import missing_stories

        findings += missing_stories(result, judge.settings.requirements, judge.plumbline,
                                    judge.settings.severity("missing-story"))
    return replace(result, findings=tuple(apply_suppressions(findings, loaded)))


def file_notes(messages: list[Message]) -> tuple[str, ...]:
    """The messages' notes, each once; a note shared by several messages (inbound mail in an
    mbox) says how many."""
    counts: dict[str, int] = {}
    for message in messages:
        for note in message.notes:
            counts[note] = counts.get(note, 0) + 1
    return tuple(note if n == 1 else f"{note} ({n} messages)" for note, n in counts.items())


def input_files(paths: Iterable[str], include: Iterable[str] = (), exclude: Iterable[str] = (),
                plumbline_path: str | None = None) -> Iterator[str]:
    """The files to judge (expand_paths), never the plumb line itself: a repository-wide run,
    a pre-commit hook or an audit of a whole share would otherwise judge the stories against
    themselves. Shared by check and audit."""
    own = os.path.realpath(plumbline_path) if plumbline_path else None
    for path in expand_paths(paths, include, exclude):
        real = os.path.realpath(path)
        if path == "-" or own is None or (real != own and os.path.commonpath([real, own]) != own):
            yield path


def check(
    paths: Iterable[str],
    plumbline: PlumbLine,
    options: LoadOptions = LoadOptions(),
    settings: JudgeSettings = JudgeSettings(),
    judge: Judge | None = None,
    **prepare,
) -> Report:
    """Judge every file under `paths` against the plumb line and return the whole Report."""
    judge = judge or prepare_judge(plumbline, settings, **prepare)
    results = tuple(iter_results(judge, expand_paths(paths), options))
    return Report(plumbline=plumbline, files=results, tool="check")

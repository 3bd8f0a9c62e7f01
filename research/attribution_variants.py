"""Story attribution variants (issue 19): which story an aligned sentence tells, scored on a
real-text folder and on the synthetic companies together, with no judge in the loop.

For every labelled aligned sentence, each variant ranks the plumb line's stories by a score
matrix and the top story is compared with the gold one. Prints accuracy per set (and per
company for the real text), and, against the first variant, how many sentences only it or
only the variant gets right: the paired count that says whether a difference is chance.
Real text is for measuring only: nothing of it is fitted on, stored or printed beyond counts.

    nice python research/attribution_variants.py --realtext ../shared/realtext/heldout
    nice python research/attribution_variants.py --realtext ../shared/realtext/heldout \\
        --model /path/to/all-mpnet-base-v2 --no-training   # the same with another encoder
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from plumbline import evaluation as ev  # noqa: E402
from plumbline.embed import load_encoder  # noqa: E402
from plumbline.judge.features import _per_entry_best, pick_stories  # noqa: E402

# name -> (exemplars averaged per story, whole-story weight, neighbour weight, story-word weight)
VARIANTS = {
    "best1 (before 2026-12-02)": (1, 1.0, 0.2, 0.2),
    "top3": (3, 1.0, 0.2, 0.2),
    "top3 words0.3": (3, 1.0, 0.2, 0.3),
    "top2": (2, 1.0, 0.2, 0.2),
    "top5": (5, 1.0, 0.2, 0.2),
    "top3 no whole": (3, 0.0, 0.2, 0.2),
    "top3 whole x2": (3, 2.0, 0.2, 0.2),
    "top3 no neighbours": (3, 1.0, 0.0, 0.2),
    "top3 no words": (3, 1.0, 0.2, 0.0),
    "top3 bare": (3, 1.0, 0.0, 0.0),
}


def hits(d: ev.CompanyData, top: int, whole: float, context: float, words: float) -> np.ndarray:
    """True/False per labelled aligned sentence of d: is its gold story the one picked?"""
    ix = d.index
    matrix = _per_entry_best(d.vectors @ ix.story_rows.T, ix.story_owner, len(ix.story_ids), top) \
        + whole * (d.vectors @ ix.story_whole.T)
    picks = pick_stories(matrix, d.scores.groups, context, d.scores.word_matrix, words)
    rows = [i for i, (g, s) in enumerate(zip(d.gold, d.gold_story)) if g == "aligned" and s]
    return np.array([ix.story_ids[picks[i]] == d.gold_story[i] for i in rows], dtype=bool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realtext", required=True, help="a real-text folder in the corpus layout")
    parser.add_argument("--corpus", default=os.path.join(REPO, "corpus"))
    parser.add_argument("--model", default=None, help="another sentence-transformers model or folder")
    parser.add_argument("--no-training", action="store_true", help="skip the training companies (a slow encoder)")
    args = parser.parse_args()
    encoder = load_encoder(args.model)
    started = time.time()
    sets = {"real": ev.load_corpus(args.realtext, encoder, warn=lambda m: None),
            "held-out": ev.load_corpus(os.path.join(args.corpus, "heldout"), encoder, warn=lambda m: None)}
    if not args.no_training:
        sets["training"] = ev.load_corpus(os.path.join(args.corpus, "companies"), encoder, warn=lambda m: None)
    print(f"loaded in {time.time() - started:.0f} s; per set: accuracy (only this variant right / only "
          f"the first right)", flush=True)
    first = {}
    for name, params in VARIANTS.items():
        cells = []
        for key, data in sets.items():
            per = [hits(d, *params) for d in data]
            right = np.concatenate(per)
            first.setdefault(key, right)
            paired = f" (+{int((right & ~first[key]).sum())}/-{int((first[key] & ~right).sum())})"
            companies = " [" + " ".join(f"{h.mean():.2f}" for h in per) + "]" if key == "real" else ""
            cells.append(f"{key} {right.mean():.3f}{paired}{companies}")
        print(f"{name:26s} " + " | ".join(cells), flush=True)
    print(f"sentences: " + ", ".join(f"{k} {len(first[k])}" for k in sets))


if __name__ == "__main__":
    main()

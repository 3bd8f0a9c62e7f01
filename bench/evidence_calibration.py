"""What a finding's evidence can honestly compare against (issue 18), measured on the corpus.

For each story: the median similarity of the sentences labelled as telling it (to that story's
closest sentence) against the median of the story's own sentences to their nearest other
sentence of the story ("leave one out"). For each labelled off-message sentence: its
similarity to the avoid entry it is labelled with, and to the closest *other* avoid entry (the
one a finding would wrongly name if its own entry were missing). For each plumb line: each
story's best similarity to the value prototypes, i.e. which story a discount offer is answered
with (read the titles to judge whether it is the cost or risk story); and for each pair of
stories (and of avoid entries) the share of their sentences the judge's attribution gives to
the other when each is left out of its own entry (what `lint-plumbline` calls too close).

    python bench/evidence_calibration.py [--corpus corpus]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def leave_one_out(rows: np.ndarray) -> float:
    if len(rows) < 2:
        return float("nan")
    sims = rows @ rows.T
    np.fill_diagonal(sims, -1.0)
    return float(np.median(sims.max(axis=1)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default="corpus")
    args = parser.parse_args()
    from plumbline.corpus import load_companies
    from plumbline.embed import load_encoder
    from plumbline.embed.cache import CachedEncoder
    from plumbline.evaluation import prepare_company
    from plumbline.judge.features import build_index, index_texts
    from plumbline.plumbline_file import load_plumbline

    from plumbline.judge.evidence import VALUE_PROTOTYPES, value_similarity
    from plumbline.lint import attribution

    encoder = CachedEncoder(load_encoder(), disk=True)
    prototypes = encoder.encode(list(VALUE_PROTOTYPES))
    story_pairs, own, other, value_lines, pairs = [], [], [], [], {"story": [], "avoid": []}
    for root in ("companies", "heldout"):
        for company in load_companies(os.path.join(args.corpus, root)):
            data = prepare_company(company, encoder)
            plumbline = load_plumbline(company.plumbline_path)
            index = build_index(plumbline, encoder.encode(index_texts(plumbline)))
            for kind, ids, rows, owner, whole in (
                    ("story", index.story_ids, index.story_rows, index.story_owner, index.story_whole),
                    ("avoid", index.avoid_ids, index.avoid_rows, index.avoid_owner, None)):
                if len(ids) >= 2:
                    picked = attribution(rows, owner, len(ids), whole)
                    for a in range(len(ids)):
                        for b in range(a + 1, len(ids)):
                            pair = (owner == a) | (owner == b)
                            crossed = ((owner == a) & (picked == b)).sum() + ((owner == b) & (picked == a)).sum()
                            pairs[kind].append(crossed / pair.sum())
            value = value_similarity(index, prototypes)
            ranked = sorted(zip(value, index.story_ids), reverse=True)
            value_lines.append(f"  {company.name:12s} " + " | ".join(
                f"{v:.2f} {plumbline.story(s).title[:34]}" for v, s in ranked[:3]))
            sims = data.vectors @ index.story_rows.T
            for k, story in enumerate(index.story_ids):
                mask = index.story_owner == k
                told = [i for i, (g, s) in enumerate(zip(data.gold, data.gold_story)) if g == "aligned" and s == story]
                if len(told) >= 3:
                    story_pairs.append((company.name, story, leave_one_out(index.story_rows[mask]),
                                        float(np.median(sims[told][:, mask].max(axis=1))), len(told)))
            if len(index.avoid_ids) == 0:
                continue
            asims = data.vectors @ index.avoid_rows.T
            for i, (g, s) in enumerate(zip(data.gold, data.gold_story)):
                if g != "off-message" or s not in index.avoid_ids:
                    continue
                k = index.avoid_ids.index(s)
                own.append(float(asims[i, index.avoid_owner == k].max()))
                others = asims[i, index.avoid_owner != k]
                if len(others):
                    other.append(float(others.max()))
    loo = np.array([p[2] for p in story_pairs])
    told = np.array([p[3] for p in story_pairs])
    print(f"stories with >= 3 labelled sentences: {len(story_pairs)}")
    print(f"  median similarity of labelled sentences to their story: median {np.median(told):.3f} "
          f"(p10 {np.percentile(told, 10):.3f}, p90 {np.percentile(told, 90):.3f})")
    print(f"  story's own sentences, leave one out: median {np.median(loo):.3f}; "
          f"correlation with the above {np.corrcoef(loo, told)[0, 1]:.2f}; mean gap {np.mean(told - loo):+.3f}")
    own, other = np.array(own), np.array(other)
    print(f"off-message sentences with a labelled avoid entry: {len(own)}")
    for q in (10, 25, 50):
        print(f"  own entry p{q}: {np.percentile(own, q):.3f}   closest other entry p{100 - q}: {np.percentile(other, 100 - q):.3f}")
    for tau in (0.35, 0.4, 0.45, 0.5, 0.55):
        print(f"  tau {tau:.2f}: own entry named {np.mean(own >= tau):.1%}; a wrong entry would be named {np.mean(other >= tau):.1%}")
    for kind, shares in pairs.items():
        shares = np.array(shares)
        print(f"{kind} pairs: {len(shares)}; share read as the other: median {np.median(shares):.3f}, "
              f"p95 {np.percentile(shares, 95):.3f}, max {shares.max():.3f}")
    print("similarity to the value prototypes, top three stories per plumb line:")
    print("\n".join(value_lines))


if __name__ == "__main__":
    main()

"""How far do two annotators agree on the corpus labels? An upper bound check for the judge:
if people disagree on a tenth of the sentences, no judge can be scored much above 0.9.

A second annotator relabelled a sample of companies blind (no access to the first labels, the
judge or its errors): `corpus/second-annotator/<company>/<message>.labels.tsv`, the same rows
as the first labels with their own label and story columns. This prints, per company and
overall, with the first labels as reference: label agreement, Cohen's kappa, flagged
(drift or off-message) precision / recall / F1 (the metric `plumbline eval` reports), story
agreement on sentences both call aligned, and the confusion matrix.

    python research/label_agreement.py [--corpus corpus] [--second corpus/second-annotator]
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import Counter

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from plumbline.corpus import LABEL_SUFFIX, read_gold  # noqa: E402

JUDGED = ("aligned", "off-message", "drift", "neutral")
FLAGGED = {"off-message", "drift"}


def first_labels(corpus: str, company: str) -> str:
    for split in ("companies", "heldout"):
        folder = os.path.join(corpus, split, company, "messages")
        if os.path.isdir(folder):
            return folder
    raise SystemExit(f"{company}: no such company under {corpus}/companies or {corpus}/heldout")


def pairs(corpus: str, second: str, company: str) -> list[tuple]:
    """(first label, second label, first story, second story) per judged rep sentence."""
    out = []
    folder = first_labels(corpus, company)
    for name in sorted(os.listdir(os.path.join(second, company))):
        if not name.endswith(LABEL_SUFFIX):
            continue
        message = name[: -len(LABEL_SUFFIX)]
        a = read_gold(os.path.join(folder, message))
        b = read_gold(os.path.join(second, company, message))
        if [(g.line, g.text) for g in a] != [(g.line, g.text) for g in b]:
            raise SystemExit(f"{company}/{name}: rows differ from the first annotator's")
        out += [(x.label, y.label, x.story, y.story) for x, y in zip(a, b) if x.label != "prospect"]
    return out


def scores(rows: list[tuple]) -> dict:
    from sklearn.metrics import cohen_kappa_score

    first, second = [r[0] for r in rows], [r[1] for r in rows]
    tp = sum(a in FLAGGED and b in FLAGGED for a, b in zip(first, second))
    fp = sum(a not in FLAGGED and b in FLAGGED for a, b in zip(first, second))
    fn = sum(a in FLAGGED and b not in FLAGGED for a, b in zip(first, second))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    both_aligned = [(x, y) for a, b, x, y in rows if a == b == "aligned"]
    return {
        "sentences": len(rows),
        "agreement": sum(a == b for a, b in zip(first, second)) / len(rows),
        "kappa": cohen_kappa_score(first, second),
        "flagged_p": p, "flagged_r": r, "flagged_f1": 2 * p * r / (p + r) if p + r else 0.0,
        "story": sum(x == y for x, y in both_aligned) / len(both_aligned) if both_aligned else 0.0,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.path.join(REPO, "corpus"))
    parser.add_argument("--second", default=os.path.join(REPO, "corpus", "second-annotator"))
    args = parser.parse_args(argv)
    companies = sorted(d for d in os.listdir(args.second) if os.path.isdir(os.path.join(args.second, d)))
    columns = ("sentences", "agreement", "kappa", "flagged_p", "flagged_r", "flagged_f1", "story")
    print(f"{'company':<12}" + "".join(f"{c:>12}" for c in columns))
    everything = []
    for company in companies:
        rows = pairs(args.corpus, args.second, company)
        everything += rows
        s = scores(rows)
        print(f"{company:<12}" + "".join(f"{s[c]:>12}" if c == "sentences" else f"{s[c]:>12.3f}" for c in columns))
    s = scores(everything)
    print(f"{'overall':<12}" + "".join(f"{s[c]:>12}" if c == "sentences" else f"{s[c]:>12.3f}" for c in columns))
    confusion = Counter((a, b) for a, b, *_ in everything)
    print("\nrows: first annotator, columns: second")
    print(" " * 12 + "".join(f"{label:>12}" for label in JUDGED))
    for a in JUDGED:
        print(f"{a:<12}" + "".join(f"{confusion[(a, b)]:>12}" for b in JUDGED))
    return 0


if __name__ == "__main__":
    sys.exit(main())

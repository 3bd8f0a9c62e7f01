"""Is each embedding backend the model it claims to be? Spearman x100 of cosine similarity vs
the gold scores of the STS Benchmark test split (1,379 pairs), per backend, beside raw
sentence-transformers measured in the same run (all-MiniLM-L6-v2 publishes 82.03), and the
cosine of each distinct sentence's vector to the reference's (mean and min).

    python bench/bench_sts.py --sts ../shared/data/stsbenchmark/sts-test.csv [--json out.json]

The backends go through plumbline.embed.load_encoder exactly as `plumbline check` does, with
no disk cache; the reference is SentenceTransformer(path).encode on the same sentences.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PUBLISHED = 82.03


def read_sts(path: str) -> tuple[list[str], list[str], list[float]]:
    left, right, gold = [], [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 7:
                continue
            gold.append(float(fields[4]))
            left.append(fields[5])
            right.append(fields[6])
    return left, right, gold


def spearman_x100(left_vectors, right_vectors, gold) -> float:
    import numpy as np
    from scipy.stats import spearmanr

    cosine = (left_vectors * right_vectors).sum(1) / (
        np.linalg.norm(left_vectors, axis=1) * np.linalg.norm(right_vectors, axis=1))
    return float(spearmanr(cosine, gold).statistic) * 100


def score(encode, left, right, gold):
    """(Spearman x100, seconds, the distinct sentences' vectors, normalised)."""
    import numpy as np

    unique = list(dict.fromkeys(left + right))
    start = time.perf_counter()
    vectors = np.asarray(encode(unique), dtype=np.float32)
    seconds = time.perf_counter() - start
    row = {text: i for i, text in enumerate(unique)}
    value = spearman_x100(vectors[[row[t] for t in left]], vectors[[row[t] for t in right]], gold)
    return value, seconds, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sts", required=True, help="sts-test.csv (tab-separated STS Benchmark test split)")
    parser.add_argument("--model", default=None, help="model name or directory (default: bundled all-MiniLM-L6-v2)")
    parser.add_argument("--backends", default=None, help="comma-separated (default: all of plumbline.embed.BACKENDS)")
    parser.add_argument("--json", dest="json_out", help="also write the numbers to this file")
    args = parser.parse_args(argv)

    from plumbline.embed import BACKENDS, go_offline, load_encoder, resolve

    left, right, gold = read_sts(args.sts)
    print(f"STS Benchmark test: {len(gold)} pairs, {len(set(left + right))} distinct sentences")
    go_offline()
    from sentence_transformers import SentenceTransformer

    target = resolve(args.model).target
    reference = SentenceTransformer(target, device="cpu")
    ref_score, ref_seconds, ref_vectors = score(lambda t: reference.encode(t, batch_size=64), left, right, gold)
    rows = [{"backend": "sentence-transformers (reference)", "spearman_x100": ref_score, "seconds": ref_seconds,
             "cosine_mean": 1.0, "cosine_min": 1.0}]
    for backend in (args.backends.split(",") if args.backends else BACKENDS):
        encoder = load_encoder(args.model, backend)
        encoder.model  # load (and for ONNX, export and verify) outside the timing
        value, seconds, vectors = score(encoder.encode, left, right, gold)
        cosine = (vectors * ref_vectors).sum(1)  # each distinct sentence vs the reference's vector
        rows.append({"backend": backend, "fingerprint": encoder.fingerprint, "spearman_x100": value, "seconds": seconds,
                     "cosine_mean": float(cosine.mean()), "cosine_min": float(cosine.min())})
    print(f"\n{'backend':<36}{'Spearman x100':>14}{'vs reference':>14}{'cos mean':>10}{'cos min':>9}{'encode s':>10}")
    for row in rows:
        row["delta_vs_reference"] = row["spearman_x100"] - ref_score
        print(f"{row['backend']:<36}{row['spearman_x100']:>14.2f}{row['delta_vs_reference']:>+14.2f}"
              f"{row['cosine_mean']:>10.4f}{row['cosine_min']:>9.4f}{row['seconds']:>10.1f}")
    if args.model is None:
        print(f"\npublished for all-MiniLM-L6-v2: {PUBLISHED:.2f}; reference reproduces it: "
              f"{'yes' if abs(ref_score - PUBLISHED) < 0.05 else 'NO'}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump({"pairs": len(gold), "published": PUBLISHED, "rows": rows}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

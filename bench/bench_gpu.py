"""Sentences per second of the torch backend on a CUDA GPU, against the CPU in the same run.

Both go through plumbline.embed.load_encoder exactly as `plumbline check --device ...` does
(the known-answer check at load included), on the same seeded generated sentences
(bench/salesgen.py), models loaded and warmed up, no sentence cache. The GPU rows also give
the largest |difference| from the CPU vectors. Without a GPU (torch.cuda.is_available() False)
it prints that and exits 0, so it can run anywhere.

    python bench/bench_gpu.py [--sentences 20000] [--batch-sizes 128,512,1024] [--cpu-sentences 2000] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
sys.path.insert(0, os.path.dirname(BENCH))

import salesgen  # noqa: E402


def rate(encoder, texts: list[str], batch_size: int) -> tuple[float, object]:
    encoder.batch_size = batch_size
    encoder.encode(texts[:batch_size])  # warm up: CUDA kernels, allocator
    start = time.perf_counter()
    vectors = encoder.encode(texts)
    return len(texts) / (time.perf_counter() - start), vectors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=20000)
    parser.add_argument("--cpu-sentences", type=int, default=2000, help="the CPU baseline runs on the first N")
    parser.add_argument("--batch-sizes", default="128,512,1024")
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()
    import numpy as np
    import torch

    from plumbline.embed import load_encoder
    from plumbline.embed.device import CPU_BATCH, CUDA_BATCH

    if not torch.cuda.is_available():
        print("no CUDA GPU visible to torch: nothing to measure (skipped)")
        return 0
    texts = list(dict.fromkeys(salesgen.sentences_of(salesgen.generate(args.sentences * 2))))[: args.sentences]
    cpu = load_encoder(None, "torch", "cpu")
    cpu_rate, cpu_vectors = rate(cpu, texts[: args.cpu_sentences], CPU_BATCH)
    rows = [{"device": "cpu", "batch_size": CPU_BATCH, "sentences": len(cpu_vectors), "per_second": cpu_rate, "ratio": 1.0}]
    gpu = load_encoder(None, "torch", "cuda")
    for batch_size in sorted({int(b) for b in args.batch_sizes.split(",")} | {CUDA_BATCH}):
        gpu_rate, vectors = rate(gpu, texts, batch_size)
        diff = float(np.abs(vectors[: len(cpu_vectors)] - cpu_vectors).max())
        rows.append({"device": f"cuda ({torch.cuda.get_device_name(0)})", "batch_size": batch_size,
                     "sentences": len(texts), "per_second": gpu_rate, "ratio": gpu_rate / cpu_rate,
                     "max_abs_diff_vs_cpu": diff})
    for row in rows:
        extra = f", max |diff| vs CPU {row['max_abs_diff_vs_cpu']:.1e}" if "max_abs_diff_vs_cpu" in row else ""
        print(f"{row['device']:<40} batch {row['batch_size']:>5}: {row['per_second']:>9,.0f} sentences/s "
              f"({row['ratio']:.1f}x CPU){extra}")
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump({"cpu_threads": torch.get_num_threads(), "rows": rows}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

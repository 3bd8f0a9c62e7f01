import os, sys, glob, time, logging
import numpy as np
from _paths import CACHE, ONNX_DIRS, REPO, SCRATCH, STS
from bench_sts import read_sts
from plumbline import embed
from plumbline.embed.onnx_backend import OnnxEmbedder
d = glob.glob(ONNX_DIRS)[0]
model_dir = embed.resolve(None).target
l, r, g = read_sts(STS)
uniq = list(dict.fromkeys(l + r))
rng = np.random.default_rng(0)
sample = [uniq[i] for i in rng.choice(len(uniq), 600, replace=False)]
fp = OnnxEmbedder(d + '/model.onnx', model_dir); ref = fp.encode(sample)
q = OnnxEmbedder(sys.argv[1] if len(sys.argv) > 1 else d + '/model-int8.onnx', model_dir)
for bs in (1, 2, 4, 8, 16, 32, 64):
    q.encode(sample[:50], bs)
    t = time.perf_counter(); v = q.encode(sample, bs); dt = time.perf_counter() - t
    c = (v * ref).sum(1)
    print(f'bs {bs:<3} mean {c.mean():.5f} p1 {np.percentile(c,1):.4f} min {c.min():.4f}  {len(sample)/dt:.0f}/s', flush=True)

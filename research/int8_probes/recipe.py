import sys, glob, time, os
import numpy as np
from _paths import CACHE, ONNX_DIRS, REPO, SCRATCH, STS
from bench_sts import read_sts
from plumbline import embed
from plumbline.embed import onnx_backend as embed_onnx
from plumbline.embed.onnx_backend import OnnxEmbedder, VERIFY_SENTENCES
FP32 = glob.glob(os.path.join(ONNX_DIRS, 'model.onnx'))[0]
model_dir = embed.resolve(None).target
l, r, g = read_sts(STS)
uniq = list(dict.fromkeys(l + r))
idx = np.random.default_rng(0).permutation(len(uniq))
sample = [uniq[i] for i in idx[:600]]
ref = OnnxEmbedder(FP32, model_dir).encode(sample)
refv = OnnxEmbedder(FP32, model_dir).encode(list(VERIFY_SENTENCES))
out = os.path.join(SCRATCH, 'int8-recipe.onnx')
embed_onnx.SMOOTH_ALPHA = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
embed_onnx._quantize(FP32, out, model_dir)
e = OnnxEmbedder(out, model_dir)
c = (e.encode(sample) * ref).sum(1); cv = (e.encode(list(VERIFY_SENTENCES), batch_size=4) * refv).sum(1)
print(f'alpha {embed_onnx.SMOOTH_ALPHA} sts600 mean {c.mean():.5f} p1 {np.percentile(c,1):.4f} min {c.min():.4f}; verify min {cv.min():.4f}')

"""Per-node sensitivity: cosine to fp32 onnx (== torch to 1e-6) on STS-B test sentences."""
import sys, os, glob, time, logging, json
import numpy as np
from _paths import CACHE, ONNX_DIRS, REPO, SCRATCH, STS
from bench_sts import read_sts
from plumbline import embed
from plumbline.embed.onnx_backend import OnnxEmbedder
from onnxruntime.quantization import QuantType, quantize_dynamic
logging.getLogger().setLevel(logging.ERROR)
FP32 = glob.glob(os.path.join(ONNX_DIRS, 'model.onnx'))[0]
model_dir = embed.resolve(None).target
l, r, g = read_sts(STS)
uniq = list(dict.fromkeys(l + r))
rng = np.random.default_rng(0)
sample = [uniq[i] for i in rng.choice(len(uniq), int(sys.argv[2]) if len(sys.argv) > 2 else 600, replace=False)]
ref = OnnxEmbedder(FP32, model_dir).encode(sample)
def run(name, **kw):
    out = os.path.join(SCRATCH, f'int8-{name}.onnx')
    kw.setdefault('weight_type', QuantType.QInt8); kw.setdefault('per_channel', True)
    quantize_dynamic(FP32, out, op_types_to_quantize=['MatMul'], **kw)
    t = time.perf_counter(); v = OnnxEmbedder(out, model_dir).encode(sample); dt = time.perf_counter() - t
    c = (v * ref).sum(1)
    print(f'{name:<28} mean {c.mean():.5f} p1 {np.percentile(c,1):.4f} min {c.min():.4f}  {dt:.1f}s', flush=True)
    os.remove(out)
    return c
mode = sys.argv[1]
L = lambda i, part: f'/encoder/encoder/layer.{i}/{part}/MatMul'
if mode == 'base':
    run('base')
    run('uint8w', weight_type=QuantType.QUInt8)
    run('reduce_range', reduce_range=True)
    run('pertensor-sym', per_channel=False)
elif mode == 'single':  # exclude one node at a time
    parts = ['attention/self/query', 'attention/self/key', 'attention/self/value', 'attention/output/dense', 'intermediate/dense', 'output/dense']
    for i in range(6):
        for p in parts:
            run(f'ex-L{i}-{p.replace("/","_")}', nodes_to_exclude=[L(i, p)])
elif mode == 'sets':
    for name, nodes in json.loads(sys.argv[3]).items():
        run(name, nodes_to_exclude=nodes)

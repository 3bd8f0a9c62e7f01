"""SmoothQuant for dynamic int8: per-channel scale migrated from activation to weight."""
import sys, glob, time, logging, os
import numpy as np, onnx
from onnx import numpy_helper, helper
from _paths import CACHE, ONNX_DIRS, REPO, SCRATCH, STS
from bench_sts import read_sts
from plumbline import embed
from plumbline.embed.onnx_backend import OnnxEmbedder, VERIFY_SENTENCES
import onnxruntime as ort
from onnxruntime.quantization import QuantType, quantize_dynamic
logging.getLogger().setLevel(logging.ERROR)
FP32 = glob.glob(os.path.join(ONNX_DIRS, 'model.onnx'))[0]
model_dir = embed.resolve(None).target
l, r, g = read_sts(STS)
uniq = list(dict.fromkeys(l + r))
rng = np.random.default_rng(0)
idx = rng.permutation(len(uniq))
sample = [uniq[i] for i in idx[:600]]
calib_sts = [uniq[i] for i in idx[600:800]]
ref = OnnxEmbedder(FP32, model_dir).encode(sample)

m = onnx.load(FP32)
inits = {i.name: i for i in m.graph.initializer}
groups = {}
for n in m.graph.node:
    if n.op_type == 'MatMul' and n.input[1] in inits:
        groups.setdefault(n.input[0], []).append(n)

def act_max(texts):
    mm = onnx.load(FP32)
    for x in groups:
        mm.graph.output.append(helper.make_tensor_value_info(x, onnx.TensorProto.FLOAT, None))
    s = ort.InferenceSession(mm.SerializeToString(), providers=['CPUExecutionProvider'])
    emb = OnnxEmbedder(FP32, model_dir)
    names = [o.name for o in s.get_outputs()][1:]
    mx = {x: 0 for x in groups}
    for t in texts:
        ids = np.array([emb.tokenizer.encode(t).ids], dtype=np.int64)
        outs = s.run(names, {'input_ids': ids, 'attention_mask': np.ones_like(ids), 'token_type_ids': np.zeros_like(ids)})
        for x, o in zip(names, outs):
            mx[x] = np.maximum(mx[x], np.abs(o.reshape(-1, o.shape[-1])).max(0))
    return mx

def smoothed(mx, alpha, out):
    mm = onnx.load(FP32)
    ini = {i.name: i for i in mm.graph.initializer}
    gr = {}
    for n in mm.graph.node:
        if n.op_type == 'MatMul' and n.input[1] in ini:
            gr.setdefault(n.input[0], []).append(n)
    new_nodes = []
    for k, (x, nodes) in enumerate(gr.items()):
        if not any(f in x for f in FILTER): continue
        ws = [numpy_helper.to_array(ini[n.input[1]]) for n in nodes]
        wmax = np.max([np.abs(w).max(1) for w in ws], axis=0)
        s = (np.maximum(mx[x], 1e-5) ** alpha / np.maximum(wmax, 1e-5) ** (1 - alpha)).astype(np.float32)
        for n, w in zip(nodes, ws):
            ini[n.input[1]].CopyFrom(numpy_helper.from_array((w * s[:, None]).astype(np.float32), n.input[1]))
            n.input[0] = f'{x}_smooth'
        mm.graph.initializer.append(numpy_helper.from_array((1 / s).astype(np.float32), f'smooth_inv_{k}'))
        new_nodes.append(helper.make_node('Mul', [x, f'smooth_inv_{k}'], [f'{x}_smooth'], name=f'smooth_{k}'))
    # insert Mul right after the producer, keeping topological order
    producers = {o: i for i, n in enumerate(mm.graph.node) for o in n.output}
    nodes = list(mm.graph.node)
    for nn in sorted(new_nodes, key=lambda nn: -producers[nn.input[0]]):
        nodes.insert(producers[nn.input[0]] + 1, nn)
    del mm.graph.node[:]; mm.graph.node.extend(nodes)
    tmp = out + '.fp32'
    onnx.save(mm, tmp)
    f = OnnxEmbedder(tmp, model_dir).encode(sample[:50])
    print('  fp32 smoothed max diff', np.abs(f - ref[:50]).max())
    quantize_dynamic(tmp, out, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=['MatMul'])
    os.remove(tmp)

def score(path, name):
    t = time.perf_counter(); v = OnnxEmbedder(path, model_dir).encode(sample); dt = time.perf_counter() - t
    c = (v * ref).sum(1)
    print(f'{name:<28} mean {c.mean():.5f} p1 {np.percentile(c,1):.4f} min {c.min():.4f}  {len(sample)/dt:.0f}/s', flush=True)

FILTER = sys.argv[2].split(',')
# which sentences measure the activation ranges: argv[3], e.g. verify,sts20,sts200 (default sts200)
CALIBRATIONS = {'verify': list(VERIFY_SENTENCES), 'sts20': calib_sts[:20], 'sts200': calib_sts}
for cname in (sys.argv[3] if len(sys.argv) > 3 else 'sts200').split(','):
    ctexts = CALIBRATIONS[cname]
    mx = act_max(ctexts)
    if cname == 'verify':
        for x, v in list(mx.items())[:8]:
            print(x.split('/')[-3:], 'max', v.max().round(2), 'median', np.median(v).round(3))
    for alpha in [float(a) for a in sys.argv[1].split(',')]:
        out = os.path.join(SCRATCH, f'int8-smooth-{cname}-{alpha}.onnx')
        smoothed(mx, alpha, out)
        score(out, f'smooth {cname} a={alpha}')

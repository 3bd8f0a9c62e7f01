"""plumbline eval --backend onnx-int8 with a patched int8 recipe, in a private cache dir."""
import os, sys, shutil, sqlite3, json
from _paths import CACHE, REPO, SCRATCH  # before PLUMBLINE_CACHE_DIR is pointed at the private cache
name = sys.argv[1]
cache = os.path.join(SCRATCH, f'int8-cache-{name}')
os.makedirs(cache, exist_ok=True)
if not os.path.exists(f'{cache}/segments-v1.sqlite3'):
    src = sqlite3.connect(os.path.join(CACHE, 'segments-v1.sqlite3')); dst = sqlite3.connect(f'{cache}/segments-v1.sqlite3')
    src.backup(dst); src.close(); dst.close()
os.environ['PLUMBLINE_CACHE_DIR'] = cache
from plumbline.embed import onnx_backend as embed_onnx
VARIANTS = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'variants.json')))
if name in VARIANTS:
    embed_onnx.RECIPE = embed_onnx.RECIPE + '-' + name
    kw = VARIANTS[name]
    orig = embed_onnx._quantize
    def _quantize(fp32_path, out_path, *_):  # v1 (no smoothing) with nodes_to_exclude
        import logging
        from onnxruntime.quantization import QuantType, quantize_dynamic
        logging.getLogger().setLevel(logging.ERROR)
        quantize_dynamic(fp32_path, out_path, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"], **kw)
    embed_onnx._quantize = _quantize
from plumbline.cli import main
os.chdir(REPO)
sys.argv = ['plumbline', 'eval', '--backend', 'onnx-int8', '--json', os.path.join(SCRATCH, f'int8-eval-{name}.json')]
main()

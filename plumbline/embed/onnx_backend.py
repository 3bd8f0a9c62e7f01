"""The same sentence-transformers model run by ONNX Runtime: faster on CPU, and starting
without importing torch, transformers or sentence-transformers.

The ONNX graph (BERT encoder + mean pooling + L2 normalisation) is exported once from the
verified local safetensors weights with torch.onnx, checked against the torch backend on a
few sentences before it is trusted, and kept in the plumbline cache directory under the
weights' sha256. Every later load re-checks the file's sha256 against the manifest written
at export; a file that fails is exported again, never used. Tokenisation uses the model's
own tokenizer.json through the `tokenizers` library, truncated at the model's max_seq_length.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import Sequence

from plumbline.embed.tokens import max_seq_length, padded_batches
from plumbline.embed.weights import ModelError, ResolvedModel, file_sha256, go_offline

RECIPE = "bert-meanpool-l2-opset17-v2"  # change when the exported graph or quantisation changes
# v2: int8 with the LayerNorm outputs smoothed into the weights before quantising (_smooth);
# v1 quantised the fp32 graph as it was (min cosine 0.962 on VERIFY_SENTENCES, mean 0.992 on STS-B).
FP32_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
MANIFEST = "manifest.json"
# Checked against torch after every export: short, long, punctuation, numbers, > max_seq_length.
VERIFY_SENTENCES = (
    "Thanks,",
    "Hi Dana,",
    "We guarantee you will cut collisions by 41 percent, or you don't pay a cent.",
    "If you sign by Friday, I can take 20% off the list price — that's $12,000 a year.",
    "Does surprise overtime still come up every week for your dispatchers?",
    "Our onboarding team stays with you for the first six weeks. " * 30,
)
FP32_MAX_ABS_DIFF = 1e-4  # per coordinate of the normalised vectors, vs sentence-transformers
INT8_MIN_COSINE = 0.97  # per sentence, vs sentence-transformers
SMOOTH_ALPHA = 0.5  # share of a LayerNorm output channel's range moved into the weights


def export_dir(resolved: ResolvedModel) -> str:
    from plumbline.cache import cache_dir

    return os.path.join(cache_dir(), "onnx", f"{resolved.weights_sha256}-{RECIPE}")


class OnnxEmbedder:
    """Tokenise with tokenizers, batch by token length, run the exported graph."""

    def __init__(self, onnx_path: str, model_dir: str, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_seq_length(model_dir))
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.inter_op_num_threads = 1
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        self.session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str], batch_size: int = 64):
        import numpy as np

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for rows, ids, mask in padded_batches(self.tokenizer, texts, batch_size):
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[rows] = self.session.run(None, feeds)[0]
        return out

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim


def load_onnx_runtime(resolved: ResolvedModel, quantized: bool = False) -> OnnxEmbedder:
    """The ONNX runtime for these verified weights, exporting (and verifying) it if needed."""
    path = ensure_exported(resolved, quantized)
    threads = int(os.environ.get("PLUMBLINE_THREADS", "0") or 0) or None
    return OnnxEmbedder(path, resolved.target, threads)


def ensure_exported(resolved: ResolvedModel, quantized: bool) -> str:
    folder = export_dir(resolved)
    name = INT8_FILE if quantized else FP32_FILE
    path = os.path.join(folder, name)
    if _trusted(folder, name, resolved):
        return path
    os.makedirs(folder, exist_ok=True)
    with _lock(folder):
        if _trusted(folder, name, resolved):  # another process exported it meanwhile
            return path
        try:
            _export_verified(folder, resolved, quantized)
        except ModelError:
            raise
        except Exception as exc:  # torch.onnx and onnxruntime raise many types
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise ModelError(f"cannot export the model to ONNX: {type(exc).__name__}: {first}") from None
    return path


def _read_manifest(folder: str) -> dict:
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as fh:
            manifest = json.load(fh)
        return manifest if isinstance(manifest, dict) else {}
    except (OSError, ValueError):
        return {}


def _config_sha(resolved: ResolvedModel) -> str:
    digest = hashlib.sha256()
    for name in ("config.json", "tokenizer.json", "sentence_bert_config.json", "modules.json"):
        try:
            with open(os.path.join(resolved.target, name), "rb") as fh:
                digest.update(name.encode() + b"\0" + fh.read())
        except OSError:
            digest.update(name.encode() + b"\0-")
    return digest.hexdigest()


def _trusted(folder: str, name: str, resolved: ResolvedModel) -> bool:
    manifest = _read_manifest(folder)
    entry = manifest.get("files", {}).get(name)
    if not entry or manifest.get("recipe") != RECIPE or manifest.get("weights_sha256") != resolved.weights_sha256:
        return False
    if manifest.get("config_sha256") != _config_sha(resolved):
        return False
    path = os.path.join(folder, name)
    try:
        return os.path.getsize(path) == entry.get("bytes") and file_sha256(path) == entry.get("sha256")
    except OSError:
        return False


def _export_verified(folder: str, resolved: ResolvedModel, quantized: bool) -> None:
    """Export fp32 (if not already trusted), quantise if asked, verify both against torch."""
    go_offline()
    reference = _torch_reference(resolved.target)
    manifest = _read_manifest(folder)
    if manifest.get("recipe") != RECIPE or manifest.get("weights_sha256") != resolved.weights_sha256 \
            or manifest.get("config_sha256") != _config_sha(resolved):
        manifest = {"recipe": RECIPE, "weights_sha256": resolved.weights_sha256,
                    "config_sha256": _config_sha(resolved), "files": {}}
    fp32 = os.path.join(folder, FP32_FILE)
    if not _trusted(folder, FP32_FILE, resolved):
        tmp = _tmp_path(folder)
        try:
            _torch_export(resolved.target, tmp)
            manifest["files"][FP32_FILE] = _verify(tmp, resolved.target, reference, quantized=False)
            os.replace(tmp, fp32)
        finally:
            _remove(tmp)
        _write_manifest(folder, manifest)
    if quantized:
        tmp = _tmp_path(folder)
        try:
            _quantize(fp32, tmp, resolved.target)
            manifest["files"][INT8_FILE] = _verify(tmp, resolved.target, reference, quantized=True)
            os.replace(tmp, os.path.join(folder, INT8_FILE))
        finally:
            _remove(tmp)
        _write_manifest(folder, manifest)


def _torch_reference(model_dir: str):
    import numpy as np
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_dir, device="cpu", local_files_only=True, model_kwargs={"use_safetensors": True})
    vectors = model.encode(list(VERIFY_SENTENCES), normalize_embeddings=True, convert_to_numpy=True,
                           show_progress_bar=False, batch_size=len(VERIFY_SENTENCES))
    return np.asarray(vectors, dtype=np.float32)


def _torch_export(model_dir: str, out_path: str) -> None:
    import warnings

    import torch
    from transformers import AutoModel

    # Eager attention: the SDPA path may drop an all-ones mask while tracing, which would bake
    # "no padding" into the graph. The example batch is padded for the same reason.
    bert = AutoModel.from_pretrained(model_dir, local_files_only=True, use_safetensors=True, attn_implementation="eager")
    bert.eval()

    class MeanPooledNormalised(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    ids = torch.tensor([[101, 7592, 2045, 1010, 2129, 2024, 2017, 102], [101, 7592, 102, 0, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    axes = {"batch": 0, "tokens": 1}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            MeanPooledNormalised(bert), (ids, mask, torch.zeros_like(ids)), out_path,
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": {v: k for k, v in axes.items()}, "attention_mask": {v: k for k, v in axes.items()},
                          "token_type_ids": {v: k for k, v in axes.items()}, "sentence_embedding": {0: "batch"}},
            opset_version=17, do_constant_folding=True, dynamo=False,
        )


def _quantize(fp32_path: str, out_path: str, model_dir: str) -> None:
    """int8 weights, per output channel, for the weight MatMuls only (dynamic activation
    quantisation: one uint8 range per activation tensor), after smoothing (_smooth)."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    smoothed = _tmp_path(os.path.dirname(out_path))
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs advice on the root logger
    try:
        onnx.save(_smooth(fp32_path, model_dir), smoothed)
        quantize_dynamic(smoothed, out_path, weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"])
    finally:
        root.setLevel(level)
        _remove(smoothed)


def _smooth(fp32_path: str, model_dir: str):
    """The fp32 graph with each LayerNorm output that feeds weight MatMuls (query, key, value,
    FFN intermediate) divided per channel by s and those weights' rows multiplied by s: the same
    function in fp32, but BERT's few outlier channels (|x| up to ~30 against a median ~1.5) no
    longer set the one int8 range of the whole tensor. s = max|x|^a / max|w|^(1-a) (SmoothQuant,
    Xiao et al. 2023), max|x| measured on VERIFY_SENTENCES. The residual path keeps the
    unscaled output; only a Mul per layer norm is added."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import helper, numpy_helper
    from tokenizers import Tokenizer

    model = onnx.load(fp32_path)
    weights = {i.name: i for i in model.graph.initializer}
    layer_norms = {o for n in model.graph.node if n.op_type == "LayerNormalization" for o in n.output}
    groups: dict[str, list] = {}
    for node in model.graph.node:
        if node.op_type == "MatMul" and node.input[1] in weights and node.input[0] in layer_norms:
            groups.setdefault(node.input[0], []).append(node)
    probe = onnx.load(fp32_path)
    probe.graph.output.extend(helper.make_tensor_value_info(x, onnx.TensorProto.FLOAT, None) for x in groups)
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_seq_length(model_dir))
    names = list(groups)
    peak = {x: 0.0 for x in names}
    # Each sentence as tokenizer.json encodes it: padded to its fixed 128 positions, all unmasked,
    # so the ranges include what the pad tokens produce. That is what v2 was measured with; ranges
    # from the real tokens only verify worse (min cosine 0.967, below INT8_MIN_COSINE).
    for text in VERIFY_SENTENCES:
        ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
        outputs = session.run(names, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                      "token_type_ids": np.zeros_like(ids)})
        for x, value in zip(names, outputs):
            peak[x] = np.maximum(peak[x], np.abs(value.reshape(-1, value.shape[-1])).max(0))
    position = {o: i for i, n in enumerate(model.graph.node) for o in n.output}
    nodes = list(model.graph.node)
    for k, x in sorted(enumerate(names), key=lambda item: -position[item[1]]):
        arrays = [numpy_helper.to_array(weights[n.input[1]]) for n in groups[x]]
        w_peak = np.max([np.abs(w).max(1) for w in arrays], axis=0)
        s = (np.maximum(peak[x], 1e-5) ** SMOOTH_ALPHA / np.maximum(w_peak, 1e-5) ** (1 - SMOOTH_ALPHA)).astype(np.float32)
        for node, w in zip(groups[x], arrays):
            weights[node.input[1]].CopyFrom(numpy_helper.from_array((w * s[:, None]).astype(np.float32), node.input[1]))
            node.input[0] = f"{x}/smoothed"
        model.graph.initializer.append(numpy_helper.from_array((1 / s).astype(np.float32), f"smooth_{k}"))
        nodes.insert(position[x] + 1, helper.make_node("Mul", [x, f"smooth_{k}"], [f"{x}/smoothed"], name=f"smooth_{k}"))
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model


def _verify(onnx_path: str, model_dir: str, reference, quantized: bool) -> dict:
    import numpy as np

    got = OnnxEmbedder(onnx_path, model_dir).encode(list(VERIFY_SENTENCES), batch_size=4)
    max_abs = float(np.abs(got - reference).max())
    min_cos = float((got * reference).sum(1).min())
    ok = min_cos >= INT8_MIN_COSINE if quantized else max_abs <= FP32_MAX_ABS_DIFF
    if not ok or not np.isfinite(got).all():
        raise ModelError(f"the ONNX export does not match torch (max |diff| {max_abs:.2e}, min cosine {min_cos:.4f}); not used")
    return {"sha256": file_sha256(onnx_path), "bytes": os.path.getsize(onnx_path),
            "max_abs_diff_vs_torch": max_abs, "min_cosine_vs_torch": min_cos, "verified_on": len(VERIFY_SENTENCES)}


def _write_manifest(folder: str, manifest: dict) -> None:
    import importlib.metadata as md

    versions = {}
    for package in ("torch", "transformers", "onnx", "onnxruntime"):
        try:
            versions[package] = md.version(package)
        except md.PackageNotFoundError:
            pass
    manifest["exported_with"] = versions
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
    os.replace(tmp, os.path.join(folder, MANIFEST))


def _tmp_path(folder: str) -> str:
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".onnx.tmp")
    os.close(fd)
    return tmp


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


class _lock:
    """An exclusive lock file in the export folder, so two processes do not export at once."""

    def __init__(self, folder: str):
        self.path = os.path.join(folder, ".lock")
        self.fh = None

    def __enter__(self):
        try:
            import fcntl

            self.fh = open(self.path, "w")
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        except (ImportError, OSError):
            self.fh = None
        return self

    def __exit__(self, *exc):
        if self.fh is not None:
            self.fh.close()
        return False

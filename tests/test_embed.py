"""Backends: offline and lazy loading, fingerprints, ONNX export verified against torch and
rebuilt when its file is corrupted. ONNX tests skip when onnxruntime/onnx are not installed."""
import json
import os

import numpy as np
import pytest

from plumbline import embed
from plumbline.embed import BACKENDS, ModelError, load_encoder

SENTENCES = ["Hi Dana,", "We can knock 20% off if you sign by Friday.",
             "Atlas ties GPS to the driver's hours, the engine and the video, and rolls it into one safety score.",
             "Thanks,", "Does surprise overtime still come up every week for your dispatchers?"]


def test_backends_and_unknown_backend():
    assert BACKENDS[0] == "torch" and {"onnx", "onnx-int8"} <= set(BACKENDS)
    with pytest.raises(ModelError, match="unknown backend"):
        load_encoder(None, "tensorflow")


def test_default_model_is_verified_offline_and_loaded_lazily():
    encoder = load_encoder()
    assert encoder.fingerprint.startswith("torch:all-MiniLM-L6-v2@" + embed.DEFAULT_SHA256[:16])
    assert encoder.dim == 384 and encoder.content_addressed
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_model_directory_needs_safetensors(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="safetensors"):
        load_encoder(str(tmp_path))


def _fake_model_dir(tmp_path, pooling):
    (tmp_path / "model.safetensors").write_bytes(b"not really weights")
    (tmp_path / "config.json").write_text(json.dumps({"hidden_size": 8}))
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 8, **pooling}))
    return str(tmp_path)


def test_onnx_refuses_pooling_it_does_not_export(tmp_path):
    path = _fake_model_dir(tmp_path, {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
    with pytest.raises(ModelError):
        load_encoder(path, "onnx")


def test_fingerprint_names_the_backend(tmp_path):
    pytest.importorskip("onnxruntime")
    path = _fake_model_dir(tmp_path, {"pooling_mode_mean_tokens": True})
    torch_fp, onnx_fp, int8_fp = (load_encoder(path, b).fingerprint for b in ("torch", "onnx", "onnx-int8"))
    assert torch_fp.startswith("torch:") and onnx_fp.startswith("onnx:") and int8_fp.startswith("onnx-int8:")
    assert len({torch_fp, onnx_fp, int8_fp}) == 3
    from plumbline.embed.onnx_backend import RECIPE

    assert int8_fp.endswith("+" + RECIPE)  # a new int8 recipe never reuses cached int8 vectors
    assert not load_encoder(path, "onnx").loaded  # nothing exported or loaded yet


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    return str(tmp_path_factory.mktemp("onnx-cache"))


@pytest.mark.slow
def test_onnx_output_matches_torch_and_survives_corruption(onnx_cache, monkeypatch, real_encoder):
    from plumbline.embed import onnx_backend as embed_onnx

    monkeypatch.setenv("PLUMBLINE_CACHE_DIR", onnx_cache)
    resolved = embed.resolve(None)
    reference = real_encoder.encode(SENTENCES)
    runtime = embed_onnx.load_onnx_runtime(resolved)
    got = runtime.encode(SENTENCES, batch_size=2)
    assert got.dtype == np.float32 and np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    assert np.abs(got - reference).max() < 1e-4

    folder = embed_onnx.export_dir(resolved)
    manifest = json.loads(open(os.path.join(folder, embed_onnx.MANIFEST)).read())
    assert manifest["weights_sha256"] == embed.DEFAULT_SHA256
    assert manifest["files"][embed_onnx.FP32_FILE]["max_abs_diff_vs_torch"] < 1e-4
    path = os.path.join(folder, embed_onnx.FP32_FILE)
    with open(path, "r+b") as fh:  # flip bytes in the middle of the weights
        fh.seek(os.path.getsize(path) // 2)
        fh.write(b"\x00\x01\x02\x03" * 64)
    assert not embed_onnx._trusted(folder, embed_onnx.FP32_FILE, resolved)
    again = embed_onnx.load_onnx_runtime(resolved).encode(SENTENCES)  # exported anew, verified again
    assert embed_onnx._trusted(folder, embed_onnx.FP32_FILE, resolved)
    assert np.abs(again - reference).max() < 1e-4


@pytest.mark.slow
def test_onnx_int8_stays_close_to_torch(onnx_cache, monkeypatch, real_encoder):
    from plumbline.embed import onnx_backend as embed_onnx

    monkeypatch.setenv("PLUMBLINE_CACHE_DIR", onnx_cache)
    resolved = embed.resolve(None)
    got = embed_onnx.load_onnx_runtime(resolved, quantized=True).encode(SENTENCES)
    cosine = (got * real_encoder.encode(SENTENCES)).sum(1)
    assert cosine.min() > embed_onnx.INT8_MIN_COSINE
    manifest = json.loads(open(os.path.join(embed_onnx.export_dir(resolved), embed_onnx.MANIFEST)).read())
    assert manifest["files"][embed_onnx.INT8_FILE]["min_cosine_vs_torch"] >= embed_onnx.INT8_MIN_COSINE


@pytest.mark.slow
def test_int8_smoothing_keeps_the_fp32_function(onnx_cache, monkeypatch):
    """_smooth only moves scale between activations and weights: in fp32 the vectors stay."""
    import onnx
    from plumbline.embed import onnx_backend as embed_onnx

    monkeypatch.setenv("PLUMBLINE_CACHE_DIR", onnx_cache)
    resolved = embed.resolve(None)
    fp32 = embed_onnx.ensure_exported(resolved, quantized=False)
    smoothed = os.path.join(onnx_cache, "smoothed.onnx")
    model = embed_onnx._smooth(fp32, resolved.target)
    assert sum(n.op_type == "Mul" and n.name.startswith("smooth_") for n in model.graph.node) == 12  # 6 layers x 2
    onnx.save(model, smoothed)
    before = embed_onnx.OnnxEmbedder(fp32, resolved.target).encode(SENTENCES)
    after = embed_onnx.OnnxEmbedder(smoothed, resolved.target).encode(SENTENCES)
    assert np.abs(after - before).max() < 1e-5


@pytest.mark.slow
def test_tokenizer_truncates_like_sentence_transformers():
    from tokenizers import Tokenizer

    from plumbline.embed.tokens import max_seq_length

    reference = load_encoder(None, "sentence-transformers").model.model
    directory = embed.resolve(None).target
    assert max_seq_length(directory) == reference.max_seq_length == 256
    tokenizer = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
    tokenizer.enable_truncation(max_length=256)
    long_text = "Our onboarding team stays with you for the first six weeks. " * 40
    ids = tokenizer.encode(long_text).ids
    expected = reference.tokenize([long_text])["input_ids"][0].tolist()
    assert ids == expected and len(ids) == 256


@pytest.mark.slow
def test_torch_backend_is_sentence_transformers_without_the_import():
    torch_backend = load_encoder(None, "torch")
    reference = load_encoder(None, "sentence-transformers")
    assert type(torch_backend.model).__name__ == "BertEmbedder"
    assert type(reference.model).__name__ == "TorchRuntime"
    texts = SENTENCES + ["Our onboarding team stays with you for the first six weeks. " * 40]
    assert np.abs(torch_backend.encode(texts) - reference.encode(texts)).max() < 1e-5


def test_torch_backend_refuses_weights_that_miss_the_known_answers(monkeypatch):
    from plumbline.embed import torch_backend as embed_torch

    wrong = [[0.5] * 16 for _ in embed_torch.CHECK_SENTENCES]
    monkeypatch.setitem(embed_torch.DEFAULT_KNOWN_ANSWERS, "vectors", wrong)
    with pytest.raises(ModelError, match="does not reproduce"):
        embed_torch.load_bert_runtime(embed.resolve(None))

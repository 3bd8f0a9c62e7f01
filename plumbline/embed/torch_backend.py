"""The torch backend for BERT-family sentence-transformers models, without importing
transformers or sentence-transformers (which take about three times as long to import as
torch itself): the weights read from model.safetensors, the model's own tokenizer.json
through `tokenizers`, and the BERT encoder + mean pooling + L2 normalisation written out
in plain torch (the same operations sentence-transformers runs).

It is the same model, checked: at load the vectors of a few fixed sentences must match known
answers recorded from sentence-transformers for these exact weights (for the bundled model)
or, for another BERT model, sentence-transformers' own output computed once and kept in the
cache beside the weights' sha256. Anything else (other architectures or pooling) falls back
to sentence-transformers itself (st_backend.py).
"""
from __future__ import annotations

import json
import math
import os
from typing import Sequence

from plumbline.embed.device import batch_size_for, pick_device
from plumbline.embed.tokens import max_seq_length, padded_batches
from plumbline.embed.weights import DEFAULT_SHA256, ModelError, ResolvedModel, file_sha256, go_offline

KNOWN_ANSWER_TOLERANCE = 1e-4  # max |difference| per coordinate of the normalised vectors
CHECK_SENTENCES = ("Thanks,", "We can knock 20% off if you sign by Friday.",
                   "Does surprise overtime still come up every week for your dispatchers?")
# The first 16 coordinates of sentence-transformers' normalised vectors for CHECK_SENTENCES,
# all-MiniLM-L6-v2 (sha256 53aa5117…), sentence-transformers 6.2 / torch 2.13 on CPU.
DEFAULT_KNOWN_ANSWERS = {"vectors": [
    [-0.126196, -0.0038272, 0.0020018, -0.0180646, -0.0728918, -0.0306927, 0.0700977, 0.0729199,
     -0.0915232, -0.0729363, 0.038532, 0.0087286, -0.046838, 0.0176036, -0.0683988, 0.0408597],
    [0.0809488, 0.0200809, 0.0128036, 0.0032807, 0.0234444, -0.0541971, 0.0032774, 0.0178197,
     -0.0160986, -0.0258608, -0.0316813, 0.0648607, 0.0248495, 0.0345374, 0.0903048, 0.0057696],
    [-0.1094548, -0.0045808, 0.0467578, 0.0412252, 0.0384664, -0.0302063, -0.0165718, -0.0469112,
     0.0141954, -0.0100876, 0.0244907, 0.0746171, -0.0476521, 0.0327472, 0.0556309, -0.0117702],
]}


def supports(directory: str) -> bool:
    """Plain BERT with mean pooling (+ Normalize): what this module implements."""
    try:
        with open(os.path.join(directory, "config.json"), encoding="utf-8") as fh:
            config = json.load(fh)
    except (OSError, ValueError):
        return False
    if config.get("model_type") != "bert" or config.get("position_embedding_type", "absolute") != "absolute":
        return False
    if config.get("hidden_act") != "gelu" or not os.path.isfile(os.path.join(directory, "tokenizer.json")):
        return False
    try:
        with open(os.path.join(directory, "modules.json"), encoding="utf-8") as fh:
            kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in json.load(fh)]
        with open(os.path.join(directory, "1_Pooling", "config.json"), encoding="utf-8") as fh:
            pooling = json.load(fh)
    except (OSError, ValueError):
        return False
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    return kinds[:2] == ["Transformer", "Pooling"] and set(kinds[2:]) <= {"Normalize"} \
        and modes == ["pooling_mode_mean_tokens"]


class BertEmbedder:
    """BERT encoder → mean pooling over the attention mask → L2 normalisation, on `device`."""

    def __init__(self, directory: str, device: str = "cpu"):
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        with open(os.path.join(directory, "config.json"), encoding="utf-8") as fh:
            self.config = json.load(fh)
        weights = load_file(os.path.join(directory, "model.safetensors"), device="cpu")
        self.w = {k.removeprefix("bert."): v.float().to(device) for k, v in weights.items()}
        self.device = device
        self.batch_size = batch_size_for(device)
        self.layers = int(self.config["num_hidden_layers"])
        self.heads = int(self.config["num_attention_heads"])
        self.eps = float(self.config.get("layer_norm_eps", 1e-12))
        self.dim = int(self.config["hidden_size"])
        self.tokenizer = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_seq_length(directory))
        self.torch = torch

    def forward(self, ids, mask):
        torch, w, F = self.torch, self.w, self.torch.nn.functional
        batch, width = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:width] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = F.layer_norm(x, (self.dim,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        keep = mask[:, None, None, :].bool()
        head = self.dim // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(name):
                y = F.linear(x, w[p + f"attention.self.{name}.weight"], w[p + f"attention.self.{name}.bias"])
                return y.view(batch, width, self.heads, head).transpose(1, 2)

            context = F.scaled_dot_product_attention(split("query"), split("key"), split("value"), attn_mask=keep)
            context = context.transpose(1, 2).reshape(batch, width, self.dim)
            attended = F.linear(context, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"])
            x = F.layer_norm(attended + x, (self.dim,), w[p + "attention.output.LayerNorm.weight"],
                             w[p + "attention.output.LayerNorm.bias"], self.eps)
            inner = F.gelu(F.linear(x, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
            out = F.linear(inner, w[p + "output.dense.weight"], w[p + "output.dense.bias"])
            x = F.layer_norm(out + x, (self.dim,), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        weights = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, p=2.0, dim=1)

    def encode(self, texts: Sequence[str], batch_size: int = 64):
        import numpy as np

        torch = self.torch
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for rows, ids, mask in padded_batches(self.tokenizer, texts, batch_size):
                ids, mask = torch.from_numpy(ids).to(self.device), torch.from_numpy(mask).to(self.device)
                out[rows] = self.forward(ids, mask).cpu().numpy()
        return out

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim


def load_bert_runtime(resolved: ResolvedModel, device: str = "cpu") -> BertEmbedder:
    """The plain-torch runtime on `device` (cpu, cuda or auto), after checking that it
    reproduces sentence-transformers' vectors there."""
    go_offline()
    device = pick_device(device)
    try:
        runtime = BertEmbedder(resolved.target, device)
    except (KeyError, OSError, ValueError, RuntimeError) as exc:
        raise ModelError(f"cannot load '{resolved.target}' for the torch backend: {type(exc).__name__}: {exc}") from None
    expected = known_answers(resolved)
    got = runtime.encode(list(CHECK_SENTENCES), batch_size=len(CHECK_SENTENCES))
    worst = max(abs(float(g) - e) for row, want in zip(got, expected) for g, e in zip(row, want))
    if not math.isfinite(worst) or worst > KNOWN_ANSWER_TOLERANCE:
        raise ModelError(f"the torch backend on {device} does not reproduce sentence-transformers on '{resolved.target}' "
                         f"(max |diff| {worst:.2e}); use --backend sentence-transformers")
    return runtime


def known_answers(resolved: ResolvedModel) -> list[list[float]]:
    """Reference vectors for CHECK_SENTENCES: recorded for the bundled model, else computed
    once with sentence-transformers and kept in the cache under the weights' sha256."""
    if resolved.weights_sha256 == DEFAULT_SHA256 and DEFAULT_KNOWN_ANSWERS.get("vectors"):
        return DEFAULT_KNOWN_ANSWERS["vectors"]
    from plumbline.cache import cache_dir

    path = os.path.join(cache_dir(), "torch-known-answers", f"{resolved.weights_sha256}.json")
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
        if record.get("sentences") == list(CHECK_SENTENCES) and record.get("weights_sha256") == resolved.weights_sha256 \
                and record.get("config_sha256") == file_sha256(os.path.join(resolved.target, "config.json")):
            return record["vectors"]
    except (OSError, ValueError, KeyError):
        pass
    from plumbline.embed.st_backend import load_sentence_transformer

    reference = load_sentence_transformer(resolved.target, resolved.target).encode(list(CHECK_SENTENCES))
    vectors = [[float(v) for v in row] for row in reference]
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"sentences": list(CHECK_SENTENCES), "weights_sha256": resolved.weights_sha256,
                       "config_sha256": file_sha256(os.path.join(resolved.target, "config.json")),
                       "vectors": vectors}, fh)
    except OSError:
        pass
    return vectors

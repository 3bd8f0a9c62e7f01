"""Tokens for the backends that tokenise themselves (plain torch, ONNX Runtime): the model's
own tokenizer.json, truncated at its max_seq_length, batched by length so little is padding."""
from __future__ import annotations

import json
import os
from typing import Sequence


def padded_batches(tokenizer, texts: Sequence[str], batch_size: int):
    """Token ids and attention masks (int64 arrays) in batches of similar length, so little is
    padding; yields (row indices into texts, ids, mask)."""
    import numpy as np

    encodings = tokenizer.encode_batch(list(texts), add_special_tokens=True)
    lengths = [len(e.ids) for e in encodings]
    order = sorted(range(len(texts)), key=lengths.__getitem__)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        width = lengths[rows[-1]]
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, i in enumerate(rows):
            ids[r, : lengths[i]] = encodings[i].ids
            mask[r, : lengths[i]] = 1
        yield rows, ids, mask


def max_seq_length(model_dir: str) -> int:
    for name, key in (("sentence_bert_config.json", "max_seq_length"), ("tokenizer_config.json", "model_max_length")):
        try:
            with open(os.path.join(model_dir, name), encoding="utf-8") as fh:
                value = int(json.load(fh)[key])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if 0 < value <= 100_000:
            return value
    return 512

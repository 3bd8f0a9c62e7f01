"""Cross-encoder probe for story attribution (issue 19): does a (sentence, story) model read
which story a real sentence tells better than the embedding similarities do?

Fine-tunes a cross-encoder from the bundled all-MiniLM-L6-v2 weights (a new one-logit head on
the encoder) on the training companies' labelled aligned sentences only: each sentence is read
together with every story of its plumb line ("title. body", brand masked, cut to --max-length
tokens) and a softmax over those stories is trained to put the gold one first, so the loss is
the attribution itself. Then scores attribution on the synthetic held-out companies and on a
real-text folder, beside the embedding rule the judge ships (features.pick_stories on the
same sentences), and with the two combined (cross-encoder log-probabilities plus the
embedding scores). A plain torch loop: no `datasets`/`accelerate` install.

Real text is for measuring only: nothing of it is fitted on, stored or printed beyond counts.

    nice python research/cross_encoder_probe.py --realtext ../shared/realtext/heldout --epochs 2
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from plumbline import evaluation as ev  # noqa: E402
from plumbline.embed import load_encoder  # noqa: E402
from plumbline.embed.loader import resolve  # noqa: E402
from plumbline.judge.features import pick_stories  # noqa: E402
from plumbline.plumbline_file import load_plumbline  # noqa: E402
from plumbline.segment import mask_brand  # noqa: E402


def story_texts(d: ev.CompanyData) -> list[str]:
    """The company's stories, in d.story_ids order, as the cross-encoder reads them."""
    plumbline = load_plumbline(d.company.plumbline_path)
    by_id = {s.id: s for s in plumbline.tells}
    return [mask_brand(f"{by_id[i].title}. {by_id[i].body}", plumbline.brand_names)[0] for i in d.story_ids]


def examples(data: list[ev.CompanyData]) -> list[tuple[str, list[str], int, int, ev.CompanyData]]:
    """(sentence, stories, gold story column, row, company) for every labelled aligned sentence."""
    out = []
    for d in data:
        stories = story_texts(d)
        for row, (gold, story) in enumerate(zip(d.gold, d.gold_story)):
            if gold == "aligned" and story in d.story_ids:
                out.append((d.embed_texts[row], stories, d.story_ids.index(story), row, d))
    return out


def logits(model, tokenizer, sentence: str, stories: list[str], max_length: int):
    import torch  # noqa: F401

    batch = tokenizer([sentence] * len(stories), stories, truncation="only_second", max_length=max_length,
                      padding=True, return_tensors="pt")
    return model(**batch).logits[:, 0]


def train(items, epochs: int, max_length: int, lr: float, seed: int):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(seed)
    directory = resolve(None).target
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = AutoModelForSequenceClassification.from_pretrained(directory, num_labels=1)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    order = list(range(len(items)))
    started, accumulate = time.time(), 4
    for epoch in range(epochs):
        random.Random(seed + epoch).shuffle(order)
        model.train()
        total = 0.0
        for step, k in enumerate(order, 1):
            sentence, stories, gold, _, _ = items[k]
            loss = torch.nn.functional.cross_entropy(logits(model, tokenizer, sentence, stories, max_length)[None],
                                                     torch.tensor([gold])) / accumulate
            loss.backward()
            total += loss.item() * accumulate
            if step % accumulate == 0 or step == len(order):
                optimiser.step()
                optimiser.zero_grad()
            if step % 200 == 0:
                print(f"  epoch {epoch + 1} step {step}/{len(order)} loss {total / step:.3f} "
                      f"({time.time() - started:.0f} s)", flush=True)
    model.eval()
    return model, tokenizer


def score(model, tokenizer, items, max_length: int, weights=(0.0, 0.5, 1.0, 2.0)) -> dict:
    """Attribution accuracy of the embedding rule, the cross-encoder, and the two combined
    (embedding matrix plus w times the cross-encoder's log-probabilities)."""
    import torch

    right = {"embedding": [], **{f"cross w{w}": [] for w in weights if w}}
    picks_by_company = {}
    with torch.no_grad():
        for sentence, stories, gold, row, d in items:
            if d.company.name not in picks_by_company:
                picks_by_company[d.company.name] = pick_stories(d.scores.story_matrix, d.scores.groups, 0.2,
                                                                d.scores.word_matrix, 0.3)
            right["embedding"].append(picks_by_company[d.company.name][row] == gold)
            cross = torch.log_softmax(logits(model, tokenizer, sentence, stories, max_length), 0).numpy()
            own = d.scores.story_matrix[row] + 0.3 * d.scores.word_matrix[row]
            for w in weights:
                if w:
                    right[f"cross w{w}"].append(int(np.argmax(own + w * cross)) == gold)
            right.setdefault("cross alone", []).append(int(np.argmax(cross)) == gold)
    return {k: float(np.mean(v)) for k, v in right.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realtext", required=True, help="a real-text folder in the corpus layout")
    parser.add_argument("--corpus", default=os.path.join(REPO, "corpus"))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    encoder = load_encoder(None)
    training = examples(ev.load_corpus(os.path.join(args.corpus, "companies"), encoder, warn=lambda m: None))
    held = examples(ev.load_corpus(os.path.join(args.corpus, "heldout"), encoder, warn=lambda m: None))
    real = examples(ev.load_corpus(args.realtext, encoder, warn=lambda m: None))
    print(f"aligned sentences: training {len(training)}, held-out {len(held)}, real {len(real)}", flush=True)
    started = time.time()
    model, tokenizer = train(training, args.epochs, args.max_length, args.lr, args.seed)
    print(f"trained in {time.time() - started:.0f} s", flush=True)
    for name, items in (("held-out", held), ("real", real)):
        started = time.time()
        result = score(model, tokenizer, items, args.max_length)
        print(f"{name}: " + ", ".join(f"{k} {v:.3f}" for k, v in result.items())
              + f" ({time.time() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()

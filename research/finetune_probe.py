"""Feasibility probe: does fine-tuning the encoder on some labelled companies help the judge
on other companies? Fine-tunes all-MiniLM-L6-v2 on the named training companies only and
writes a sentence-transformers directory that `plumbline eval --model DIR` accepts.

Pairs come from the labels: (rep sentence, its gold story entry) for aligned rows and
(sentence, its avoid entry) for off-message rows, brand names masked as plumbline masks them,
trained with MultipleNegativesRankingLoss (in-batch negatives; batches never hold one text
twice, so a story is never its own negative). With --hard-negatives each pair also gets
another entry of the same company as an explicit negative. A plain torch loop, so no
`datasets`/`accelerate` install is needed.

    python research/finetune_probe.py --corpus corpus/companies \
        --companies atlas,clearwell,harborline,lumen,petrichor,tessellate --out /tmp/tune/model-A

Evaluate with a corpus dir whose companies/ holds only the OTHER half (symlinks) and heldout/
the held-out companies, once with the base encoder and once with --model DIR, so both judges
train on the same companies and only the encoder differs:

    plumbline eval --corpus /tmp/tune/corpusB --json base.json
    plumbline eval --corpus /tmp/tune/corpusB --model /tmp/tune/model-A --json ft.json

Held-out companies must never be named here (refused if their path is under heldout/).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def training_pairs(corpus: str, names: list[str], hard_negatives: bool, seed: int) -> list[tuple[str, ...]]:
    """(sentence, entry text[, other entry text]) rows from the named companies' labels."""
    from plumbline.corpus import load_companies, read_gold
    from plumbline.plumbline_file import load_plumbline
    from plumbline.segment import mask_brand

    rng = random.Random(seed)
    companies = {c.name: c for c in load_companies(corpus)}
    missing = [n for n in names if n not in companies]
    if missing:
        raise SystemExit(f"not in {corpus}: {', '.join(missing)}")
    rows = []
    for name in names:
        company = companies[name]
        if os.sep + "heldout" + os.sep in os.path.realpath(company.path) + os.sep:
            raise SystemExit(f"{company.path}: held-out companies are never fine-tuned on")
        plumb = load_plumbline(company.plumbline_path)
        mask = lambda text: mask_brand(text, plumb.brand_names)[0]  # noqa: E731
        entries = {e.id: mask(f"{e.title}. {e.body}") for e in plumb.stories}
        for path in company.message_paths:
            for gold in read_gold(path):
                if gold.label not in ("aligned", "off-message") or gold.story not in entries:
                    continue
                row = (mask(gold.text), entries[gold.story])
                if hard_negatives:
                    others = [text for sid, text in entries.items() if sid != gold.story]
                    row += (rng.choice(others),)
                rows.append(row)
    return rows


def batches(rows: list[tuple[str, ...]], size: int, rng: random.Random) -> list[list[tuple[str, ...]]]:
    """Shuffled batches in which no text appears twice (a duplicate would be a false negative)."""
    pending = rows[:]
    rng.shuffle(pending)
    out = []
    while pending:
        batch, seen, rest = [], set(), []
        for row in pending:
            if len(batch) < size and not seen.intersection(row):
                batch.append(row)
                seen.update(row)
            else:
                rest.append(row)
        out.append(batch)
        pending = rest
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus/companies", help="folder of training companies")
    parser.add_argument("--companies", required=True, help="comma-separated company folder names to fine-tune on")
    parser.add_argument("--out", required=True, help="output model directory")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-seq-length", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--hard-negatives", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import torch

    from plumbline.embed import default_model_dir, go_offline

    go_offline()
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    rows = training_pairs(args.corpus, args.companies.split(","), args.hard_negatives, args.seed)
    model = SentenceTransformer(default_model_dir(), device="cpu", local_files_only=True)
    served_length = model.max_seq_length
    model.max_seq_length = args.max_seq_length
    loss = MultipleNegativesRankingLoss(model)
    rng = random.Random(args.seed)
    plan = [batches(rows, args.batch, rng) for _ in range(args.epochs)]
    steps = sum(len(p) for p in plan)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    start = time.perf_counter()
    model.train()
    step = 0
    for epoch, epoch_batches in enumerate(plan, start=1):
        total = 0.0
        for batch in epoch_batches:
            features = [model.preprocess([row[i] for row in batch]) for i in range(len(batch[0]))]
            value = loss(features, None)
            value.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += float(value.detach())
            step += 1
        print(f"epoch {epoch}: {len(epoch_batches)} batches, mean loss {total / len(epoch_batches):.4f}", flush=True)
    seconds = time.perf_counter() - start
    model.eval()
    model.max_seq_length = served_length  # serve with the base model's length, as plumbline does
    model.save(args.out, safe_serialization=True)
    print(f"{len(rows)} pairs from {args.companies}; {steps} steps in {seconds:.1f}s; saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

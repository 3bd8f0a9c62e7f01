"""Turn the background writers' tables (corpus/background/writer-*/) into labelled companies in
the corpus layout, so training can read them like any other company.

Each background company becomes a plumb line (per entry: its title and first sentence; avoid
entries list their first example) and one message of one sentence per line:
- aligned: the entry's other sentences (how reps say the story), with the entry as story;
- off-message: the avoid entry's other sentences (they do the forbidden thing);
- drift: sentences that tell *other* background companies' stories, their name swapped for
  this company's (another company's claims match no story here);
- neutral: lines from the writers' neutral tables.
Deterministic (seeded), so a rerun writes the same files.

    python research/background_companies.py OUT_DIR [--drift 8] [--neutral 10]
"""
from __future__ import annotations

import argparse
import json
import csv
import os
import random
import re
from collections import OrderedDict

BACKGROUND = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "corpus", "background")


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def load_background(root=BACKGROUND):
    """company -> {"industry", "writer", "entries": OrderedDict(entry id -> (kind, [texts]))}; neutral lines."""
    companies, neutral = OrderedDict(), []
    for writer in sorted(os.listdir(root)):
        folder = os.path.join(root, writer)
        if not os.path.isfile(os.path.join(folder, "stories.tsv")):
            continue
        for row in read_tsv(os.path.join(folder, "stories.tsv")):
            company = companies.setdefault(row["company"], {"industry": row["industry"], "writer": writer,
                                                             "entries": OrderedDict()})
            kind, texts = company["entries"].setdefault(row["entry"], (row["kind"], []))
            texts.append(row["text"].strip())
        neutral += [(writer, r["text"].strip()) for r in read_tsv(os.path.join(folder, "neutral.tsv"))]
    return companies, neutral


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "company"


def swap_name(text, donor, company):
    """The donor company's name (and its first word, as reps shorten it) read as this company's."""
    out = re.sub(re.escape(donor), company, text, flags=re.IGNORECASE)
    first = donor.split()[0]
    if len(first) > 3 and first.lower() != company.split()[0].lower():
        out = re.sub(rf"\b{re.escape(first)}\b", company.split()[0], out)
    return out


def write_company(out_dir, name, info, drift_rows, neutral_rows):
    folder = os.path.join(out_dir, slug(name))
    os.makedirs(os.path.join(folder, "plumbline"), exist_ok=True)
    os.makedirs(os.path.join(folder, "messages"), exist_ok=True)
    with open(os.path.join(folder, "company.toml"), "w", encoding="utf-8") as fh:
        fh.write(f'name = {json.dumps(name)}\nindustry = {json.dumps(info["industry"])}\nreps = []\n')
    with open(os.path.join(folder, "plumbline", "brand.md"), "w", encoding="utf-8") as fh:
        fh.write(f"---\nid: brand\ntitle: {json.dumps(name)}\nkind: brand\nnames: [{json.dumps(name)}]\n---\n")
    rows = []  # (label, story, text)
    for entry, (kind, texts) in info["entries"].items():
        if len(texts) < 3:
            continue
        title, first, rest = texts[0], texts[1], texts[2:]
        entry_id = slug(entry)
        with open(os.path.join(folder, "plumbline", f"{entry_id}.md"), "w", encoding="utf-8") as fh:
            if kind == "avoid":
                fh.write(f"---\nid: {entry_id}\ntitle: {json.dumps(title)}\nkind: avoid\n---\nReps must not say things like this.\n\n- {first}\n")
            else:
                fh.write(f"---\nid: {entry_id}\ntitle: {json.dumps(title)}\nkind: story\n---\n{first}\n")
        label = "off-message" if kind == "avoid" else "aligned"
        rows += [(label, entry_id if kind != "avoid" else "", t) for t in rest]
    rows += [("drift", "", t) for t in drift_rows] + [("neutral", "", t) for t in neutral_rows]
    random.Random(name).shuffle(rows)
    path = os.path.join(folder, "messages", "lines.txt")
    with open(path, "w", encoding="utf-8") as fh, open(path + ".labels.tsv", "w", encoding="utf-8") as labels:
        labels.write("line\tlabel\tstory\ttext\n")
        for number, (label, story, text) in enumerate(rows, start=1):
            fh.write(text + "\n")
            labels.write(f"{number}\t{label}\t{story}\t{text}\n")


def materialise(out_dir, drift=8, neutral=10, seed=0, root=BACKGROUND):
    companies, neutral_lines = load_background(root)
    rng = random.Random(seed)
    names = list(companies)
    for name in names:
        info = companies[name]
        donors = [n for n in names if n != name and companies[n]["industry"] != info["industry"]]
        drift_rows = []
        for donor in rng.sample(donors, min(drift, len(donors))):
            stories = [texts[2:] for kind, texts in companies[donor]["entries"].values() if kind == "story" and len(texts) > 2]
            if stories:
                drift_rows.append(swap_name(rng.choice(rng.choice(stories)), donor, name))
        write_company(out_dir, name, info, drift_rows, [t for _, t in rng.sample(neutral_lines, neutral)])
    return len(names)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--drift", type=int, default=8)
    parser.add_argument("--neutral", type=int, default=10)
    args = parser.parse_args()
    print(materialise(args.out_dir, args.drift, args.neutral), "companies written to", args.out_dir)


if __name__ == "__main__":
    main()

"""Extra labelled lines for the training companies, from the background writers' tables
(corpus/background/writer-*/pitches.tsv and neutral.tsv): each training company X gets a
companion `X--extra` that shares X's plumb line and holds one message of one line each:
- promotional pitches (discount, guarantee, hype, pressure) as off-message: every training
  plumb line forbids discount-led selling and promises no one controls;
- off-topic pitches (a channel to subscribe to, an unrelated offer) as drift;
- neutral lines (greetings, scheduling, notices, questions) as neutral.
Each background line goes to one company only. Deterministic (seeded).

    python research/augment_companies.py CORPUS/companies OUT_DIR
"""
from __future__ import annotations

import argparse
import json
import os
import random

from background_companies import BACKGROUND, read_tsv

LABEL_OF_CATEGORY = {"discount": "off-message", "guarantee": "off-message", "hype": "off-message",
                     "pressure": "off-message", "offtopic": "drift"}


def background_lines(root=BACKGROUND):
    lines = []
    for writer in sorted(os.listdir(root)):
        folder = os.path.join(root, writer)
        if os.path.isfile(os.path.join(folder, "pitches.tsv")):
            lines += [(LABEL_OF_CATEGORY[r["category"]], r["text"].strip())
                      for r in read_tsv(os.path.join(folder, "pitches.tsv")) if r["category"] in LABEL_OF_CATEGORY]
            lines += [("neutral", r["text"].strip()) for r in read_tsv(os.path.join(folder, "neutral.tsv"))]
    return lines


def materialise(companies_dir, out_dir, seed=0, root=BACKGROUND):
    import tomllib

    names = sorted(n for n in os.listdir(companies_dir) if os.path.isfile(os.path.join(companies_dir, n, "company.toml")))
    lines = background_lines(root)
    random.Random(seed).shuffle(lines)
    for k, name in enumerate(names):
        source = os.path.join(companies_dir, name)
        with open(os.path.join(source, "company.toml"), "rb") as fh:
            meta = tomllib.load(fh)
        folder = os.path.join(out_dir, f"{name}--extra")
        os.makedirs(os.path.join(folder, "messages"), exist_ok=True)
        link = os.path.join(folder, "plumbline")
        if not os.path.islink(link):
            os.symlink(os.path.abspath(os.path.join(source, "plumbline")), link)
        with open(os.path.join(folder, "company.toml"), "w", encoding="utf-8") as fh:
            fh.write(f"name = {json.dumps(meta.get('name', name) + ' (extra)')}\nindustry = {json.dumps(meta.get('industry', ''))}\nreps = []\n")
        mine = lines[k::len(names)]
        path = os.path.join(folder, "messages", "extra.txt")
        with open(path, "w", encoding="utf-8") as fh, open(path + ".labels.tsv", "w", encoding="utf-8") as labels:
            labels.write("line\tlabel\tstory\ttext\n")
            for number, (label, text) in enumerate(mine, start=1):
                fh.write(text + "\n")
                labels.write(f"{number}\t{label}\t\t{text}\n")
    return len(names), len(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("companies_dir")
    parser.add_argument("out_dir")
    args = parser.parse_args()
    print("%d companies, %d lines" % materialise(args.companies_dir, args.out_dir))

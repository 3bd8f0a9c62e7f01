"""Training lines from the background writers (corpus/background/writer-*/): promotional and
off-topic pitches and neutral lines, dealt out to the training companies as *companions* that
share a company's plumb line (see corpus/README.md).

The corpus companies' own messages come from a few writers; these tables come from two more,
in many registers (email, call, chat, voicemail, speech-to-text), so the judge sees what a
discount blast, a money-back promise, a "subscribe to my channel" or a billing notice looks like
beyond those writers' habits. Each line goes to one company only, dealt in a fixed order."""
from __future__ import annotations

import csv
import os
import random
import tempfile

from plumbline.corpus import LABEL_SUFFIX, Company, CorpusError

# Every training plumb line forbids discount-led selling and promises no one controls (most
# also fear and running down competitors); an off-topic pitch tells no story of anyone's.
LABEL_OF_CATEGORY = {"discount": "off-message", "guarantee": "off-message", "hype": "off-message",
                     "pressure": "off-message", "offtopic": "drift"}


def _rows(path: str, column: str) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = list(reader)
    if rows and (column not in rows[0] or "text" not in rows[0]):
        raise CorpusError(f"{path}: needs columns {column} and text")
    return rows


def background_lines(root: str) -> list[tuple[str, str]]:
    """(label, text) of every pitch and neutral line under root/writer-*/."""
    lines = []
    for writer in sorted(os.listdir(root)):
        folder = os.path.join(root, writer)
        pitches, neutral = os.path.join(folder, "pitches.tsv"), os.path.join(folder, "neutral.tsv")
        if os.path.isfile(pitches):
            lines += [(LABEL_OF_CATEGORY[r["category"]], r["text"].strip())
                      for r in _rows(pitches, "category") if r["category"] in LABEL_OF_CATEGORY and r["text"].strip()]
        if os.path.isfile(neutral):
            lines += [("neutral", r["text"].strip()) for r in _rows(neutral, "register") if r["text"].strip()]
    return lines


def companion_companies(companies: list[Company], root: str, out_dir: str | None = None) -> list[tuple[Company, str]]:
    """(companion, owner name) for each company: one message of one line per row, its labels
    beside it, written under out_dir (a new temporary folder by default)."""
    if not os.path.isdir(root) or not companies:
        return []
    lines = background_lines(root)
    random.Random(0).shuffle(lines)
    out_dir = out_dir or tempfile.mkdtemp(prefix="plumbline-companions-")
    out = []
    for k, company in enumerate(companies):
        folder = os.path.join(out_dir, f"{os.path.basename(company.path)}--extra")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "background-lines.txt")
        with open(path, "w", encoding="utf-8") as text, open(path + LABEL_SUFFIX, "w", encoding="utf-8") as labels:
            labels.write("line\tlabel\tstory\ttext\n")
            for number, (label, line) in enumerate(lines[k::len(companies)], start=1):
                text.write(line + "\n")
                labels.write(f"{number}\t{label}\t\t{line}\n")
        out.append((Company(f"{company.name} (background lines)", folder, (), company.plumbline_path, (path,)), company.name))
    return out

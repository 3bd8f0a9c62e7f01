"""Read the labelled corpus (see corpus/README.md): companies, their reps, and the human
label of every sentence, matched to the sentences plumbline actually segments."""
from __future__ import annotations

import csv
import os
import re
import tomllib
from dataclasses import dataclass

from plumbline.model import Sentence

LABEL_SUFFIX = ".labels.tsv"
GOLD_LABELS = ("aligned", "off-message", "drift", "neutral", "prospect")


class CorpusError(Exception):
    """A malformed corpus file (one line naming the file)."""


@dataclass(frozen=True)
class Company:
    name: str
    path: str
    reps: tuple[str, ...]
    plumbline_path: str
    message_paths: tuple[str, ...]


@dataclass(frozen=True)
class Gold:
    path: str
    line: int
    label: str
    story: str | None
    text: str


def load_companies(root: str) -> list[Company]:
    if not os.path.isdir(root):
        raise CorpusError(f"{root}: corpus folder not found")
    companies = []
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if not os.path.isfile(os.path.join(folder, "company.toml")):
            continue
        with open(os.path.join(folder, "company.toml"), "rb") as fh:
            try:
                meta = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise CorpusError(f"{folder}/company.toml: {exc}") from None
        messages_dir = os.path.join(folder, "messages")
        messages = tuple(sorted(
            os.path.join(messages_dir, f) for f in os.listdir(messages_dir)
            if os.path.isfile(os.path.join(messages_dir, f + LABEL_SUFFIX))
        ))
        companies.append(Company(name, folder, tuple(meta.get("reps", ())), os.path.join(folder, "plumbline"), messages))
    return companies


def read_gold(message_path: str) -> list[Gold]:
    path = message_path + LABEL_SUFFIX
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != ["line", "label", "story", "text"]:
            raise CorpusError(f"{path}: header must be line, label, story, text")
        for number, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != 4 or not row[0].isdigit() or row[1] not in GOLD_LABELS:
                raise CorpusError(f"{path}:{number}: expected line<TAB>label<TAB>story<TAB>text with a known label")
            rows.append(Gold(message_path, int(row[0]), row[1], row[2] or None, row[3]))
    return rows


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def match_gold(sentences: list[Sentence], gold: list[Gold]) -> tuple[list[tuple[Sentence, Gold]], list[Sentence], list[Gold]]:
    """Pair each segmented sentence with its labelled row: same text (nearest line), else a row
    on the same line that contains it or that it contains. Returns pairs, unlabelled
    sentences, and labelled rows no sentence matched."""
    free = [g for g in gold if g.label != "prospect"]
    pairs, unlabelled = [], []
    for sentence in sentences:
        key = _key(sentence.text)
        candidates = [g for g in free if _key(g.text) == key]
        if not candidates:
            candidates = [g for g in free if abs(g.line - sentence.line) <= 1 and (_key(g.text) in key or key in _key(g.text))]
        if not candidates:
            unlabelled.append(sentence)
            continue
        best = min(candidates, key=lambda g: abs(g.line - sentence.line))
        free.remove(best)
        pairs.append((sentence, best))
    return pairs, unlabelled, free

"""A long one-line message costs what the same sentences on separate lines cost (issue 16 item 13).

A 5 MB single-line export used to be cut every 10,000 characters wherever a space fell, so the
pieces split sentences and each cut left two fragments to judge. Now the cut falls after a
sentence end, and a message over MAX_MESSAGE_CHARS of rep text is refused before any work.
This script segments the same sentences written on one line and one per line (the baseline,
measured in the same run) and prints the time ratio and the sentence counts, which must match;
then times how long a file over the limit takes to be refused.

    python bench/bench_long_line.py [--chars 150000]
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time

from plumbline.formats import MAX_MESSAGE_CHARS, LoadOptions, load_path
from plumbline.model import Block, InputError, Message
from plumbline.segment import load_nlp, segment_messages

WORDS = ("we ship every order by friday and our fleet covers each county in the state with drivers who "
         "call ahead so your team knows when the trucks arrive").split()


def sentences(chars: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out, total = [], 0
    while total < chars:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 24))).capitalize() + "."
        out.append(sentence)
        total += len(sentence) + 1
    return out


def timed_segment(text: str) -> tuple[float, int]:
    message = Message(path="bench.txt", blocks=(Block(text=text, line=1),))
    start = time.perf_counter()
    found = segment_messages([message])
    return time.perf_counter() - start, len(found)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chars", type=int, default=150_000)
    args = parser.parse_args()
    said = sentences(args.chars)
    load_nlp()
    timed_segment(" ".join(said[:50]))  # warm up
    base_s, base_n = timed_segment("\n".join(said))
    line_s, line_n = timed_segment(" ".join(said))
    print(f"{len(said)} sentences, {args.chars:,} characters")
    print(f"one per line (baseline): {base_s:.2f} s, {base_n} sentences")
    print(f"all on one line:         {line_s:.2f} s, {line_n} sentences  ({line_s / base_s:.2f}x the baseline)")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "dump.txt")
        with open(path, "w") as fh:
            fh.write(" ".join(sentences(MAX_MESSAGE_CHARS * 25)))  # about 5 MB on one line
        start = time.perf_counter()
        try:
            load_path(path, LoadOptions())
            outcome = "judged"
        except InputError as exc:
            outcome = exc.problem
        print(f"{os.path.getsize(path):,}-byte one-line file: {time.perf_counter() - start:.2f} s to read, {outcome}")


if __name__ == "__main__":
    main()

"""What the fuzz tests share: Hypothesis settings read from the environment, and the property
every input must satisfy (messages, or one InputError of one line, in bounded time).

CI runs a fixed, derandomised set of examples; a release runs many more:

    PLUMBLINE_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz_*.py -q
"""
from __future__ import annotations

import os
import re
import time

from hypothesis import HealthCheck, settings

from plumbline.formats import LoadOptions, load_path
from plumbline.model import InputError, Message

EXAMPLES = int(os.environ.get("PLUMBLINE_FUZZ_EXAMPLES", "60"))
# Every example is a small file; even on a loaded CI machine one takes milliseconds.
SECONDS_PER_FILE = float(os.environ.get("PLUMBLINE_FUZZ_SECONDS", "5"))
# Hostile inputs of about a megabyte: linear loaders take a second or two, the quadratic ones
# these tests were written against took minutes to hours.
SECONDS_PER_MEGABYTE = float(os.environ.get("PLUMBLINE_FUZZ_SECONDS_PER_MB", "20"))

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # a fixed sequence of examples: CI is reproducible
    database=None,
    deadline=None,  # timing is asserted by the property itself, with a bound that fits CI
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)

LINE_BREAK = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
TEXT_SUFFIXES = (".txt", ".md", ".eml", ".mbox", ".html", ".vtt", ".srt", ".json")
SUFFIXES = TEXT_SUFFIXES + (".docx", "")


def loads_or_refuses(path: str, options: LoadOptions = LoadOptions(), seconds: float | None = None, stdin=None):
    """Load `path`; assert the outcome is messages or one one-line InputError, in time.

    Returns the messages, or the InputError's problem as a string."""
    seconds = SECONDS_PER_FILE if seconds is None else seconds
    start = time.perf_counter()
    try:
        messages = load_path(path, options, stdin_bytes=stdin)
    except InputError as exc:
        outcome = exc.problem
        assert exc.path == path
        assert outcome and not LINE_BREAK.search(outcome), repr(outcome)
        outcome.encode("utf-8")  # printable to any UTF-8 report: no lone surrogates
    else:
        outcome = messages
        assert messages, "load_path returned no messages instead of an InputError"
        for message in messages:
            assert isinstance(message, Message) and message.path == path and message.blocks
            for block in message.blocks:
                assert isinstance(block.text, str) and block.text.strip()
                block.text.encode("utf-8"), (block.speaker or "").encode("utf-8")  # no lone surrogates
                assert block.line >= 1 and block.column >= 1, (block.line, block.column)
                assert all(n >= 1 for n in block.line_offsets)
    elapsed = time.perf_counter() - start
    assert elapsed < seconds, f"{path}: {elapsed:.1f}s (limit {seconds}s)"
    return outcome


def write(directory, name: str, data: bytes) -> str:
    path = os.path.join(str(directory), name)
    with open(path, "wb") as fh:
        fh.write(data)
    return path

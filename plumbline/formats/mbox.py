"""Mailbox files (.mbox): one Message per email, each read like an .eml.

We split on `From ` separator lines ourselves rather than use `mailbox.mbox`, because
findings must point at lines of the .mbox file and `mailbox` only keeps byte offsets in a
private table of contents. A separator is a line starting `From ` followed by a sender and
a date with a time, at the start of the file or after a blank line (mboxo/mboxrd); body
lines escaped as `>From ` are unescaped so they do not read as quoted text.
`Message.index` is the entry number, starting at 0.
"""
from __future__ import annotations

import re

from plumbline.formats.email import MERGE_TAGS, file_lines, read_message  # noqa: F401  (MERGE_TAGS: same as .eml)
from plumbline.model import InputError, Message

EXTENSIONS = {".mbox", ".mbx"}

# "From sender asctime-date": a time, then a year after it. Matched in three linear steps, not
# as one `From \S+\s.*TIME.*YEAR` regex, whose two `.*` make a long line cost its length cubed.
_SEPARATOR_START = re.compile(rb"From \S+\s")
_TIME = re.compile(rb"\d{1,2}:\d{2}(?::\d{2})?\b")
_YEAR = re.compile(rb"\b\d{4}\b")
MAX_SEPARATOR = 1000  # a separator is one short line; a longer line is never one
_ESCAPED_FROM = re.compile(rb"^>(>*From )")


def sniff(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    return is_separator(first.encode("utf-8", "surrogateescape"))


def is_separator(line: bytes) -> bool:
    if len(line) > MAX_SEPARATOR:
        return False
    start = _SEPARATOR_START.match(line)
    time = start and _TIME.search(line, start.end())
    return bool(time and _YEAR.search(line, time.end()))


def load(source, options) -> list[Message]:
    lines = file_lines(source.data)
    starts = separators(lines)
    if not starts or starts[0] != _first_content(lines):
        raise InputError(source.path, "not an mbox: the first line must be a 'From sender date' separator")
    unescaped = [_ESCAPED_FROM.sub(rb"\1", line) for line in lines]
    messages = []
    for index, (start, end) in enumerate(zip(starts, starts[1:] + [len(lines)])):
        try:
            messages.append(read_message(source.path, unescaped, start + 1, end, options, index=index))
        except InputError as exc:
            raise InputError(source.path, f"entry {index + 1}: {exc.problem}") from None
    return messages


def separators(lines: list[bytes]) -> list[int]:
    return [i for i, line in enumerate(lines) if is_separator(line) and (i == 0 or not lines[i - 1].strip())]


def _first_content(lines: list[bytes]) -> int:
    return next((i for i, line in enumerate(lines) if line.strip()), 0)

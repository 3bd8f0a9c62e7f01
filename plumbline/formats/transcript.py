"""Plain-text transcripts and call scripts: `Speaker: text` turns.

Accepted turn headers (timestamps optional and dropped):
    Dana: text                  [00:01:23] Dana: text        Dana (00:12): text
    Speaker 1 (00:12)           <- header alone on its line, the turn's text follows
Lines after a header without one of their own continue the current turn.

A short preamble before the first turn (at most three short lines: a title such as
`Discovery call — Acme / Northwind, 12 March`, a `# Call notes` heading, a date) is allowed:
nobody said it, so it is never judged; it is kept as the message's `title` metadata. So that
an email or note with a `Pricing: …` line or two is not taken for a call, a file with a
preamble needs a conversation: three turns or more, two speakers, one of them speaking twice.

Speaker labels may be lowercase, as ASR and meeting tools export them (`agent:`, `customer:`,
`spk_0:`, `speaker 1:`; `SPEAKER_00:` is capitalised already): one word of two letters or more
(not `c:` or `q:`), optionally followed by a number. A lowercase `word:` is also how notes are
written (`pricing: $40 per seat`), so a file whose labels include a lowercase one is a
transcript only if it holds a conversation, preamble or not.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

from plumbline.model import Block, InputError, Message

EXTENSIONS: set[str] = set()  # recognised by content, whatever the extension
MERGE_TAGS = True  # templates and call scripts: {{ first_name }} becomes a neutral word

_TS = r"(?:\[?\(?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\)?\]?)"
_NAME = r"(?P<name>[A-Z][\w.'’-]*(?: [A-Z0-9][\w.'’-]*){0,3}|[a-z][\w'’-]+(?: \d{1,3})?)"
_TURN = re.compile(rf"^\s*(?:{_TS}\s*)?{_NAME}\s*(?:{_TS}\s*)?:\s?(?P<text>.*)$")
_HEADER_ONLY = re.compile(rf"^\s*(?:{_TS}\s*)?{_NAME}\s*{_TS}\s*$")
_NOT_SPEAKERS = {"subject", "from", "to", "cc", "bcc", "date", "note", "notes", "ps", "p.s", "re", "fwd", "fw", "fyi",
                 "nb", "http", "https", "mailto", "tel", "phone", "email", "webvtt", "edit", "update"}


def _turn_header(line: str) -> tuple[str, str] | None:
    match = _TURN.match(line) or _HEADER_ONLY.match(line)
    if not match:
        return None
    name = match.group("name").strip()
    if name.casefold() in _NOT_SPEAKERS:
        return None
    return name, (match.groupdict().get("text") or "")


def _capitalised_header(line: str) -> tuple[str, str] | None:
    header = _turn_header(line)
    return header if header and not lowercase_label(header[0]) else None


def turn_reader(lines: Iterable[str]) -> Callable[[str], tuple[str, str] | None]:
    """The turn-header test for one file. Lowercase labels are turns only in a file whose first
    label is lowercase: in a `Dana:` / `Sam:` call, a `pricing: $40` line is Dana still talking."""
    first = next((header for header in map(_turn_header, lines) if header), None)
    return _turn_header if first is None or lowercase_label(first[0]) else _capitalised_header


MAX_PREAMBLE_LINES = 3
MAX_PREAMBLE_WORDS = 15
_HEADING = re.compile(r"^\s*#{1,6}\s+")


def sniff(head: str) -> bool:
    lines = [line for line in head.split("\n") if line.strip()]
    first = next((i for i, line in enumerate(lines[: MAX_PREAMBLE_LINES + 1]) if _turn_header(line)), None)
    if first is None:
        return False
    header = turn_reader(lines[first : first + 1])
    names = [found[0] for found in map(header, lines[first : first + 50]) if found]
    if first == 0 and not any(lowercase_label(name) for name in names):
        return len(names) >= 2
    if any(len(line.split()) > MAX_PREAMBLE_WORDS for line in lines[:first]):
        return False
    return is_conversation(names)


def lowercase_label(name: str) -> bool:
    return not name[:1].isupper()


def is_conversation(names: list[str]) -> bool:
    """Three turns or more, two speakers, one of them speaking twice."""
    return len(names) >= 3 and len(set(names)) >= 2 and len(set(names)) < len(names)


def load(source, options) -> list[Message]:
    from plumbline.formats import check_reps

    check_reps(source.path, speakers(source.text), options)
    blocks: list[Block] = []
    speaker, start, lines = None, 0, []

    def close():
        if speaker is not None and any(part.strip() for part in lines):
            text = "\n".join(lines)
            offset = len(text) - len(text.lstrip())
            first = start + text[:offset].count("\n")
            col = 1 + (len(text[:offset].split("\n")[-1]) if offset else 0) + (first_col if first == start else 0)
            blocks.append(Block(text=text.strip(), line=first + 1, column=col, speaker=speaker, judged=options.is_rep(speaker)))

    first_col = 0
    lines_of_file = source.text.split("\n")
    turn_header = turn_reader(lines_of_file)
    for number, line in enumerate(lines_of_file):
        header = turn_header(line)
        if header:
            close()
            speaker, said = header
            start, lines = number, [said]
            first_col = len(line) - len(said) if said else 0
        elif speaker is not None:
            lines.append(line)
    close()
    if not blocks:
        raise InputError(source.path, "no speaker turns found in transcript")
    title = _preamble(source.text)
    return [Message(path=source.path, blocks=tuple(blocks), kind="transcript", metadata={"title": title} if title else {})]


def _preamble(text: str) -> str:
    """The lines before the first turn (a title, a heading), without Markdown heading marks."""
    lines, all_lines = [], text.split("\n")
    turn_header = turn_reader(all_lines)
    for line in all_lines:
        if turn_header(line):
            break
        if line.strip():
            lines.append(" ".join(_HEADING.sub("", line).split()))
        if len(lines) > MAX_PREAMBLE_LINES:
            return ""  # not a preamble sniff accepts: no title
    return " / ".join(line for line in lines if line)


def speakers(text: str) -> list[str]:
    seen: dict[str, None] = {}
    lines = text.split("\n")
    turn_header = turn_reader(lines)
    for line in lines:
        header = turn_header(line)
        if header:
            seen.setdefault(header[0])
    return list(seen)

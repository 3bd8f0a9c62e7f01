"""Plain-text transcripts and call scripts: `Speaker: text` turns.

Accepted turn headers (timestamps optional and dropped):
    Dana: text                  [00:01:23] Dana: text        Dana (00:12): text
    Speaker 1 (00:12)           <- header alone on its line, the turn's text follows
Lines after a header without one of their own continue the current turn.
"""
from __future__ import annotations

import re

from plumbline.model import Block, InputError, Message

EXTENSIONS: set[str] = set()  # recognised by content, whatever the extension
MERGE_TAGS = True  # templates and call scripts: {{ first_name }} becomes a neutral word

_TS = r"(?:\[?\(?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\)?\]?)"
_NAME = r"(?P<name>[A-Z][\w.'’-]*(?: [A-Z0-9][\w.'’-]*){0,3})"
_TURN = re.compile(rf"^\s*(?:{_TS}\s*)?{_NAME}\s*(?:{_TS}\s*)?:\s?(?P<text>.*)$")
_HEADER_ONLY = re.compile(rf"^\s*(?:{_TS}\s*)?{_NAME}\s*{_TS}\s*$")
_NOT_SPEAKERS = {"subject", "from", "to", "cc", "date", "note", "ps", "p.s", "re", "fwd", "http", "https", "tel", "phone", "email", "webvtt"}


def _turn_header(line: str) -> tuple[str, str] | None:
    match = _TURN.match(line) or _HEADER_ONLY.match(line)
    if not match:
        return None
    name = match.group("name").strip()
    if name.casefold() in _NOT_SPEAKERS:
        return None
    return name, (match.groupdict().get("text") or "")


def sniff(head: str) -> bool:
    lines = [line for line in head.split("\n") if line.strip()]
    if not lines or _turn_header(lines[0]) is None:
        return False
    return sum(1 for line in lines[:50] if _turn_header(line)) >= 2


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
    for number, line in enumerate(source.text.split("\n")):
        header = _turn_header(line)
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
    return [Message(path=source.path, blocks=tuple(blocks), kind="transcript")]


def speakers(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for line in text.split("\n"):
        header = _turn_header(line)
        if header:
            seen.setdefault(header[0])
    return list(seen)

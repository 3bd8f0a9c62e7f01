"""WebVTT captions (.vtt) from meeting recorders (Teams, Zoom, Meet): speaker turns.

Parsed by webvtt-py in strict mode (a cue block it cannot read is an error, not silently
skipped); timing lines it would skip (`00:01.000 -> 00:02.000`) we reject ourselves.
webvtt-py keeps no line numbers, so captions.py pairs each cue with the lines after its
timing line. Speakers come from `<v Name>` voice tags or `Name:` prefixes.
"""
from __future__ import annotations

import re

from plumbline.formats import require
from plumbline.formats.captions import cue_lines, timing_lines, turns_to_blocks
from plumbline.model import InputError, Message

EXTENSIONS = {".vtt", ".webvtt"}

_TIMESTAMP = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s+-->\s+{_TIMESTAMP}(?:\s.*)?$")
_LOOKS_LIKE_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s*(?:-|–|—|=)")


def sniff(head: str) -> bool:
    return head.lstrip("\ufeff").startswith("WEBVTT")


def load(source, options) -> list[Message]:
    webvtt = require(source.path, "webvtt", "webvtt-py")
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    lines = source.text.lstrip("\ufeff").split("\n")
    if not re.match(r"WEBVTT(?:[ \t].*)?$", lines[0].rstrip()):
        raise InputError(source.path, "line 1: a WebVTT file must start with 'WEBVTT'")
    _check_timings(source.path, lines)
    try:
        captions = list(webvtt.from_string(source.text.lstrip("\ufeff"), strict=True))
    except (MalformedCaptionError, MalformedFileError) as exc:
        raise InputError(source.path, f"malformed WebVTT: {_first_line(exc)}") from None
    timings = timing_lines(lines)
    if not captions:
        raise InputError(source.path, "no cues found (expected 'start --> end' timing lines)")
    if len(timings) != len(captions):
        raise InputError(source.path, f"found {len(timings)} timing lines but could read {len(captions)} cues")
    cues = [cue_lines(source.path, lines, timing, caption.lines) for timing, caption in zip(timings, captions)]
    blocks = turns_to_blocks(source.path, cues, options)
    return [Message(path=source.path, blocks=tuple(blocks), kind="transcript")] if blocks else []


def _check_timings(path: str, lines: list[str]) -> None:
    for number, line in enumerate(lines, 1):
        if ("-->" in line and not _TIMING.match(line)) or ("-->" not in line and _LOOKS_LIKE_TIMING.match(line)):
            raise InputError(path, f"line {number}: malformed cue timing {line.strip()[:60]!r}")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:120] if text else type(exc).__name__

"""SubRip subtitles (.srt) of recorded calls: `Name:` prefixes in cue text give the speaker.

Parsed by the `srt` package (strict: unparseable content is an error with its line);
it keeps no line numbers, so captions.py pairs each subtitle with the lines after its
timing line.
"""
from __future__ import annotations

import re

from plumbline.formats import require
from plumbline.formats.captions import cue_lines, timing_lines, turns_to_blocks
from plumbline.model import InputError, Message

EXTENSIONS = {".srt"}

_SNIFF = re.compile(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s+-->")
_CHAR = re.compile(r"at char (\d+)")  # where the unparseable content starts


def sniff(head: str) -> bool:
    return bool(_SNIFF.match(head.lstrip("\ufeff")))


def load(source, options) -> list[Message]:
    srt = require(source.path, "srt", "srt")

    text = source.text.lstrip("\ufeff")
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as exc:
        match = _CHAR.search(str(exc))
        where = f"line {text.count(chr(10), 0, int(match.group(1))) + 1}: " if match else ""
        raise InputError(source.path, f"{where}not a subtitle block (expected an index line, then 'start --> end')") from None
    except (ValueError, TypeError) as exc:  # srt raises these for impossible timestamps
        raise InputError(source.path, f"malformed SRT timing: {exc}") from None
    if not subtitles:
        raise InputError(source.path, "no subtitles found")
    lines = text.split("\n")
    timings = timing_lines(lines)
    if len(timings) != len(subtitles):
        raise InputError(source.path, f"found {len(timings)} timing lines but could read {len(subtitles)} subtitles")
    cues = [
        cue_lines(source.path, lines, timing, subtitle.content.split("\n") if subtitle.content else [])
        for timing, subtitle in zip(timings, subtitles)
    ]
    blocks = turns_to_blocks(source.path, cues, options)
    return [Message(path=source.path, blocks=tuple(blocks), kind="transcript")] if blocks else []

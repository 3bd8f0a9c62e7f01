"""What WebVTT and SRT captions share: finding cue text lines and turning cues into turns.

Caption parsers (webvtt-py, srt) give cue text but not where it is in the file, so we find
each cue's text lines ourselves: the lines right after its `start --> end` timing line, in
the same order the parser returns cues. Each line of cue text keeps its file line.

A speaker is named by a WebVTT voice tag (`<v Dana Ruiz>`) or a `Name:` prefix (the same
rule as plain transcripts); a cue without one continues the previous speaker, as captioners
only label changes. Consecutive cues of one speaker become one Block. Cues before the first
label, in a file that has labels, are nobody we know: kept, not judged.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from plumbline.formats import check_reps
from plumbline.formats.transcript import _turn_header
from plumbline.model import Block, InputError

_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+?)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>\n]*>")
_DIALOGUE_DASH = re.compile(r"^(?:-|>>)\s*")


@dataclass(frozen=True)
class CueLine:
    text: str
    line: int  # 1-based line in the file
    column: int
    speaker: str | None  # named on this line, None when not named


def timing_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if "-->" in line]


def cue_lines(path: str, lines: list[str], timing: int, cue_text: list[str]) -> list[CueLine]:
    """Pair a parsed cue's text lines with the file lines after its timing line."""
    out = []
    for k, raw in enumerate(cue_text):
        number = timing + 1 + k
        if number >= len(lines) or lines[number].strip() != raw.strip():
            raise InputError(path, f"line {timing + 1}: cue text does not follow its timing line")
        out.append(_parse_line(lines[number], number + 1))
    return out


def _parse_line(raw: str, number: int) -> CueLine:
    speaker = None
    voice = _VOICE.search(raw)
    if voice:
        speaker = voice.group(1).strip()
    text = html.unescape(_TAG.sub("", raw))
    text = _DIALOGUE_DASH.sub("", text.lstrip())
    if not voice:
        header = _turn_header(text)
        if header and header[1].strip():
            speaker, text = header
    text = " ".join(text.split())
    found = raw.find(text.split(" ")[0]) if text else -1
    return CueLine(text=text, line=number, column=found + 1 if found >= 0 else 1, speaker=speaker)


def turns_to_blocks(path: str, cues: list[list[CueLine]], options) -> list[Block]:
    """Resolve speakers, refuse transcripts without a rep, and merge a speaker's consecutive cues."""
    speaker: str | None = None
    said: list[tuple[str | None, CueLine]] = []
    for cue in cues:
        for line in cue:
            speaker = line.speaker or speaker
            if line.text:
                said.append((speaker, line))
    check_reps(path, (s for s, _ in said), options)
    labelled = any(s for s, _ in said)  # then an unlabelled opening cue is nobody we know
    blocks: list[Block] = []
    start = 0
    for end in range(1, len(said) + 1):
        if end < len(said) and said[end][0] == said[start][0]:
            continue
        run = [line for _, line in said[start:end]]
        who = said[start][0]
        blocks.append(Block(
            text="\n".join(line.text for line in run), line=run[0].line, column=run[0].column, speaker=who,
            judged=options.is_rep(who) if who else not labelled, line_offsets=tuple(line.line for line in run),
            line_columns=tuple(line.column for line in run),
        ))
        start = end
    return blocks

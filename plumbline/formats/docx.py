"""Word call scripts (.docx): a rep's script, or a script written as `Speaker: text` turns.

Read with python-docx. A .docx has no lines, so "line" is the paragraph number: every
paragraph in reading order counts, empty ones and those inside table cells included (a
table is read row by row, cell by cell), starting at 1. When at least two paragraphs start
with `Name:` (the rule of plain transcripts), the script is a dialogue: each such paragraph
starts a turn, following paragraphs continue it, and --rep picks the rep. Otherwise the
whole document is one rep's message, one Block per paragraph. Headings (styles "Title",
"Heading N") are section names, not things the rep says: kept, not judged.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from plumbline.formats import check_reps, require
from plumbline.formats.transcript import is_conversation, lowercase_label, turn_reader
from plumbline.model import Block, InputError, Message

EXTENSIONS = {".docx"}
MERGE_TAGS = True  # scripts carry {first_name} placeholders too
MAX_UNPACKED = 128 * 1024 * 1024  # a long script with images is a few MB; far more is a zip bomb
MAX_MEMBERS = 10_000


@dataclass(frozen=True)
class Paragraph:
    number: int
    text: str
    heading: bool


def sniff(head: str) -> bool:
    return False  # binary: chosen by extension only


def load(source, options) -> list[Message]:
    paragraphs = read_paragraphs(source.path, source.data)
    turn_header = turn_reader(p.text for p in paragraphs if not p.heading)
    names = [header[0] for p in paragraphs if not p.heading and (header := turn_header(p.text))]
    if len(names) >= 2 and (is_conversation(names) or not any(map(lowercase_label, names))):
        blocks = _dialogue(source.path, paragraphs, options, turn_header)
    else:
        blocks = [_block([p], None, not p.heading) for p in paragraphs if p.text.strip()]
    return [Message(path=source.path, blocks=tuple(blocks), kind="script")] if blocks else []


def read_paragraphs(path: str, data: bytes) -> list[Paragraph]:
    docx = require(path, "docx", "python-docx")
    from docx.opc.exceptions import PackageNotFoundError

    try:
        _check_unpacked_size(path, data)
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile):
        raise InputError(path, "not a Word .docx file (not a valid Office Open XML zip package)") from None
    except (KeyError, ValueError, SyntaxError) as exc:  # lxml's XMLSyntaxError is a SyntaxError
        raise InputError(path, f"damaged .docx: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    paragraphs: list[Paragraph] = []
    for item in _in_reading_order(document, set()):
        style = (item.style.name if item.style is not None else "") or ""
        heading = style == "Title" or style.startswith("Heading")
        paragraphs.append(Paragraph(len(paragraphs) + 1, item.text.replace("\t", " "), heading))
    return paragraphs


def _check_unpacked_size(path: str, data: bytes) -> None:
    """Refuse a zip bomb before python-docx inflates every part into memory.

    The sizes are the ones the zip declares; zipfile never inflates a member past its declared
    size (it stops there and fails the CRC check), so the declared total bounds the memory."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        members = package.infolist()
        if len(members) > MAX_MEMBERS:
            raise InputError(path, f"damaged .docx: {len(members)} parts, over the {MAX_MEMBERS}-part limit")
        unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED:
        raise InputError(path, f".docx unpacks to {unpacked} bytes, over the {MAX_UNPACKED}-byte limit")


def _in_reading_order(container, seen: set):
    """Paragraphs of the body, descending into tables (merged cells are visited once)."""
    from docx.table import Table

    for item in container.iter_inner_content():
        if not isinstance(item, Table):
            yield item
            continue
        for row in item.rows:
            for cell in row.cells:
                if cell._tc in seen:
                    continue
                seen.add(cell._tc)
                yield from _in_reading_order(cell, seen)


def _dialogue(path: str, paragraphs: list[Paragraph], options, turn_header) -> list[Block]:
    turns: list[tuple[str | None, list[Paragraph]]] = []
    for p in paragraphs:
        header = None if p.heading else turn_header(p.text)
        if p.heading:
            turns.append((None, [p]))
        elif header:
            turns.append((header[0], [Paragraph(p.number, header[1], False)]))
        elif turns and turns[-1][0] is not None and p.text.strip():
            turns[-1][1].append(p)
    check_reps(path, (who for who, _ in turns if who), options)
    return [_block(ps, who, who is not None and options.is_rep(who)) for who, ps in turns if _said(ps)]


def _said(paragraphs: list[Paragraph]) -> bool:
    return any(p.text.strip() for p in paragraphs)


def _block(paragraphs: list[Paragraph], speaker: str | None, judged: bool) -> Block:
    lines, offsets = [], []
    for p in paragraphs:
        for part in p.text.split("\n"):
            if part.strip():
                lines.append(part.strip())
                offsets.append(p.number)
    return Block(text="\n".join(lines), line=offsets[0], speaker=speaker, judged=judged, line_offsets=tuple(offsets))

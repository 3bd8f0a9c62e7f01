"""CRM email exports (.csv, .jsonl): one email per row, as HubSpot, Salesforce, Outreach
and Salesloft write them (body, sender, recipient, date, subject).

Each row becomes a Message of kind "email", read like an .eml body: an HTML body through
html.py's visible text, then the reply rules (quoted history, signatures) of reply.py, and a
sender who is not a rep (--rep, --rep-domain) leaves the row unjudged with a note. Columns are
found by export_columns.py. Findings point at the row: `line` is the row's first line in the
file (a CSV cell may span lines), `column` counts within the line of the body it is on. A row
without body text is skipped; an export with no body at all is an error.
"""
from __future__ import annotations

import csv
import io
import json
import re
from email.utils import parseaddr

from plumbline.formats.export_columns import MappingError, columns_for
from plumbline.formats.html import VisibleLine, blocks_from_lines, visible_lines
from plumbline.model import InputError, Message

EXTENSIONS = {".csv", ".jsonl", ".ndjson"}
MERGE_TAGS = True  # sequences exported with their {{ first_name }} tags
_DELIMITERS = (",", ";", "\t", "|")
csv.field_size_limit(64 * 1024 * 1024)  # a long HTML body in one cell; the file is capped by --max-bytes


def sniff(head: str) -> bool:
    return False  # chosen by extension only: a CSV looks like plain text


def load(source, options) -> list[Message]:
    jsonl = source.suffix in {".jsonl", ".ndjson"}
    rows = _jsonl_rows(source.path, source.text) if jsonl else _csv_rows(source.path, source.text, source.suffix)
    header = next(rows, None)
    if header is None:
        raise InputError(source.path, "no header row" if not jsonl else "no JSON object rows")
    try:
        columns = columns_for(header, options.columns, need_sender=options.selects_reps)
    except MappingError as exc:
        raise InputError(source.path, str(exc)) from None
    messages = []
    for index, (line, row) in enumerate(rows):
        message = _message(source.path, line, index, row, columns, options)
        if message is not None:
            messages.append(message)
    return messages


def _csv_rows(path: str, text: str, suffix: str):
    """The header (column names), then (first line, {column: value}) per record."""
    first = text.split("\n", 1)[0]
    delimiter = "\t" if suffix == ".tsv" else max(_DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    yield header
    end = reader.line_num
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in record):
                yield start, dict(zip(header, record))
    except csv.Error as exc:
        raise InputError(path, f"line {reader.line_num}: malformed CSV ({exc})") from None


def _jsonl_rows(path: str, text: str):
    """Like _csv_rows for JSON lines: the keys of every object (nested objects as dotted keys)."""
    rows = []
    for number, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise InputError(path, f"line {number}: not a JSON object ({exc})") from None
        if not isinstance(value, dict):
            raise InputError(path, f"line {number}: not a JSON object")
        rows.append((number, _flat(value)))
    if not rows:
        return
    yield list(dict.fromkeys(key for _, row in rows for key in row))
    yield from rows


def _flat(value: dict, prefix: str = "", depth: int = 0) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and depth < 3:
            out.update(_flat(item, name + ".", depth + 1))
        elif isinstance(item, list):
            out[name] = ", ".join(str(v) for v in item if isinstance(v, (str, int, float)))
        elif item is not None:
            out[name] = item if isinstance(item, str) else str(item)
    return out


def _message(path, line, index, row, columns, options) -> Message | None:
    from plumbline.formats.email import from_rep, not_a_rep_note

    cell = lambda field: (row.get(columns[field]) or "").strip() if field in columns else ""  # noqa: E731
    body, html_body = cell("body"), cell("html_body")
    lines = _body_lines(body, line) if body else _html_lines(html_body, line)
    if not lines:
        return None
    name, address = _sender(cell("sender"))
    name = cell("sender_name") or name
    is_rep = not options.selects_reps or from_rep(options, name, address or None)
    from plumbline.formats import reply

    judged = [is_rep and verdict == reply.BODY for verdict in reply.classify(lines)]
    metadata = {key: cell(field) for key, field in (("From", "sender"), ("To", "recipient"), ("Date", "date"),
                                                   ("Subject", "subject"), ("Message-ID", "id")) if cell(field)}
    if name and address:
        metadata["From"] = f"{name} <{address}>"
    elif name:
        metadata["From"] = name
    notes = () if is_rep else (not_a_rep_note(name, address),)
    return Message(path=path, blocks=tuple(blocks_from_lines(lines, judged)), kind="email", index=index,
                   sender=address or None, metadata=metadata, notes=notes)


_NAME_ADDRESS = re.compile(r"^(.*?)<\s*([^<>\s]+@[^<>\s]+)\s*>\s*$")


def _sender(value: str) -> tuple[str | None, str | None]:
    """(name, address) from `Name <addr>` (also "Lee, Sam <addr>", which parseaddr splits at the
    comma), a bare address, or a bare name (an owner column)."""
    match = _NAME_ADDRESS.match(value)
    if match:
        return match.group(1).strip().strip('"') or None, match.group(2)
    if "@" in value and " " not in value.strip():
        return None, value.strip()
    name, address = parseaddr(value)
    return (name or value or None), (address if "@" in address else None)


def _body_lines(body: str, line: int) -> list[VisibleLine]:
    if "<" in body and visible_lines(body) and _looks_like_html(body):
        return _html_lines(body, line)
    lines, block = [], 0
    for text in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not text.strip():
            block += 1
            continue
        lines.append(VisibleLine(text.strip(), line, 1, block))
    return lines


def _looks_like_html(body: str) -> bool:
    lowered = body.lower()
    return any(tag in lowered for tag in ("<p", "<br", "<div", "<html", "<table", "<span", "<body"))


def _html_lines(html_body: str, line: int) -> list[VisibleLine]:
    return [VisibleLine(v.text, line, 1, v.block, v.quoted) for v in visible_lines(html_body)] if html_body else []

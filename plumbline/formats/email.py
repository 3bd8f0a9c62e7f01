"""Emails (.eml): the rep's own words, with quoted history and signatures kept unjudged.

Headers are parsed by the standard library (`policy.default`, so encoded words are decoded);
From, To, Cc, Date, Subject and Message-ID go into `Message.metadata` and the From address
becomes `Message.sender`. The body is the first inline text/plain part, else the first
text/html part read through html.py's visible-text extraction. Quoted replies, forwarded
history, signatures and disclaimers become Blocks with judged=False (see reply.py).

Line numbers are lines of the .eml file. For 7bit/8bit and quoted-printable parts each line
maps exactly (see mime.py); a base64 part cannot be mapped line by line, so all its text
points at the part's first body line.

With --rep/--rep-pattern, an email whose From (name or address) is not a rep is loaded with
every block judged=False: it is the prospect writing, not the rep.
"""
from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.utils import parseaddr

from plumbline.formats import mime, reply
from plumbline.formats.html import VisibleLine, blocks_from_lines, visible_lines
from plumbline.model import InputError, Message

EXTENSIONS = {".eml"}
MERGE_TAGS = True
METADATA_HEADERS = ("From", "To", "Cc", "Date", "Subject", "Message-ID")

_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):")
_KNOWN = {
    "from", "to", "cc", "bcc", "date", "subject", "message-id", "received", "return-path", "mime-version",
    "reply-to", "sender", "delivered-to", "content-type", "content-transfer-encoding", "in-reply-to",
    "references", "dkim-signature", "authentication-results", "thread-topic", "thread-index", "importance",
}
_ANCHORS = {"from", "date", "received", "message-id", "mime-version", "return-path", "delivered-to"}


def sniff(head: str) -> bool:
    """RFC 822 headers: the first line is one, and at least two known ones, one of them From/Date/Received…"""
    names: list[str] = []
    for line in head.split("\n"):
        if not line.strip():
            break
        if line[:1] in (" ", "\t") and names:
            continue
        match = _HEADER.match(line)
        if not match:
            break
        names.append(match.group(1).lower())
    known = [n for n in names if n in _KNOWN or n.startswith(("x-", "arc-"))]
    return bool(names) and names[0] in known and len(known) >= 2 and bool(_ANCHORS & set(known))


def load(source, options) -> list[Message]:
    lines = file_lines(source.data)
    return [read_message(source.path, lines, 0, len(lines), options)]


def file_lines(data: bytes) -> list[bytes]:
    """Raw lines, split exactly as decode_text splits text, so indices are the file's lines."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.splitlines(keepends=True)


def read_message(path: str, lines: list[bytes], start: int, end: int, options, index: int = 0) -> Message:
    """One email from lines[start:end] (a whole .eml, or one mbox entry)."""
    while start < end and not lines[start].strip():
        start += 1
    if start >= end or not mime.is_header_line(lines[start]):
        raise InputError(path, f"line {start + 1}: no email headers (expected 'From:', 'Subject:' …)")
    top = mime.parse_entity(lines, start, end, path)
    leaf = mime.text_body(top)
    if leaf is None:
        raise InputError(path, f"line {start + 1}: email has no text/plain or text/html body")
    body = mime.decode(lines, leaf, path)
    visible = _visible_lines(body)
    verdicts = reply.classify(visible)
    name, address = _sender(top.headers)
    is_rep = not options.selects_reps or from_rep(options, name, address)
    judged = [is_rep and verdict == reply.BODY for verdict in verdicts]
    blocks = tuple(blocks_from_lines(visible, judged))
    notes = () if is_rep else (not_a_rep_note(name, address),)
    return Message(path=path, blocks=blocks, kind="email", index=index, sender=address,
                   metadata=_metadata(top.headers), notes=notes)


def _visible_lines(body: mime.DecodedText) -> list[VisibleLine]:
    if body.content_type == "text/html":
        last = len(body.line_map) - 1
        return [
            VisibleLine(line.text, body.line_map[min(line.line - 1, last)], line.column, line.block, line.quoted)
            for line in visible_lines(body.text)
        ]
    lines, block = [], 0
    for k, text in enumerate(body.text.split("\n")):
        stripped = text.strip()
        if not stripped:
            block += 1
            continue
        column = 1 + len(text) - len(text.lstrip())
        lines.append(VisibleLine(stripped, body.line_map[min(k, len(body.line_map) - 1)], column, block))
    return lines


def from_rep(options, name: str | None, address: str | None) -> bool:
    return any(options.is_rep(who) for who in sender_identities(name, address))


def not_a_rep_note(name: str | None, address: str | None) -> str:
    return f"not judged: from {address or name or 'an unnamed sender'}, not a rep (--rep/--rep-pattern/--rep-domain)"


def sender_identities(name: str | None, address: str | None) -> tuple[str, ...]:
    """What --rep can match for a sender: the display name ("Lee, Sam" read as Sam Lee), the
    address (whose domain --rep-domain matches), and the address's local part ("sam.lee" is Sam Lee)."""
    local = re.sub(r"[._-]+", " ", address.split("@")[0]) if address else None
    if name and name.count(",") == 1:  # Outlook's "Lee, Sam"
        name = " ".join(part.strip() for part in reversed(name.split(",")))
    return tuple(who for who in (name, address, local) if who)


def _sender(headers) -> tuple[str | None, str | None]:
    try:
        value = _header(headers, "From")
        if isinstance(value, str):  # a long, token-heavy From: read linearly
            name, address = parseaddr(value)
            return name or None, address or None
        addresses = value.addresses if value is not None else ()
    except Exception:  # a malformed From header is a defect, not a reason to reject the email
        addresses = ()
    if not addresses:
        return None, None
    return (addresses[0].display_name or None), (addresses[0].addr_spec or None)


def _metadata(headers) -> dict[str, str]:
    metadata = {}
    for name in METADATA_HEADERS:
        try:
            value = _header(headers, name)
        except Exception:
            value = None
        if value is not None:
            metadata[name] = " ".join(str(value).split())
    return metadata


def _header(headers, name: str):
    """headers[name] as the standard library parses it; but a header with many tokens (a To of
    hundreds of recipients, or 30 KB of '"a"a…') would take its quadratic parser seconds to
    minutes, so its raw value is returned instead, encoded words decoded, which is read in
    linear time (and which `email.utils.getaddresses`, as contacts uses, reads the same)."""
    raw = next((value for key, value in headers.raw_items() if key.lower() == name.lower()), None)
    if raw is None or mime.simple_header(raw):
        return headers[name]
    try:
        return str(make_header(decode_header(raw)))
    except Exception:  # unknown charset, 8-bit bytes: the raw text, as readable as it gets
        return raw.encode("ascii", "surrogateescape").decode("utf-8", "replace")

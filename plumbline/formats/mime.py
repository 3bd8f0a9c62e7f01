"""Find an email's text body and the source line of every line of it.

The standard library's `email` package decodes bodies well but forgets where they were in
the file, and findings must point at the .eml (or .mbox) line. So we walk the MIME tree
ourselves over the raw lines, only to learn each part's line range, and let `email` (with
`policy.default`) parse each header block and decode each chosen part.

Line mapping per Content-Transfer-Encoding:
* 7bit / 8bit / binary: decoded line k is raw body line k: exact.
* quoted-printable: a decoded line starts on the raw line after the previous hard line
  break (soft breaks, `=` at the end of a line, join raw lines): exact for mail text.
* base64 (or anything whose decoded line count cannot be matched to the raw lines): every
  decoded line maps to the part's first body line, the best that can be said.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from plumbline.model import InputError

MAX_DEPTH = 20
MAX_PARTS = 1000  # per message; real mail has a few dozen at most
# The standard library's header parser (policy.default) is quadratic in a header's tokens
# (quotes, comments, separators, runs of spaces), and re-parses a header on every access: a
# Content-Type of 8 KB of commas took seconds. A header we read may be at most MAX_HEADER
# bytes; the MIME headers that steer parsing may hold at most MAX_TOKENS tokens (a real one
# holds a dozen). Long address and subject headers are read linearly instead (email.py).
MAX_HEADER = 64 * 1024
MAX_TOKENS = 100
STRUCTURAL_HEADERS = {b"content-type", b"content-disposition", b"content-transfer-encoding"}
READ_HEADERS = STRUCTURAL_HEADERS | {b"from", b"to", b"cc", b"date", b"subject", b"message-id"}
_TOKEN = re.compile(r'[()<>@,;:\\"/\[\]?=.*\x27]|\s+')
_HEADER_NAME = set(b"!\"#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~")


@dataclass
class Part:
    """One MIME entity: its parsed headers and the [start, end) range of its body lines."""

    headers: EmailMessage
    header_start: int
    body_start: int
    body_end: int
    children: list["Part"] = field(default_factory=list)

    def leaves(self):
        if not self.children:
            yield self
        for child in self.children:
            yield from child.leaves()


@dataclass(frozen=True)
class DecodedText:
    text: str
    content_type: str
    line_map: tuple[int, ...]  # 1-based source line of each decoded line


def is_header_line(line: bytes) -> bool:
    name, colon, _ = line.partition(b":")
    return bool(colon) and bool(name) and all(byte in _HEADER_NAME for byte in name)


def parse_entity(lines: list[bytes], start: int, end: int, path: str, depth: int = 0, count: list[int] | None = None) -> Part:
    if depth > MAX_DEPTH:
        raise InputError(path, f"MIME parts nested more than {MAX_DEPTH} deep")
    count = count if count is not None else [0]  # entities parsed so far in this message
    count[0] += 1
    if count[0] > MAX_PARTS:
        raise InputError(path, f"line {start + 1}: more than {MAX_PARTS} MIME parts in one message")
    cursor = start
    while cursor < end and (is_header_line(lines[cursor]) or (cursor > start and lines[cursor][:1] in (b" ", b"\t"))):
        cursor += 1
    body_start = cursor + 1 if cursor < end and not lines[cursor].strip() else cursor
    check_headers(lines, start, cursor, path)
    headers = BytesParser(policy=policy.default).parsebytes(b"".join(lines[start:cursor]) + b"\n", headersonly=True)
    part = Part(headers, start, body_start, end)
    if headers.get_content_maintype() == "multipart":
        part.children = _children(lines, part, path, depth, count)
    return part


def check_headers(lines: list[bytes], start: int, end: int, path: str) -> None:
    """Refuse a header we read that is too long, or a MIME header too tangled to parse in time."""
    k = start
    while k < end:
        first, k = k, k + 1
        while k < end and lines[k][:1] in (b" ", b"\t"):
            k += 1
        name = lines[first].partition(b":")[0].strip().lower()
        if name not in READ_HEADERS:
            continue
        size = sum(len(line) for line in lines[first:k])
        shown = name.decode("ascii", "replace").title()
        if size > MAX_HEADER:
            raise InputError(path, f"line {first + 1}: {shown} header is {size} bytes, over the {MAX_HEADER}-byte limit")
        if name in STRUCTURAL_HEADERS and not simple_header(b"".join(lines[first:k]).decode("latin-1")):
            raise InputError(path, f"line {first + 1}: malformed {shown} header (over {MAX_TOKENS} quotes, "
                                   "comments, separators or spaces)")


def simple_header(value: str) -> bool:
    """Whether the standard library parses this header value in little time (few tokens)."""
    count = 0
    for _ in _TOKEN.finditer(value):
        count += 1
        if count > MAX_TOKENS:
            return False
    return True


def _children(lines: list[bytes], part: Part, path: str, depth: int, count: list[int]) -> list[Part]:
    boundary = part.headers.get_boundary()
    if not boundary:
        raise InputError(path, f"line {part.header_start + 1}: multipart part has no boundary parameter")
    delimiter = b"--" + boundary.encode("utf-8", "surrogateescape")
    marks = [i for i in range(part.body_start, part.body_end) if lines[i].rstrip() in (delimiter, delimiter + b"--")]
    if not marks:
        raise InputError(path, f"line {part.header_start + 1}: multipart boundary {boundary!r} never appears in the body")
    children = []
    for begin, stop in zip(marks, marks[1:] + [part.body_end]):
        if lines[begin].rstrip() == delimiter + b"--":
            break
        children.append(parse_entity(lines, begin + 1, stop, path, depth + 1, count))
    return children


def text_body(top: Part) -> Part | None:
    """The part a reader sees: the first inline text/plain, else the first inline text/html."""
    leaves = [leaf for leaf in top.leaves() if not _is_attachment(leaf.headers)]
    for wanted in ("text/plain", "text/html"):
        for leaf in leaves:
            if leaf.headers.get_content_type() == wanted:
                return leaf
    return None


def _is_attachment(headers: EmailMessage) -> bool:
    return headers.get_content_disposition() == "attachment" or headers.get_filename() is not None


def decode(lines: list[bytes], part: Part, path: str) -> DecodedText:
    """Decode a leaf's body and map each decoded line to its source line (indices are file lines)."""
    raw = lines[part.body_start : part.body_end]
    message = BytesParser(policy=policy.default).parsebytes(b"".join(lines[part.header_start : part.body_start]) + b"".join(raw))
    try:
        text = message.get_content()
    except LookupError as exc:
        raise InputError(path, f"line {part.header_start + 1}: unknown charset ({exc})") from None
    if not isinstance(text, str):
        raise InputError(path, f"line {part.header_start + 1}: body is not text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    body_line = part.body_start + 1
    count = text.count("\n") + 1
    encoding = str(message.get("Content-Transfer-Encoding", "7bit")).strip().lower()
    if encoding in ("7bit", "8bit", "binary") and count <= len(raw) + 1:
        line_map = tuple(body_line + k for k in range(count))
    elif encoding == "quoted-printable":
        starts = [0] + [k + 1 for k, line in enumerate(raw) if not line.rstrip(b"\r\n \t").endswith(b"=")]
        line_map = tuple(body_line + k for k in starts[:count]) if len(starts) >= count else (body_line,) * count
    else:
        line_map = (body_line,) * count
    return DecodedText(text, message.get_content_type(), line_map)

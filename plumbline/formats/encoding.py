"""Decode a text input: UTF-8 (with or without BOM), BOM-marked UTF-16, or, for anything else,
the encoding charset-normalizer finds, so a cp1252 `.txt` saved by Outlook or Excel is read
rather than refused. `--encoding` forces one.

charset-normalizer ranks code pages by how garbled each decoding reads; on short Western text
several tie (cp1250, cp1252, iso8859-15 give the same characters for most bytes), and its first
pick is then arbitrary. Among the tied decodings the Windows code pages win, cp1252 first, as
that is what Office writes on Western machines. The encoding used is reported with the file.
"""
from __future__ import annotations

import codecs

from plumbline.model import InputError

# Windows code pages, cp1252 first: preferred over other decodings that read equally well.
WINDOWS_CODE_PAGES = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258")
_TIE = 0.01  # charset-normalizer "chaos" (share of garbled characters) within which decodings tie
_DETECT_BYTES = 256 * 1024  # detection reads at most this much; the whole file is then decoded


def valid_encoding(name: str) -> str:
    """The codec's canonical name, or ValueError naming the problem (for --encoding)."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}") from None


def decode(path: str, data: bytes, forced: str | None = None) -> tuple[str, str]:
    """(text, encoding used), newlines normalised; InputError when it is not text."""
    if not data.strip():
        raise InputError(path, "file is empty")
    if forced:
        return _forced(path, data, forced), valid_encoding(forced)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _normalise_newlines(data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError:
            raise InputError(path, "invalid UTF-16 text") from None
    if b"\x00" in data[:8192]:
        raise InputError(path, "binary file (contains NUL bytes), not text")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        text, encoding = _detected(path, data, exc)
    if "\x00" in text:
        raise InputError(path, "binary file (contains NUL bytes), not text")
    return _normalise_newlines(text), encoding


def _forced(path: str, data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not valid {encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    return _normalise_newlines(text.lstrip("\ufeff"))


def _detected(path: str, data: bytes, error: UnicodeDecodeError) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:_DETECT_BYTES])
    best = matches.best()
    if best is not None:
        tied = [m for m in matches if m.chaos <= best.chaos + _TIE]
        names = {codecs.lookup(n).name for m in tied for n in (m.encoding, *m.could_be_from_charset)}
        for encoding in (*(cp for cp in WINDOWS_CODE_PAGES if cp in names), best.encoding):
            try:
                return data.decode(encoding), codecs.lookup(encoding).name
            except UnicodeDecodeError:  # detected on the head, but the rest does not fit
                continue
    raise InputError(path, f"not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}) and no other "
                           "encoding fits; re-save as UTF-8 or name it with --encoding")


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")

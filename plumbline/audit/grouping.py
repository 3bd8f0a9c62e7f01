"""Who said it, where it was filed, and when: the three ways an audit groups messages.

- rep: the transcript speaker; else the email sender (From name, or address); else a --rep
  whose full name appears in the last lines of the message (an email signature); else the
  name under a sign-off ("Best,\nKayla Brooks", "Cheers, Sam"); else the file's folder when it
  sits in a sub-folder of the audited directory; else "unknown".
  A name that matches a --rep (full or first name) is spelt the way --rep spells it, so
  "dana@…", "Dana" and "Dana Whitfield" become one rep.
- folder: the file's folder relative to the directory given on the command line (one
  folder per template or sequence is how most exports are laid out).
- month: the message's own date (an email's Date header; a JSON export's recording date; a
  full date in a transcript's title line), else a date in the file name
  (`2025-03-12-call.txt`, `call_20250312.vtt`, `notes-2025-03.md`), else the file's
  modification time (UTC), which says when the file was copied, not written: such messages
  are counted as undated, so the report can say how far to trust the trend.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parseaddr, parsedate_to_datetime

from plumbline.formats import LoadOptions
from plumbline.model import Message

UNKNOWN = "unknown"
TOP_LEVEL = "(top level)"
_SIGNATURE_LINES = 6


@dataclass(frozen=True)
class MessageGroups:
    rep: str
    folder: str
    month: str
    dated: bool = True  # False: the month is the file's modification time


def canonical_rep(name: str | None, options: LoadOptions) -> str | None:
    """The --rep spelling of a name that matches one, else the name itself."""
    if not name or not name.strip():
        return None
    name = " ".join(name.split())
    for rep in options.reps:
        if LoadOptions(reps=(rep,)).is_rep(name):
            return rep
    local = name.split("@", 1)[0].replace(".", " ") if "@" in name else None
    if local:
        for rep in options.reps:
            if LoadOptions(reps=(rep,)).is_rep(local):
                return rep
    return name


def message_groups(message: Message, root: str, options: LoadOptions, mtime: float) -> MessageGroups:
    month, dated = dated_month(message, mtime)
    return MessageGroups(_message_rep(message, root, options), folder_of(message.path, root), month, dated)


def sentence_rep(speaker: str | None, default: str, options: LoadOptions) -> str:
    return canonical_rep(speaker, options) or default


def folder_of(path: str, root: str) -> str:
    parent = os.path.dirname(os.path.abspath(path))
    relative = os.path.relpath(parent, os.path.abspath(root)) if root else parent
    if relative in (".", "") or relative.startswith(".."):
        return TOP_LEVEL
    return relative.replace(os.sep, "/")


def month_of(message: Message, mtime: float) -> str:
    return dated_month(message, mtime)[0]


def dated_month(message: Message, mtime: float) -> tuple[str, bool]:
    """(YYYY-MM in UTC, whether it came from the message or its file name rather than mtime)."""
    metadata = message.metadata or {}
    candidates = [metadata.get("Date"), metadata.get("date")]
    candidates += [_date_in_text(metadata.get("title") or ""), _date_in_file_name(message.path)]
    for text in candidates:
        parsed = parse_date(text) if text else None
        if parsed is not None:
            return parsed.strftime("%Y-%m"), True
    return datetime.fromtimestamp(mtime, tz=timezone.utc).strftime("%Y-%m"), False


_MONTHS = {name: k for k, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_ISO_DAY = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")
_ISO_MONTH = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.](0[1-9]|1[0-2])(?![\d])")


def parse_date(text: str) -> datetime | None:
    """An RFC 2822 or ISO 8601 date, epoch seconds or milliseconds, "12 March 2025" or
    "March 12, 2025"; in UTC when it has an offset. None for anything else (no guessing
    between day-first and month-first numbers)."""
    text = str(text).strip()
    if re.fullmatch(r"\d{9,10}(\.\d+)?|\d{12,13}", text):
        seconds = float(text) / (1000 if len(text.split(".")[0]) > 10 else 1)
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    parsed = _iso(text) or _rfc2822(text)
    if parsed is None:
        found = _date_in_text(text)
        parsed = _iso(found) if found else None
    if parsed is not None and parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc)
    return parsed if parsed is not None and 1990 <= parsed.year <= 2100 else None


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _date_in_text(text: str) -> str | None:
    """A full date written inside a line ("Discovery call, 12 March 2025"), as YYYY-MM-DD."""
    match = _ISO_DAY.search(text)
    if match:
        return "-".join(match.groups())
    match = _DAY_MONTH_YEAR.search(text)
    if match:
        day, month, year = match.groups()
        return f"{year}-{_MONTHS[month.lower()]:02d}-{int(day):02d}"
    match = _MONTH_DAY_YEAR.search(text)
    if match:
        month, day, year = match.groups()
        return f"{year}-{_MONTHS[month.lower()]:02d}-{int(day):02d}"
    return None


def _date_in_file_name(path: str) -> str | None:
    """2025-03-12, 2025_03_12, 20250312 or 2025-03 in the file's name."""
    name = os.path.basename(path)
    day = _date_in_text(name)
    if day and _valid_day(day):
        return day
    match = _ISO_MONTH.search(name)
    return f"{match.group(1)}-{match.group(2)}-01" if match else None


def _valid_day(day: str) -> bool:
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def _message_rep(message: Message, root: str, options: LoadOptions) -> str:
    name, address = parseaddr((message.metadata or {}).get("From", ""))
    for candidate in (name, message.sender, address):
        rep = canonical_rep(candidate, options)
        if rep:
            return rep
    signed = _signed_by(message, options) or canonical_rep(_signer(message), options)
    if signed:
        return signed
    folder = folder_of(message.path, root)
    return canonical_rep(folder.rsplit("/", 1)[-1], options) if folder != TOP_LEVEL else UNKNOWN


def _signed_by(message: Message, options: LoadOptions) -> str | None:
    """A --rep whose full name is on one of the last lines of the message (a signature)."""
    if not options.reps:
        return None
    lines = [line.strip().casefold() for b in message.blocks for line in b.text.split("\n") if line.strip()]
    tail = lines[-_SIGNATURE_LINES:]
    for rep in options.reps:
        wanted = " ".join(rep.split()).casefold()
        if " " in wanted and any(wanted in line for line in tail):
            return rep
    return None


_SIGN_OFFS = ("best", "best regards", "best wishes", "all the best", "kind regards", "warm regards", "warmly",
              "regards", "many thanks", "thanks", "thank you", "thanks again", "cheers", "talk soon", "speak soon",
              "sincerely", "yours", "yours truly", "take care")
_SIGN_OFF = re.compile(r"^(?:" + "|".join(sorted(_SIGN_OFFS, key=len, reverse=True)) + r")(?:\s*[,.!]+\s*(.*)|\s*)$",
                       re.IGNORECASE)
_NAME = re.compile(r"[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,2}")


def _signer(message: Message) -> str | None:
    """The name under the last sign-off of an email-like message ("Best,\nKayla Brooks",
    "Cheers, Sam"): who wrote it, when nothing else says."""
    if message.kind == "transcript":
        return None
    lines = [line.strip() for b in message.blocks for line in b.text.split("\n") if line.strip()]
    tail = lines[-_SIGNATURE_LINES:]
    for k in range(len(tail) - 1, -1, -1):
        match = _SIGN_OFF.match(tail[k])
        if not match:
            continue
        after = (match.group(1) or "").strip() or (tail[k + 1] if k + 1 < len(tail) else "")
        after = re.split(r"\s+[|–—-]\s+|,\s+", after, maxsplit=1)[0].strip()  # "Kayla Brooks | Solar Consultant"
        return after if _NAME.fullmatch(after) else None
    return None

"""Who said it, where it was filed, and when: the three ways an audit groups messages.

- rep: the transcript speaker; else the email sender (From name, or address); else a --rep
  whose full name appears in the last lines of the message (an email signature); else the
  file's folder when it sits in a sub-folder of the audited directory; else "unknown".
  A name that matches a --rep (full or first name) is spelt the way --rep spells it, so
  "dana@…", "Dana" and "Dana Whitfield" become one rep.
- folder: the file's folder relative to the directory given on the command line (one
  folder per template or sequence is how most exports are laid out).
- month: the email's Date header when present, else the file's modification time (UTC).
"""
from __future__ import annotations

import os
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
    return MessageGroups(_message_rep(message, root, options), folder_of(message.path, root),
                         month_of(message, mtime))


def sentence_rep(speaker: str | None, default: str, options: LoadOptions) -> str:
    return canonical_rep(speaker, options) or default


def folder_of(path: str, root: str) -> str:
    parent = os.path.dirname(os.path.abspath(path))
    relative = os.path.relpath(parent, os.path.abspath(root)) if root else parent
    if relative in (".", "") or relative.startswith(".."):
        return TOP_LEVEL
    return relative.replace(os.sep, "/")


def month_of(message: Message, mtime: float) -> str:
    date = (message.metadata or {}).get("Date")
    if date:
        try:
            parsed = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(timezone.utc)
            return parsed.strftime("%Y-%m")
    return datetime.fromtimestamp(mtime, tz=timezone.utc).strftime("%Y-%m")


def _message_rep(message: Message, root: str, options: LoadOptions) -> str:
    name, address = parseaddr((message.metadata or {}).get("From", ""))
    for candidate in (name, message.sender, address):
        rep = canonical_rep(candidate, options)
        if rep:
            return rep
    signed = _signed_by(message, options)
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

"""Email corpora (.eml, .mbox) as touch logs: every sent message is one touch per recipient.

The parsing is plumbline.formats' (headers, MIME, quoted replies); this module only turns a
Message into touch rows (Date, From, To + Cc, Subject, the rep's own words as the body) and
hands them to the same SQL normalisation as CSV rows. Recipients at the sender's own domain
are colleagues on copy, not prospects, and are left out.
"""
from __future__ import annotations

import dataclasses
from email.utils import getaddresses, parsedate_to_datetime

from plumbline.contacts.session import normalised_columns, problem_sql
from plumbline.contacts.settings import ContactSettings
from plumbline.model import Message

EMAIL_SUFFIXES = (".eml", ".mbox", ".mbx")
MAX_EMAIL_BYTES = 1 << 30


def is_email(path: str) -> bool:
    return path.lower().endswith(EMAIL_SUFFIXES)


def load_emails(con, path: str, fid: int, settings: ContactSettings) -> int:
    """INSERT the touches of one .eml/.mbox file; returns the number of messages read."""
    from plumbline.formats import LoadOptions, load_path

    messages = load_path(path, LoadOptions(max_bytes=MAX_EMAIL_BYTES))
    rows = [row for message in messages for row in touch_rows(message)]
    fields = [f.name for f in dataclasses.fields(settings.columns)]
    # One list parameter per column, zipped by unnest: no per-row statements, no pandas.
    raw = ", ".join(f"unnest(${i + 1}::VARCHAR[]) AS r_{name}" for i, name in enumerate(fields))
    values = [[row.get(name) for row in rows] for name in fields] + [[row["line"] for row in rows]]
    normalised = normalised_columns(settings)
    select = ", ".join(f"{sql} AS {name}" for name, sql in normalised.items())
    con.execute(f"INSERT INTO touches SELECT {fid}, line, {', '.join(normalised)}, 0, {problem_sql()} FROM "
                f"(SELECT {select}, line, false AS blank, false AS malformed FROM "
                f"(SELECT {raw}, unnest(${len(fields) + 1}::BIGINT[]) AS line))", values)
    return len(messages)


def touch_rows(message: Message) -> list[dict]:
    """One row per external recipient; a message without any still yields a (bad) row to count."""
    meta = message.metadata
    sender = message.sender or (getaddresses([meta.get("From", "")]) or [("", "")])[0][1]
    domain = sender.rpartition("@")[2].lower() if sender else ""
    recipients = [address for _, address in getaddresses([meta.get("To", ""), meta.get("Cc", "")]) if "@" in address]
    external = [a for a in recipients if not domain or a.rpartition("@")[2].lower() != domain]
    base = {
        "timestamp": iso_date(meta.get("Date", "")),
        "channel": "email",
        "sender": sender,
        "subject": meta.get("Subject"),
        "body": "\n".join(block.text for block in message.blocks if block.judged) or None,
        "line": message.blocks[0].line if message.blocks else 1,
    }
    return [dict(base, contact=address) for address in external] or [dict(base, contact=None)]


def iso_date(value: str) -> str | None:
    """RFC 2822 Date → ISO 8601 with its offset ('-0000' means UTC); the raw text if unparseable."""
    if not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return value
    return parsed.isoformat() if parsed.tzinfo else parsed.isoformat() + "+00:00"

"""Which column of a CRM email export holds what: the mapping and its default guesses.

HubSpot, Salesforce, Outreach and Salesloft export one row per email with their own column
names; the same field is `Body`, `Email Body`, `TextBody`, `hs_email_text` or `bodyText`.
Header names are compared without case, spaces, `_`, `-` or `.` (`From Address` = `fromAddress`
= `from_address`); a JSONL key nested in an object (`properties.hs_email_text`, as HubSpot's
API writes) is matched by its full dotted path or by its last part. `[export_columns]` in the
config file or `--export-column FIELD=NAME` name a column outright, over the guesses.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

FIELDS = ("body", "html_body", "sender", "sender_name", "recipient", "date", "subject", "id")

# Guesses per field, first match wins; compared as `norm` leaves them.
GUESSES: dict[str, tuple[str, ...]] = {
    "body": ("body", "email body", "email text", "body text", "text body", "plain text body", "message body", "hs_email_text",
             "text", "message", "content", "description"),
    "html_body": ("html body", "body html", "email html", "hs_email_html", "html"),
    "sender": ("from", "from address", "from email", "email from address", "email from", "sender", "sender email", "sender address", "hs_email_from_email",
               "mailbox address", "from_email_address", "user email", "owner email"),
    "sender_name": ("from name", "sender name", "hs_email_from_firstname", "user name", "owner name", "owner",
                    "activity owner", "rep", "user"),
    "recipient": ("to", "to address", "to email", "email to address", "email to", "recipient", "recipients", "recipient email", "hs_email_to_email",
                  "to_addresses", "contact email", "email"),
    "date": ("date", "sent at", "sent", "date sent", "sent date", "message date", "delivered at", "hs_timestamp",
             "timestamp", "activity date", "created at", "created date", "createddate"),
    "subject": ("subject", "email subject", "hs_email_subject"),
    "id": ("id", "message id", "email id", "hs_object_id", "record id", "activity id"),
}
REQUIRED = ("body",)  # body or html_body: checked by `columns_for`


def norm(name: str) -> str:
    return re.sub(r"[\s_.\-]+", "", name).casefold()


class MappingError(ValueError):
    """A field the export needs has no column; the message names the columns there are."""


def validate(mapping: Mapping[str, str], where: str) -> tuple[tuple[str, str], ...]:
    """A user's field = column table, checked: known fields, non-empty column names."""
    for field, column in mapping.items():
        if field not in FIELDS:
            raise ValueError(f"{where}: unknown field {field!r} (fields are {', '.join(FIELDS)})")
        if not isinstance(column, str) or not column.strip():
            raise ValueError(f"{where}: {field} must be a non-empty column name, got {column!r}")
    return tuple(mapping.items())


def columns_for(header: Iterable[str], mapping: tuple[tuple[str, str], ...], need_sender: bool) -> dict[str, str]:
    """field -> the header name holding it, from the user's mapping first, then the guesses."""
    header = list(header)
    by_norm: dict[str, str] = {}
    for name in header:
        by_norm.setdefault(norm(name), name)
        by_norm.setdefault(norm(name.rsplit(".", 1)[-1]), name)
    found: dict[str, str] = {}
    for field, column in mapping:
        if norm(column) not in by_norm:
            raise MappingError(f"no column {column!r} for {field} (columns are {_shown(header)})")
        found[field] = by_norm[norm(column)]
    for field, guesses in GUESSES.items():
        if field not in found:
            hit = next((by_norm[norm(g)] for g in guesses if norm(g) in by_norm), None)
            if hit is not None and hit not in found.values():
                found[field] = hit
    if "body" not in found and "html_body" not in found:
        raise MappingError(f"no email body column: name it with --export-column body=NAME or [export_columns] "
                           f"body = \"NAME\" (columns are {_shown(header)})")
    if need_sender and "sender" not in found and "sender_name" not in found:
        raise MappingError(f"no sender column, needed to tell the reps' mail from inbound mail: name it with "
                           f"--export-column sender=NAME (columns are {_shown(header)})")
    return found


def _shown(header: list[str]) -> str:
    names = ", ".join(repr(h) for h in header[:12])
    return names + (f", … ({len(header)} in all)" if len(header) > 12 else "")

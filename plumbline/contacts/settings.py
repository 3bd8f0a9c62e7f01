"""Every over-contact setting in one frozen dataclass, validated once.

CRMs export touch logs with their own column names and teams use different cadences, so
thresholds, severities and the column mapping all live here. `from_mapping` reads the
`[contacts]` table of a TOML file (or `--set` flags) and rejects unknown keys and wrong
types with a ConfigError that names the key, so a misspelt setting never goes unnoticed.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Mapping

from plumbline.model import SEVERITIES, ConfigError

OFF = "off"
AT_LEAST_ONE = {"max_touches", "max_touches_per_channel", "account_max_senders", "account_max_touches", "repeat_lookback"}


@dataclass(frozen=True)
class Columns:
    """Which column (CSV header or JSONL key; a `$.json.path` also works for JSONL) holds each field."""

    timestamp: str = "timestamp"
    contact: str = "contact"
    account: str = "account"
    channel: str = "channel"
    team: str = "team"
    sender: str = "sender"
    subject: str = "subject"
    body: str = "body"
    template: str = "template_id"
    opted_out: str = "opted_out"
    opted_out_since: str = "opted_out_since"
    opted_out_until: str = "opted_out_until"


REQUIRED_COLUMNS = ("timestamp", "contact")

FREEMAIL = (
    "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "msn.com",
    "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "web.de",
    "mail.ru", "yandex.ru", "qq.com", "163.com", "zoho.com",
)


@dataclass(frozen=True)
class ContactSettings:
    columns: Columns = Columns()
    delimiter: str = "auto"  # CSV: "auto" picks , ; tab or | from the header line
    timezone: str = "UTC"  # for timestamps written without an offset
    display_timezone: str = ""  # show every time in this zone (--timezone); "": as the log wrote it
    timestamp_format: str = ""  # strptime format when timestamps are not ISO 8601 (e.g. "%m/%d/%Y %H:%M")
    # over-contact
    window: timedelta = timedelta(days=7)
    max_touches: int = 4  # all channels together, per contact per window
    max_touches_per_channel: int = 3
    # account-saturation
    account_window: timedelta = timedelta(days=7)
    account_max_senders: int = 3
    account_max_touches: int = 20
    freemail_domains: tuple[str, ...] = FREEMAIL  # never treated as an account when it is guessed from the email
    # cross-team-collision
    collision_gap: timedelta = timedelta(hours=24)
    sales_teams: tuple[str, ...] = ("sales", "sdr", "bdr", "ae", "am", "account executive", "inside sales")
    marketing_teams: tuple[str, ...] = ("marketing", "mktg", "demand gen", "demand generation", "growth")
    sales_senders: tuple[str, ...] = ()  # glob patterns for senders whose team the log does not say (emails)
    marketing_senders: tuple[str, ...] = ()
    # repeat-pitch
    repeat_window: timedelta = timedelta(days=30)
    repeat_similarity: float = 0.9
    repeat_lookback: int = 10  # compare a touch with at most this many earlier bodied touches
    max_embedded_bodies: int = 200_000
    # contact-after-opt-out
    opt_out_values: tuple[str, ...] = ("1", "true", "t", "yes", "y", "x", "opted out", "opted-out", "opted_out",
                                       "unsubscribed", "paused", "do not contact")
    # output and engine
    severity: tuple[tuple[str, str], ...] = ()  # rule id -> info|warning|error|off, over the rule's default
    max_findings_per_rule: int = 1000  # 0 = no limit; the rest are summarised in one notice
    memory_limit: str = "4GB"
    threads: int = 0  # 0 = one per CPU

    def severity_of(self, rule: str, default: str) -> str:
        return dict(self.severity).get(rule, default)

    def enabled(self, rule: str) -> bool:
        return dict(self.severity).get(rule) != OFF

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str) -> "ContactSettings":
        """Validate a `[contacts]` table; `source` names where it came from in error messages."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source}: [contacts] must be a table")
        names = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in names:
                raise ConfigError(f"{source}: unknown setting contacts.{key} (known: {', '.join(sorted(names))})")
            values[key] = _convert(key, value, names[key].default, source)
        return cls(**values)

    def merged(self, data: Mapping[str, Any], source: str) -> "ContactSettings":
        """These settings with `data` on top (flags over file); nested tables merge key by key."""
        current = {"columns": dataclasses.asdict(self.columns), "severity": dict(self.severity)}
        merged = dict(data)
        for table in ("columns", "severity"):
            if isinstance(data.get(table), Mapping):
                merged[table] = {**current[table], **data[table]}
        updated = ContactSettings.from_mapping(merged, source)
        return dataclasses.replace(self, **{k: getattr(updated, k) for k in merged})


def _convert(key: str, value: Any, default: Any, source: str) -> Any:
    where = f"{source}: contacts.{key}"
    if key == "columns":
        return _columns(value, where)
    if key == "severity":
        return _severity(value, where)
    if isinstance(default, timedelta):
        return parse_duration(value, where)
    if isinstance(default, bool) or isinstance(value, bool):
        raise ConfigError(f"{where} must be {type(default).__name__}, not a boolean")
    if isinstance(default, int):
        if not isinstance(value, int) or value < 0:
            raise ConfigError(f"{where} must be a whole number ≥ 0, got {value!r}")
        if key in AT_LEAST_ONE and value < 1:
            raise ConfigError(f"{where} must be at least 1")
        return value
    if isinstance(default, float):
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigError(f"{where} must be a number between 0 and 1, got {value!r}")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {value!r}")
        if key == "display_timezone" and value and zone(value) is None:
            raise ConfigError(f"{where}: unknown time zone {value!r} (an IANA name like \"America/Chicago\", or \"UTC\")")
        return value
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings, got {value!r}")
    return tuple(v.strip().lower() for v in value)


def _columns(value: Any, where: str) -> Columns:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table of field = \"column name\"")
    known = {f.name for f in dataclasses.fields(Columns)}
    for name, column in value.items():
        if name not in known:
            raise ConfigError(f"{where}.{name}: unknown field (known: {', '.join(sorted(known))})")
        if not isinstance(column, str) or not column.strip():
            raise ConfigError(f"{where}.{name} must be a non-empty column name, got {column!r}")
    return Columns(**dict(value))


def _severity(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    from plumbline.contacts.rules import RULE_IDS

    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table of rule = \"level\"")
    levels = SEVERITIES + (OFF,)
    for rule, level in value.items():
        if rule not in RULE_IDS:
            raise ConfigError(f"{where}.{rule}: unknown rule (known: {', '.join(RULE_IDS)})")
        if level not in levels:
            raise ConfigError(f"{where}.{rule} must be one of {', '.join(levels)}, got {level!r}")
    return tuple(sorted(value.items()))


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(w|d|h|m|s)\s*$")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: Any, where: str) -> timedelta:
    """'7d', '24h', '90m', '2w', '30s' → timedelta; anything else is an error naming the key."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"{where} must be a positive duration like \"7d\", \"24h\" or \"90m\", got {value!r}")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0 and (unit != "d" or seconds >= 2 * 86400):  # 24h reads better than 1d
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def zone(name: str):
    """The tzinfo of an IANA zone name (or "UTC"), None when this machine does not know it."""
    from datetime import timezone as fixed
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name.strip().upper() in ("UTC", "Z", "GMT"):
        return fixed.utc
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def micros(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1_000_000)


__all__ = ["Columns", "ContactSettings", "REQUIRED_COLUMNS", "parse_duration", "format_duration", "micros", "zone"]

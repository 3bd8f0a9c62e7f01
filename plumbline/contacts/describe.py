"""Episodes → Findings: name the contact, list the touches involved, say which limit was crossed.

Only the episodes that will be shown (max_findings_per_rule per rule) are described; their
member touches are fetched in one query, and their lines are looked up only for these rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from plumbline.contacts.rules import RULES
from plumbline.contacts.settings import ContactSettings, format_duration, zone
from plumbline.model import Finding

LISTED = 6  # touches spelled out in a message; the rest are counted
MEMBERS_CAP = 500  # touches fetched per episode (enough to summarise an account's senders)


class Clock:
    """How times are shown: in `display_timezone` when set (--timezone), else in the offset the
    log wrote each timestamp with, and timestamps written without one in `timezone` (the zone
    they were read in). UTC shows as Z: "2024-05-06 09:00Z", "2024-05-06 03:00-06:00"."""

    def __init__(self, settings: ContactSettings):
        self.display = zone(settings.display_timezone) if settings.display_timezone else None
        self.read = zone(settings.timezone) or timezone.utc

    def at(self, ts: int, tzo: int | None = None) -> datetime:
        tz = self.display or (timezone(timedelta(minutes=tzo)) if tzo is not None else self.read)
        return datetime.fromtimestamp(ts / 1e6, tz=timezone.utc).astimezone(tz)

    def when(self, ts: int, tzo: int | None = None) -> str:
        moment = self.at(ts, tzo)
        return moment.strftime("%Y-%m-%d %H:%M") + _offset(moment)

    def iso(self, ts: int, tzo: int | None = None) -> str:
        moment = self.at(ts, tzo)
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + _offset(moment)


def _offset(moment: datetime) -> str:
    minutes = int(moment.utcoffset().total_seconds() // 60)
    if minutes == 0:
        return "Z"
    sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


UTC_CLOCK = Clock(ContactSettings())


def when(ts: int, tzo: int | None = None) -> str:
    """A time in UTC or at the given offset (for callers without settings)."""
    return UTC_CLOCK.when(ts, tzo)


@dataclass(frozen=True)
class Touch:
    tid: int
    ts: int
    channel: str
    team: str | None
    sender: str | None
    subject: str | None
    tzo: int | None = None

    def label(self, clock: Clock = UTC_CLOCK) -> str:
        who = "/".join(p for p in (self.channel, self.team, self.sender) if p)
        return f"{clock.when(self.ts, self.tzo)} {who}"


def span(micros_: int) -> str:
    minutes = max(0, micros_) // 60_000_000
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    return f"{days}d{hours}h" if days else (f"{hours}h{mins:02d}m" if hours else f"{mins}m")


MEMBERS = f"""
WITH e AS (SELECT s.*, x.ck, x.ak, x.chk FROM shown s JOIN k x ON x.tid = s.tid),
m AS (
    SELECT e.eid, t.tid, t.ts FROM e JOIN k t ON t.ck = e.ck AND NOT t.dup AND t.ts BETWEEN e.start_ts AND e.first_ts
    WHERE e.rule = 'over-contact' AND (e.scope = 'all' OR t.chk = e.chk)
    UNION ALL
    SELECT e.eid, t.tid, t.ts FROM e JOIN k t ON t.ak = e.ak AND NOT t.dup AND t.ts BETWEEN e.start_ts AND e.first_ts
    WHERE e.rule = 'account-saturation'
    UNION ALL
    SELECT e.eid, t.tid, t.ts FROM e JOIN k t ON t.ck = e.ck AND NOT t.dup AND t.ts BETWEEN e.first_ts AND e.last_ts
    WHERE e.rule = 'contact-after-opt-out' AND t.ts > e.since_ts
    UNION ALL
    SELECT e.eid, t.tid, t.ts FROM e JOIN k t ON t.tid = e.other
    UNION ALL
    SELECT e.eid, t.tid, t.ts FROM e JOIN k t ON t.tid = e.tid WHERE e.other IS NOT NULL
)
SELECT m.eid, m.tid, m.ts, t.channel, t.team, t.sender, t.subject, t.tzo, count(*) OVER (PARTITION BY m.eid) AS n
FROM m JOIN touches t ON t.rowid = m.tid
QUALIFY row_number() OVER (PARTITION BY m.eid ORDER BY m.ts, m.tid) <= {MEMBERS_CAP}
ORDER BY m.eid, m.ts, m.tid
"""


def select_shown(con, settings: ContactSettings) -> dict[str, tuple[int, int]]:
    """Keep the first max_findings_per_rule episodes of each rule; return rule → (hidden, first hidden tid)."""
    cap = settings.max_findings_per_rule or 2**62
    con.execute("""
    CREATE TEMP TABLE ranked AS
    SELECT *, row_number() OVER (PARTITION BY rule ORDER BY first_ts, tid) AS rank FROM episodes""")
    con.execute(f"CREATE TEMP TABLE shown AS SELECT row_number() OVER (ORDER BY rule, rank) AS eid, * FROM ranked WHERE rank <= {cap}")
    hidden = con.execute(f"SELECT rule, count(*), first(tid ORDER BY rank) FROM ranked WHERE rank > {cap} GROUP BY rule").fetchall()
    con.execute("DROP TABLE ranked")
    return {rule: (n, tid) for rule, n, tid in hidden}


def describe(con, settings: ContactSettings, locate: Callable[[int, int, int | None], tuple[str, int]]) -> list[Finding]:
    """One Finding per shown episode; `locate(tid, fid, line)` gives the (path, line) of a touch."""
    members: dict[int, list[Touch]] = {}
    counts: dict[int, int] = {}
    for eid, tid, ts, channel, team, sender, subject, tzo, n in con.execute(MEMBERS).fetchall():
        members.setdefault(eid, []).append(Touch(tid, ts, channel, team, sender, subject, tzo))
        counts[eid] = n
    rows = con.execute("""SELECT s.eid, s.rule, s.scope, s.tid, s.first_ts, s.last_ts, s.hits, s.peak, s.since_ts,
                                 t.contact, coalesce(t.account, split_part(t.contact, '@', 2)), t.fid, t.line, t.tzo
                          FROM shown s JOIN touches t ON t.rowid = s.tid ORDER BY s.eid""").fetchall()
    findings = []
    clock = Clock(settings)
    for eid, rule, scope, tid, first_ts, last_ts, hits, peak, since, contact, account, fid, line, tzo in rows:
        episode = Episode(rule, scope, first_ts, last_ts, hits, peak, since, contact, account,
                          members.get(eid, []), counts.get(eid, 0), clock, tzo)
        message, details = MESSAGES[rule](episode, settings)
        path, line = locate(tid, fid, line)
        findings.append(Finding(rule=rule, severity=severity(settings, rule), path=path, line=line, column=1,
                                message=message, details=details))
    return findings


def severity(settings: ContactSettings, rule_id: str) -> str:
    rule = next(r for r in RULES if r.id == rule_id)
    return settings.severity_of(rule_id, rule.default_severity)


@dataclass(frozen=True)
class Episode:
    rule: str
    scope: str
    first_ts: int
    last_ts: int
    hits: int
    peak: int | None
    since: int | None
    contact: str
    account: str | None
    touches: list[Touch]
    count: int
    clock: Clock = UTC_CLOCK
    tzo: int | None = None  # the offset the finding's own touch was written with

    def offset_at(self, ts: int) -> int | None:
        """The offset of the touch at `ts` as the log wrote it (the finding's own when none is listed)."""
        return next((t.tzo for t in self.touches if t.ts == ts), self.tzo)

    def when(self, ts: int) -> str:
        return self.clock.when(ts, self.offset_at(ts))

    def label(self, touch: Touch) -> str:
        return touch.label(self.clock)

    def listed(self, limit: int = LISTED) -> str:
        shown = "; ".join(self.label(t) for t in self.touches[:limit])
        return shown + (f"; +{self.count - limit} more" if self.count > limit else "")

    def until(self, noun: str) -> str:
        return f"; {self.hits} {noun} until {self.when(self.last_ts)}" if self.hits > 1 else ""

    def details(self, **extra) -> tuple[tuple[str, str | int | float], ...]:
        """Typed values for JSON: counts are ints, similarity a float, times ISO 8601 with offset."""
        base = {"contact": self.contact, "account": self.account or "",
                "first": self.clock.iso(self.first_ts, self.offset_at(self.first_ts)),
                "last": self.clock.iso(self.last_ts, self.offset_at(self.last_ts)), "episode_touches": self.hits,
                "touches": "; ".join(self.label(t) for t in self.touches)}
        return tuple({**base, **extra}.items())


def over_contact(e: Episode, s: ContactSettings):
    window = format_duration(s.window)
    if e.scope == "all":
        limit, what = s.max_touches, "touches"
        crossed = f"limit {limit} in {window}, all channels"
    else:
        limit, what = s.max_touches_per_channel, f"{e.scope} touches"
        crossed = f"limit {limit} in {window} per channel"
    message = f"{e.contact}: {e.count} {what} within {window} ({crossed}): {e.listed()}{e.until('touches over the limit')}"
    return message, e.details(limit=f"{limit} in {window}", scope=e.scope, count=e.count)


def account_saturation(e: Episode, s: ContactSettings):
    window = format_duration(s.account_window)
    senders: dict[str, list[Touch]] = {}  # one sender however its case was written, shown as first written
    for t in e.touches:
        senders.setdefault((t.sender or "(no sender)").casefold(), []).append(t)
    shown = ", ".join(f"{ts[0].sender or '(no sender)'} ({'/'.join(sorted({t.team or '?' for t in ts}))} ×{len(ts)})"
                      for ts in list(senders.values())[:LISTED])
    shown += f", +{len(senders) - LISTED} more" if len(senders) > LISTED else ""
    if e.count > len(e.touches):
        shown += f" (in the first {len(e.touches)} touches)"
    if e.scope == "senders":
        later = f", up to {e.peak} later" if (e.peak or 0) > len(senders) else ""
        crossed = f"{len(senders)} senders within {window} (limit {s.account_max_senders}{later})"
        limit = f"{s.account_max_senders} senders in {window}"
    else:
        crossed = f"{e.count} touches within {window} (limit {s.account_max_touches})"
        limit = f"{s.account_max_touches} touches in {window}"
    message = f"account {e.account}: {crossed}: {shown}{e.until('touches over the limit')}"
    return message, e.details(limit=limit, scope=e.scope, count=e.count, senders=len(senders))


def collision(e: Episode, s: ContactSettings):
    gap = format_duration(s.collision_gap)
    first, second = (e.touches + e.touches)[:2] if len(e.touches) == 1 else e.touches[:2]
    message = (f"{e.contact}: {first.team} and {second.team} touches {span(second.ts - first.ts)} apart "
               f"(limit: {gap} between teams): {e.label(first)}; {e.label(second)}{e.until('collisions')}")
    return message, e.details(limit=f"{gap} between marketing and sales", count=e.hits)


def repeat_pitch(e: Episode, s: ContactSettings):
    first, second = (e.touches + e.touches)[:2] if len(e.touches) == 1 else e.touches[:2]
    similarity = (e.peak or 0) / 1000
    subject = f' "{second.subject}"' if second.subject else ""
    message = (f"{e.contact}: same pitch again after {span(second.ts - first.ts)} (similarity {similarity:.2f}, "
               f"limit {s.repeat_similarity:.2f} within {format_duration(s.repeat_window)}): "
               f"{e.label(first)}; {e.label(second)}{subject}{e.until('repeats')}")
    return message, e.details(limit=f"similarity {s.repeat_similarity:.2f} in {format_duration(s.repeat_window)}",
                              similarity=round(similarity, 3))


def after_opt_out(e: Episode, s: ContactSettings):
    message = (f"{e.contact}: {e.hits} touch{'es' if e.hits != 1 else ''} after opting out at {e.when(e.since)} "
               f"(no touch is allowed after an opt-out): {e.listed()}")
    return message, e.details(limit="no touch after opt-out", opted_out=e.clock.iso(e.since, e.offset_at(e.since)),
                              count=e.hits)


MESSAGES = {
    "over-contact": over_contact,
    "account-saturation": account_saturation,
    "cross-team-collision": collision,
    "repeat-pitch": repeat_pitch,
    "contact-after-opt-out": after_opt_out,
}

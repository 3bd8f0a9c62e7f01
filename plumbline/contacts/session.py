"""One DuckDB connection per run, with bounded memory, and the `touches` table every loader fills.

Touch logs can hold tens of millions of rows, so rows never become Python objects: loaders
INSERT … SELECT straight from the file into `touches`, and rules are window queries over it.
Timestamps are stored as UTC epoch microseconds so every comparison is plain integer math,
whatever offset or daylight-saving rule the export was written in.
"""
from __future__ import annotations

import os

from plumbline.contacts.settings import ContactSettings
from plumbline.model import ConfigError

TOUCHES_DDL = """
CREATE TABLE touches (
    fid INTEGER,          -- index of the input file
    line BIGINT,          -- source line when the loader knows it (emails); NULL: computed lazily
    ts BIGINT,            -- UTC epoch microseconds
    tzo INTEGER,          -- the UTC offset the timestamp was written with, in minutes; NULL: none written
    contact VARCHAR, account VARCHAR, channel VARCHAR, team VARCHAR, sender VARCHAR,  -- as written (keys fold case)
    subject VARCHAR, body VARCHAR, template VARCHAR,
    opt BOOLEAN, opt_since BIGINT, opt_until BIGINT,
    nl INTEGER,           -- newlines inside the row's quoted fields (physical line numbers)
    problem VARCHAR       -- NULL, 'timestamp', 'contact', 'malformed' or 'blank'
)
"""


def connect(settings: ContactSettings, temp_dir: str):
    """An in-memory database that spills to `temp_dir` instead of growing past memory_limit."""
    import duckdb

    con = duckdb.connect(":memory:")
    threads = settings.threads or os.cpu_count() or 1
    try:
        con.execute(f"SET threads = {int(threads)}")
        con.execute(f"SET memory_limit = {quote(settings.memory_limit)}")
        con.execute(f"SET temp_directory = {quote(temp_dir)}")
        con.execute("SET enable_progress_bar = false")  # never draw on the user's terminal
        con.execute("SET autoinstall_known_extensions = false")  # never download an extension at run time
        con.execute("SET preserve_insertion_order = true")  # rowid follows file order: line numbers
        con.execute(f"SET TimeZone = {quote(settings.timezone)}")  # how offset-less timestamps are read
    except duckdb.Error as exc:
        raise ConfigError(f"contacts: {first_line(exc)}") from None
    con.execute(TOUCHES_DDL)
    return con


def quote(text: str) -> str:
    """A SQL string literal (DuckDB table-function arguments cannot be bound parameters)."""
    return "'" + str(text).replace("'", "''") + "'"


def first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def normalised_columns(settings: ContactSettings) -> dict[str, str]:
    """SQL for each touches column, written over raw text expressions named r_<field>.

    The loaders only differ in how they get r_<field> out of the file; this is the one place
    that decides what a timestamp, a contact, an account or a team is. Every expression runs
    on every row, so each is written for speed (measured): trim only when there is something
    to trim, IN lists rather than list_contains, regexes only on the rows that need them.
    """
    sender = address("r_sender")
    return {
        "ts": timestamp_sql("r_timestamp", settings),
        "tzo": offset_sql("r_timestamp"),
        "contact": address("r_contact"),  # names, addresses and accounts as written; windows.KEYED folds case
        "account": f"nullif({trimmed('r_account')}, '')",  # the email domain stands in later (windows.KEYED)
        "channel": f"coalesce(nullif(lower({trimmed('r_channel')}), ''), 'unknown')",
        "team": team_sql(f"lower({trimmed('r_team')})", f"lower({sender})", settings),
        "sender": sender,
        "subject": "nullif(r_subject, '')",
        "body": "nullif(r_body, '')",
        "template": "nullif(r_template, '')",
        "opt": f"coalesce(lower({trimmed('r_opted_out')}) IN ({in_list(settings.opt_out_values)}), false)",
        "opt_since": timestamp_sql("r_opted_out_since", settings),
        "opt_until": timestamp_sql("r_opted_out_until", settings),
    }


def trimmed(raw: str) -> str:
    """trim() only when an end is a space: DuckDB's trim costs as much as parsing the field."""
    return f"CASE WHEN starts_with({raw}, ' ') OR ends_with({raw}, ' ') THEN trim({raw}) ELSE {raw} END"


def address(raw: str) -> str:
    """'Ana <Ana@Acme.com>' or ' Ana@Acme.com' → 'Ana@Acme.com' (as written: reports show it so,
    keys fold case); empty → NULL."""
    inner = f"CASE WHEN contains({raw}, '<') THEN trim(regexp_extract({raw}, '<([^>]*)>', 1)) ELSE {trimmed(raw)} END"
    return f"nullif({inner}, '')"


def offset_sql(raw: str) -> str:
    """Minutes east of UTC that an ISO 8601 timestamp was written with ('Z', '+05:30', '-0600',
    '+00' after a time of day), so reports show times the way the log wrote them; NULL for no
    offset, a date alone or an epoch."""
    off = (f"regexp_extract({raw}, '[0-9]{{2}}:[0-9]{{2}}(?::[0-9]{{2}}(?:[.,][0-9]+)?)? ?(Z|z|[+-][0-9]{{2}}(?::?[0-9]{{2}})?) *$', 1)")
    digits = f"replace({off}, ':', '')"
    return (f"CASE WHEN {off} = '' THEN NULL WHEN {off} IN ('Z', 'z') THEN 0 ELSE "
            f"(CASE WHEN starts_with({off}, '-') THEN -1 ELSE 1 END) * (try_cast(substr({digits}, 2, 2) AS INTEGER) * 60 "
            f"+ coalesce(try_cast(nullif(substr({digits}, 4, 2), '') AS INTEGER), 0)) END")


def timestamp_sql(raw: str, settings: ContactSettings) -> str:
    """ISO 8601 (any offset; none means settings.timezone), epoch seconds/ms, or timestamp_format."""
    parsed = f"epoch_us(try_cast({raw} AS TIMESTAMPTZ))"  # the cast ignores surrounding spaces
    if settings.timestamp_format:
        parsed = f"coalesce(epoch_us(try_strptime(trim({raw}), {quote(settings.timestamp_format)})::TIMESTAMPTZ), {parsed})"
    text = f"trim({raw})"
    epoch = (f"CASE WHEN regexp_full_match({text}, '[0-9]{{9,10}}(\\.[0-9]+)?') THEN (try_cast({text} AS DOUBLE) * 1000000)::BIGINT "
             f"WHEN regexp_full_match({text}, '[0-9]{{12,13}}') THEN try_cast({text} AS BIGINT) * 1000 END")
    return f"coalesce({parsed}, {epoch})"


def team_sql(team: str, sender: str, settings: ContactSettings) -> str:
    """'sales' | 'marketing' | NULL from the team column, else from sender patterns."""
    by_sender = "NULL"
    if settings.marketing_senders or settings.sales_senders:
        mk = " OR ".join(f"{sender} GLOB {quote(p)}" for p in settings.marketing_senders) or "false"
        sl = " OR ".join(f"{sender} GLOB {quote(p)}" for p in settings.sales_senders) or "false"
        by_sender = f"CASE WHEN {mk} THEN 'marketing' WHEN {sl} THEN 'sales' END"
    sales = in_list(settings.sales_teams) or "NULL"
    marketing = in_list(settings.marketing_teams) or "NULL"
    return (f"CASE WHEN {team} IN ({sales}) THEN 'sales' WHEN {team} IN ({marketing}) THEN 'marketing' "
            f"WHEN nullif({team}, '') IS NULL THEN {by_sender} END")


def in_list(values) -> str:
    return ", ".join(quote(v) for v in values)


def problem_sql() -> str:
    return ("CASE WHEN blank THEN 'blank' WHEN malformed THEN 'malformed' WHEN ts IS NULL THEN 'timestamp' "
            "WHEN contact IS NULL THEN 'contact' END")

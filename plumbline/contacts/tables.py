"""Read CSV and JSONL touch logs into the `touches` table with DuckDB, never row by row.

Every field is read as text and normalised in SQL (session.normalised_columns), so a bad
timestamp or a missing contact becomes a counted problem row instead of a crash, and rows
DuckDB cannot split (wrong number of fields) are kept in a rejects table and counted too.
"""
from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import json

from plumbline.contacts.lines import LineMap
from plumbline.contacts.session import first_line, normalised_columns, problem_sql, quote
from plumbline.contacts.settings import REQUIRED_COLUMNS, ContactSettings
from plumbline.model import InputError

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
CSV_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz")
DELIMITERS = (",", ";", "\t", "|")
HEAD_BYTES = 1 << 16


@dataclasses.dataclass
class Loaded:
    """What one file contributed: rows read, rows DuckDB could not split, and line numbers."""

    rows: int
    malformed: tuple[int, ...]  # physical lines of rows with the wrong number of fields
    lines: LineMap


def is_table(path: str) -> bool:
    return path.lower().endswith(JSONL_SUFFIXES + CSV_SUFFIXES)


def load_table(con, path: str, fid: int, settings: ContactSettings) -> Loaded:
    """INSERT one log into touches; raises InputError (one line) if it is not a readable log."""
    head = read_head(path)
    is_jsonl = path.lower().endswith(JSONL_SUFFIXES) or (
        not path.lower().endswith(CSV_SUFFIXES) and head.lstrip().startswith("{"))
    start = con.execute("SELECT count(*) FROM touches").fetchone()[0]
    rejects = f"rejects_{fid}"
    if is_jsonl:
        check_jsonl_keys(path, head, settings)
        source, raw, first_record_line = jsonl_source(path, rejects, head, settings)
    else:
        source, raw, first_record_line = csv_source(path, rejects, head, settings)
    columns = normalised_columns(settings)
    select = ", ".join(f"{sql} AS {name}" for name, sql in columns.items())
    names = ", ".join(columns)
    sql = (f"INSERT INTO touches SELECT {fid}, NULL, {names}, nl, {problem_sql()} FROM "
           f"(SELECT {select}, blank, malformed, nl FROM (SELECT {raw} FROM {source}))")
    try:
        con.execute(sql)
    except Exception as exc:  # duckdb.Error and friends: one line naming the file
        raise InputError(path, f"cannot read as {'JSONL' if is_jsonl else 'CSV'}: {first_line(exc)}") from None
    end = con.execute("SELECT count(*) FROM touches").fetchone()[0]
    rejected = con.execute(f"SELECT line, csv_line FROM {rejects} GROUP BY ALL ORDER BY line").fetchall()
    lines = LineMap(con, fid, start, first_record_line, [(r, (t or "").count("\n")) for r, t in rejected])
    blank = con.execute(f"SELECT count(*) FROM touches WHERE fid = {fid} AND problem = 'blank'").fetchone()[0]
    return Loaded(end - start - blank + len(rejected), tuple(lines.rejected_line(r) for r, _ in rejected), lines)


def read_head(path: str) -> str:
    try:
        opener = gzip.open if path.lower().endswith(".gz") else open
        with opener(path, "rb") as fh:
            data = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data:
        raise InputError(path, "binary file (contains NUL bytes), not a CSV or JSONL touch log")
    if not data.strip():
        raise InputError(path, "file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 4:  # not just a character cut at the end of the head
            raise InputError(path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save as UTF-8") from None
        return data[: exc.start].decode("utf-8-sig")


def encoding_of(path: str) -> str:
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        return "utf-16" if fh.read(2) in (b"\xff\xfe", b"\xfe\xff") else "utf-8"


def csv_header(path: str, head: str, settings: ContactSettings) -> tuple[str, list[str]]:
    """(delimiter, column names) from the first record of the file."""
    first = head.split("\n", 1)[0]
    delimiter = settings.delimiter
    if delimiter == "auto":
        delimiter = "\t" if path.lower().endswith((".tsv", ".tsv.gz")) else max(DELIMITERS, key=first.count)
    if len(delimiter) != 1:
        raise InputError(path, f"delimiter must be one character, got {delimiter!r}")
    try:
        header = next(csv.reader(io.StringIO(head), delimiter=delimiter))
    except (csv.Error, StopIteration):
        raise InputError(path, "no CSV header line") from None
    return delimiter, unique_names([h.strip() for h in header])


def unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        name = name or "column"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def mapped_column(header: list[str], wanted: str) -> str | None:
    """The header name for a mapped field: exact, else the one that matches ignoring case."""
    if wanted in header:
        return wanted
    folded = [h for h in header if h.casefold() == wanted.casefold()]
    return folded[0] if folded else None


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def csv_source(path: str, rejects: str, head: str, settings: ContactSettings) -> tuple[str, str, int]:
    delimiter, header = csv_header(path, head, settings)
    fields = dataclasses.asdict(settings.columns)
    found = {field: mapped_column(header, column) for field, column in fields.items()}
    for field in REQUIRED_COLUMNS:
        if found[field] is None:
            raise InputError(path, f"no column {fields[field]!r} for the {field} (columns: {', '.join(header[:12])}); "
                                   f"map it with [contacts.columns] {field} = \"...\"")
    types = "{" + ", ".join(f"{quote(h)}: 'VARCHAR'" for h in header) + "}"
    source = (f"read_csv({quote(path)}, columns = {types}, header = true, auto_detect = false, "
              f"delim = {quote(delimiter)}, quote = '\"', escape = '\"', encoding = {quote(encoding_of(path))}, "
              f"max_line_size = 16777216, ignore_errors = true, store_rejects = true, "
              f"rejects_table = {quote(rejects)}, rejects_scan = {quote(rejects + '_scan')})")
    raw = [f"{ident(found[f]) if found[f] else 'NULL::VARCHAR'} AS r_{f}" for f in fields]
    raw.append(f"coalesce({', '.join(ident(h) for h in header)}) IS NULL AS blank")
    raw.append("false AS malformed")
    newlines = [f"CASE WHEN contains({ident(h)}, chr(10)) THEN strlen({ident(h)}) - strlen(replace({ident(h)}, chr(10), '')) ELSE 0 END"
                for h in header]
    raw.append(f"({' + '.join(newlines)})::INTEGER AS nl")
    return source, ", ".join(raw), 2


def json_path(column: str) -> str:
    return column if column.startswith("$") else '$."' + column.replace('"', '\\"') + '"'


def check_jsonl_keys(path: str, head: str, settings: ContactSettings) -> None:
    """Fail fast when the first records name none of the required keys (wrong mapping)."""
    records = []
    for line in head.split("\n")[:200]:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            records.append(value)
    if not records:
        if head.count("\n") >= 1:
            raise InputError(path, "not JSON lines: no line of the first 64 KiB is a JSON object")
        return
    for field in REQUIRED_COLUMNS:
        column = getattr(settings.columns, field)
        if not column.startswith("$") and not any(column in r for r in records):
            raise InputError(path, f"no key {column!r} for the {field} in the first records; "
                                   f"map it with [contacts.columns] {field} = \"...\"")


def jsonl_source(path: str, rejects: str, head: str, settings: ContactSettings) -> tuple[str, str, int]:
    """Each physical line is one record (a one-column CSV with no quoting), parsed as JSON in SQL:
    once per line for all fields, and try() turns a line that is not JSON into NULLs to count."""
    lines = (f"read_csv({quote(path)}, columns = {{'j': 'VARCHAR'}}, header = false, auto_detect = false, "
             f"delim = chr(30), quote = '', escape = '', encoding = {quote(encoding_of(path))}, "
             f"max_line_size = 16777216, ignore_errors = true, store_rejects = true, "
             f"rejects_table = {quote(rejects)}, rejects_scan = {quote(rejects + '_scan')})")
    columns = dataclasses.asdict(settings.columns)
    paths = "[" + ", ".join(quote(json_path(column)) for column in columns.values()) + "]"
    source = f"(SELECT try(json_extract_string(j, {paths})) AS v, j FROM {lines})"
    raw = [f"v[{i}] AS r_{field}" for i, field in enumerate(columns, start=1)]
    raw.append("trim(coalesce(j, '')) = '' AS blank")
    raw.append("v IS NULL AS malformed")
    raw.append("0 AS nl")
    return source, ", ".join(raw), 1

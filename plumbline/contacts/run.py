"""One `plumbline contacts` run: load every input, run the enabled rules, collect findings.

Kept apart from the rules so each rule module is only SQL about touches, and apart from the
CLI so the same run works from Python. Per-file problems (unreadable rows, duplicates) become
findings on that file; rule findings go on the Report itself because a contact's touches can
span several files.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from plumbline.contacts import describe, quiet, repeat, windows
from plumbline.contacts.emails import is_email, load_emails
from plumbline.contacts.lines import LineMap
from plumbline.contacts.rules import RULES
from plumbline.contacts.session import connect
from plumbline.contacts.settings import ContactSettings
from plumbline.contacts.tables import load_table
from plumbline.model import FileResult, Finding, InputError

PROBLEMS = {  # problem → (one, many)
    "timestamp": ("unreadable timestamp", "unreadable timestamps"),
    "contact": ("row without a contact", "rows without a contact"),
    "malformed": ("malformed row", "malformed rows"),
}


@dataclass
class Input:
    path: str
    error: str | None = None
    rows: int = 0
    malformed: tuple[int, ...] = ()
    lines: LineMap | None = None
    findings: list[Finding] = field(default_factory=list)


class Run:
    def __init__(self, settings: ContactSettings, spill_dir: str):
        self.settings = settings
        self.con = connect(settings, spill_dir)
        self.inputs: list[Input] = []

    def close(self) -> None:
        self.con.close()

    def load(self, paths: list[str]) -> None:
        for fid, path in enumerate(paths):
            item = Input(path)
            self.inputs.append(item)
            try:
                if path == "-":
                    raise InputError(path, "touch logs cannot be read from standard input; name the file")
                if is_email(path):
                    item.rows = load_emails(self.con, path, fid, self.settings)
                else:
                    loaded = load_table(self.con, path, fid, self.settings)
                    item.rows, item.malformed, item.lines = loaded.rows, loaded.malformed, loaded.lines
            except InputError as exc:
                item.error = exc.problem
        windows.prepare(self.con, self.settings)

    def on(self, rule: str) -> bool:
        return self.settings.enabled(rule)

    def findings(self, encoder_factory) -> list[Finding]:
        """Run the enabled rules; returns the report-level findings (file notices go to inputs)."""
        s, con = self.settings, self.con
        notices: list[str] = []
        if self.on("over-contact") or self.on("cross-team-collision"):
            windows.over_contact(con, s, collisions=self.on("cross-team-collision"))
            if not self.on("over-contact"):
                con.execute("DELETE FROM episodes WHERE rule = 'over-contact'")
        if self.on("over-contact"):
            windows.over_contact_per_channel(con, s)
        if self.on("account-saturation"):
            windows.account_saturation(con, s)
        if self.on("contact-after-opt-out"):
            quiet.after_opt_out(con)
        if self.on("repeat-pitch"):
            notices = repeat.repeat_pitch(con, s, encoder_factory)
        hidden = describe.select_shown(con, s)
        found = describe.describe(con, s, self.locate)
        found += self.truncated(hidden) + self.limited(notices)
        self.file_notices()
        return sorted(found, key=lambda f: (f.path, f.line, f.rule))

    def locate(self, tid: int, fid: int | None = None, line: int | None = None) -> tuple[str, int]:
        """(path, line) of a touch; pass fid and line when the caller already fetched them."""
        if fid is None:
            fid, line = self.con.execute(f"SELECT fid, line FROM touches WHERE rowid = {int(tid)}").fetchone()
        item = self.inputs[fid]
        return item.path, line if line is not None else item.lines.line(tid)

    def notice(self, rule: str, path: str, line: int, message: str) -> Finding:
        default = next(r.default_severity for r in RULES if r.id == rule)
        return Finding(rule=rule, severity=self.settings.severity_of(rule, default), path=path, line=line,
                       column=1, message=message)

    def truncated(self, hidden: dict[str, tuple[int, int]]) -> list[Finding]:
        if not self.on("findings-truncated"):
            return []
        out = []
        for rule, (count, tid) in sorted(hidden.items()):
            path, line = self.locate(tid)
            out.append(self.notice("findings-truncated", path, line, f"{count} more {rule} episodes not listed "
                                   f"(max_findings_per_rule = {self.settings.max_findings_per_rule}); this is the first"))
        return out

    def limited(self, notices: list[str]) -> list[Finding]:
        if not notices or not self.on("repeat-pitch-limited"):
            return []
        first = next((i for i in self.inputs if not i.error), self.inputs[0])
        return [self.notice("repeat-pitch-limited", first.path, 1, text) for text in notices]

    def file_notices(self) -> None:
        problems = self.con.execute("""SELECT fid, problem, count(*), min(rowid) FROM touches
                                       WHERE problem IS NOT NULL AND problem <> 'blank' GROUP BY ALL ORDER BY ALL""").fetchall()
        by_file: dict[int, list[tuple[str, int, int]]] = {}
        for fid, problem, count, tid in problems:
            by_file.setdefault(fid, []).append((problem, count, self.locate(tid)[1]))
        for fid, item in enumerate(self.inputs):
            if item.malformed:
                by_file.setdefault(fid, []).append(("malformed", len(item.malformed), item.malformed[0]))
            if by_file.get(fid) and self.on("unreadable-rows"):
                item.findings.append(self.unreadable(item, by_file[fid]))
        if self.on("duplicate-rows"):
            for fid, count, tid in self.con.execute(
                    "SELECT fid, count(*), min(tid) FROM k WHERE dup GROUP BY fid ORDER BY fid").fetchall():
                path, line = self.locate(tid)
                self.inputs[fid].findings.append(self.notice(
                    "duplicate-rows", path, line, f"{count} duplicate row{'s' if count != 1 else ''} counted once "
                    f"(same time, contact, channel and sender as an earlier row); the first duplicate is here"))

    def unreadable(self, item: Input, problems: list[tuple[str, int, int]]) -> Finding:
        merged: dict[str, list[int]] = {}
        for problem, count, line in problems:
            entry = merged.setdefault(problem, [0, line])
            entry[0] += count
            entry[1] = min(entry[1], line)
        total = sum(count for count, _ in merged.values())
        parts = ", ".join(f"{count} {PROBLEMS[p][count != 1]} (first at line {line})"
                          for p, (count, line) in sorted(merged.items(), key=lambda kv: kv[1][1]))
        first_line = min(line for _, line in merged.values())
        return self.notice("unreadable-rows", item.path, first_line,
                           f"{total} row{'s' if total != 1 else ''} skipped: {parts}")

    def file_results(self) -> tuple[FileResult, ...]:
        return tuple(FileResult(path=i.path, error=i.error, findings=tuple(i.findings), messages=i.rows)
                     for i in self.inputs)

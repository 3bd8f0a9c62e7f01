"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

    ::warning file=templates/intro.html,line=12,col=5,title=plumbline drift::claim matches ...

Values are escaped as the runner requires (% CR LF in the message; also : and , in the
properties), so quoted customer text can neither break the line nor start another command.
Paths are relative to the working directory: run plumbline from the repository root."""
from __future__ import annotations

import re
from typing import TextIO

from plumbline.baseline import relative_path
from plumbline.model import Report
from plumbline.report import describe

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


# The runner's log is a terminal: other control characters (ESC, C1 such as CSI \x9b) and bidi
# overrides in quoted text would colour, rewrite or reorder it, so they become U+FFFD.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape_data(text: str) -> str:
    text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{level} {props}::{escape_data(message)}" if props else f"::{level}::{escape_data(message)}"


def render(report: Report, out: TextIO, **_) -> None:
    for result in report.files:
        if result.error:
            out.write(command("error", result.error, file=relative_path(result.path),
                              title="plumbline: input not read") + "\n")
        for note in result.notes:
            out.write(command("notice", note, file=relative_path(result.path), title="plumbline: note") + "\n")
    for f in report.all_findings:
        if f.suppressed:
            continue
        message = describe(f, explain=True)
        line = f.line if f.line >= 1 else None
        out.write(command(LEVELS.get(f.severity, "warning"), message, file=relative_path(f.path), line=line,
                          col=f.column if line else None, title=f"plumbline {f.rule}") + "\n")
    s = report.summary()
    out.write(f"plumbline: {s['files']} file(s), {s['errors']} error(s), {s['findings']} finding(s)"
              + (f", {s['suppressed']} suppressed" if s["suppressed"] else "") + "\n")

"""Terminal output: one `path:line:col: rule message` line per finding, then a summary.

Quoted customer text is stripped of control characters so a transcript cannot drive the
terminal (no escape sequences pass through)."""
from __future__ import annotations

import re
from typing import TextIO

from plumbline.model import Report

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text.replace("\n", " "))


def render(report: Report, out: TextIO, **_) -> None:
    for result in report.files:
        if result.error:
            out.write(f"{safe(result.path)}: error: {safe(result.error)}\n")
        for note in result.notes:
            out.write(f"{safe(result.path)}: note: {safe(note)}\n")
        for f in result.findings:
            if f.suppressed:
                continue
            conf = f" ({f.confidence:.0%})" if f.confidence is not None else ""
            out.write(f"{safe(f.path)}:{f.line}:{f.column}: {f.rule} {safe(f.message)}{conf}\n")
            if f.text:
                out.write(f"    {safe(f.text)}\n")
        if result.coverage and not result.error:
            out.write(f"{safe(result.path)}: coverage: {', '.join(result.coverage)}\n")
    for f in report.findings:
        if not f.suppressed:
            out.write(f"{safe(f.path)}:{f.line}:{f.column}: {f.rule} {safe(f.message)}\n")
    s = report.summary()
    suppressed = f", {s['suppressed']} suppressed" if s["suppressed"] else ""
    if report.tool == "contacts":
        out.write(f"\n{s['files']} file(s), {s['errors']} error(s), {s['messages']} touch row(s); "
                  f"{s['findings']} finding(s){suppressed}\n")
        return
    labels = s["labels"]
    out.write(
        f"\n{s['files']} file(s), {s['errors']} error(s), {s['sentences']} sentence(s) judged "
        f"({labels['aligned']} aligned, {labels['drift']} drift, {labels['off-message']} off-message, "
        f"{labels['neutral']} neutral); {s['findings']} finding(s){suppressed}\n"
    )

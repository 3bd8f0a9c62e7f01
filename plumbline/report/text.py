"""Terminal output: one `path:line:col: rule message` line per flagged sentence (two rules on
one sentence share the line), the sentence, why it was flagged and what to say instead; a line
per file without findings; then a summary.

Quoted customer text is stripped of control characters so a transcript cannot drive the
terminal (no escape sequences pass through)."""
from __future__ import annotations

import re
from typing import Iterable, TextIO

from plumbline.model import Finding, Report

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text.replace("\n", " "))


def group_by_sentence(findings: Iterable[Finding]) -> list[list[Finding]]:
    """Findings on the same sentence (path, line, column, text), in first-seen order."""
    groups: dict[tuple, list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.path, f.line, f.column, f.text), []).append(f)
    return list(groups.values())


def headline(group: list[Finding]) -> str:
    """`rule[ + rule] message[; message] (confidence 87%)` for one sentence's findings."""
    rules = " + ".join(dict.fromkeys(f.rule for f in group))
    messages = "; ".join(dict.fromkeys(safe(f.message) for f in group))
    confidence = next((f.confidence for f in group if f.confidence is not None), None)
    conf = f" (confidence {confidence:.0%})" if confidence is not None else ""
    return f"{rules} {messages}{conf}"


def _write_group(out: TextIO, group: list[Finding]) -> None:
    f = group[0]
    out.write(f"{safe(f.path)}:{f.line}:{f.column}: {headline(group)}\n")
    if f.text:
        out.write(f"    {safe(f.text)}\n")
    why = "; ".join(dict.fromkeys(safe(g.evidence.summary) for g in group if g.evidence and g.evidence.summary))
    if why:
        out.write(f"    why: {why}\n")
    suggestion = next((g.suggestion for g in group if g.suggestion is not None), None)
    if suggestion is not None:
        place = f"{suggestion.path}:{suggestion.line}" if suggestion.line else suggestion.path
        out.write(f"    say instead: \u201c{safe(suggestion.text)}\u201d ({safe(suggestion.title)}, {safe(place)})\n")


def _coverage(report: Report, ids: tuple[str, ...]) -> str:
    titles = {s.id: s.title for s in report.plumbline.stories} if report.plumbline else {}
    return "; ".join(safe(titles.get(i, i)) for i in ids)


def render(report: Report, out: TextIO, **_) -> None:
    for result in report.files:
        if result.error:
            out.write(f"{safe(result.path)}: error: {safe(result.error)}\n")
        for note in result.notes:
            out.write(f"{safe(result.path)}: note: {safe(note)}\n")
        if result.error:
            continue
        shown = group_by_sentence(f for f in result.findings if not f.suppressed)
        for group in shown:
            _write_group(out, group)
        if result.coverage:
            out.write(f"{safe(result.path)}: coverage: {_coverage(report, result.coverage)}\n")
        if not shown and report.tool == "check":
            out.write(f"{safe(result.path)}: ok, no findings ({len(result.judgements)} sentence(s) judged)\n")
        elif not shown and report.tool == "lint-plumbline":
            out.write(f"{safe(result.path)}: ok\n")
    for f in report.findings:  # not tied to a judged file (contacts): their text is a message body
        if not f.suppressed:
            where = f"{f.line}:{f.column}:" if f.line >= 1 else ""
            out.write(f"{safe(f.path)}:{where} {f.rule} {safe(f.message)}\n")
    s = report.summary()
    suppressed = f", {s['suppressed']} suppressed" if s["suppressed"] else ""
    if report.tool == "contacts":
        out.write(f"\n{s['files']} file(s), {s['errors']} error(s), {s['messages']} touch row(s); "
                  f"{s['findings']} finding(s){suppressed}\n")
        return
    if report.tool == "lint-plumbline":
        out.write(f"\n{s['files']} plumb-line entr{'y' if s['files'] == 1 else 'ies'}; {s['findings']} finding(s)\n")
        return
    labels = s["labels"]
    flagged = len(group_by_sentence(f for f in report.all_findings if not f.suppressed))
    on = f" on {flagged} sentence(s)" if flagged != s["findings"] else ""
    out.write(
        f"\n{s['files']} file(s), {s['errors']} error(s), {s['sentences']} sentence(s) judged "
        f"({labels['aligned']} aligned, {labels['drift']} drift, {labels['off-message']} off-message, "
        f"{labels['neutral']} neutral); {s['findings']} finding(s){on}{suppressed}\n"
    )

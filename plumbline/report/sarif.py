"""SARIF 2.1.0, the format GitHub code scanning (github/codeql-action/upload-sarif) reads.

Paths are relative to the working directory under %SRCROOT%, so run plumbline from the
repository root. Each result carries a partial fingerprint made of rule, path and normalised
sentence text (no line number), so code scanning keeps tracking a finding when lines move.
Suppressed findings are kept with a SARIF `suppressions` entry (inSource for a comment,
external for the baseline); files that could not be read become tool execution notifications.
A finding's evidence and suggestion become `relatedLocations` at the plumb-line file and line,
linked from the message text with SARIF's embedded links (`[nearest story](1)`), so code
scanning takes a reader from the flagged email to the story it drifted from.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from plumbline.baseline import fingerprint, relative_path
from plumbline.model import Report
from plumbline.report import describe

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# [project.urls] labels, in order of preference, naming where the tool's source lives
REPOSITORY_LABELS = ("repository", "source", "source code", "code", "github", "homepage", "home")
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT = "plumbline/v1"
SRCROOT = "%SRCROOT%"


def render(report: Report, out: TextIO, **_) -> None:
    json.dump(as_sarif(report), out, indent=2, ensure_ascii=False)
    out.write("\n")


def as_sarif(report: Report) -> dict:
    from plumbline.rules import all_rules

    rules = list(all_rules())
    ids = [r.id for r in rules]
    for rule_id in dict.fromkeys(f.rule for f in report.all_findings):
        if rule_id not in ids:  # a rule no registry declares still gets a descriptor
            ids.append(rule_id)
    descriptors = [_descriptor(r) for r in rules] + [{"id": i} for i in ids[len(rules):]]
    driver = {"name": "plumbline", "version": _version(), "semanticVersion": _version()}
    uri = information_uri()
    if uri:  # optional in SARIF 2.1.0: left out rather than pointing somewhere made up
        driver["informationUri"] = uri
    run = {
        "tool": {"driver": {**driver, "rules": descriptors}},
        "invocations": [_invocation(report)],
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "results": _results(report, ids),
        "columnKind": "unicodeCodePoints",
        "properties": {"plumblineCommand": report.tool, "summary": report.summary()},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _descriptor(rule) -> dict:
    full = " ".join(p for p in (rule.description, rule.help) if p)
    text = f"{full}\n\nFlagged: {rule.bad_example}\nFine: {rule.good_example}"
    markdown = (f"{full}\n\n**Flagged:** {rule.bad_example}\n\n**Fine:** {rule.good_example}\n\n"
                f"Silence one finding with a `plumbline: ignore[{rule.id}]` comment on its line or the line above.")
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": full},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[rule.default_severity]},
        "properties": {"tags": ["plumbline"]},
    }


def _results(report: Report, ids: list[str]) -> list[dict]:
    seen: Counter = Counter()
    results = []
    for f in report.all_findings:
        key = fingerprint(f.rule, f.path, f.text or f.message)
        seen[key] += 1
        result = {
            "ruleId": f.rule,
            "ruleIndex": ids.index(f.rule),
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": message_text(f)},
            "locations": [{"physicalLocation": _physical(f.path, f.line, f.column)}],
            "partialFingerprints": {FINGERPRINT: f"{key}:{seen[key]}"},
        }
        related = related_locations(f)
        if related:
            result["relatedLocations"] = related
        properties = {k: v for k, v in (("story", f.story), ("speaker", f.speaker),
                                         ("confidence", None if f.confidence is None else round(f.confidence, 4)),
                                         ("evidence", f.evidence.summary if f.evidence and f.evidence.summary else None),
                                         ("suggestion", f.suggestion.text if f.suggestion else None))
                      if v is not None}
        if properties:
            result["properties"] = properties
        if f.suppressed:
            result["suppressions"] = [{"kind": "external" if f.suppressed_by == "baseline" else "inSource",
                                       "justification": f"plumbline {f.suppressed_by or 'suppression'}"}]
        results.append(result)
    return results


def escape_link_text(text: str) -> str:
    """Literal brackets in a SARIF message must be escaped, or a consumer may read quoted text
    such as "[First Name](1)" as an embedded link (SARIF 2.1.0, 3.11.6)."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _linked(f) -> list[tuple[str, object]]:
    """(link label, plumb-line sentence) for the finding's evidence and suggestion."""
    out = []
    if f.evidence is not None and f.evidence.nearest is not None:
        kind = "nearest story" if f.evidence.nearest.kind == "story" else "avoid entry"
        out.append((kind, f.evidence.nearest))
    if f.suggestion is not None:
        out.append(("say instead", f.suggestion))
    return out


def message_text(f) -> str:
    """The finding as prose, then its evidence with links to the plumb-line sentences."""
    text = escape_link_text(describe(f))
    parts = []
    e = f.evidence
    for number, (label, s) in enumerate(_linked(f), start=1):
        if label == "say instead":
            parts.append(f"[say instead]({number}): " + escape_link_text(f"\u201c{s.text}\u201d"))
            continue
        measured = f", similarity {e.similarity:.2f}" if e.similarity is not None else ""
        measured += f" (sentences that tell it typically score {e.typical:.2f})" if e.typical is not None else ""
        parts.append(f"[{label}]({number}): " + escape_link_text(s.title) + measured)
    if e is not None and e.words:
        parts.append("fired on " + ", ".join(escape_link_text(f"\u201c{w}\u201d") for w in e.words))
    return f"{text}. {'; '.join(parts)}." if parts else text


def related_locations(f) -> list[dict]:
    out = []
    for number, (label, s) in enumerate(_linked(f), start=1):
        text = f"{label}: {s.title}" if label != "say instead" else f"say instead: \u201c{s.text}\u201d ({s.title})"
        out.append({"id": number, "physicalLocation": _physical(s.path, s.line, 1), "message": {"text": text}})
    return out


def _physical(path: str, line: int = 0, column: int = 0) -> dict:
    physical = {"artifactLocation": _artifact(path)}
    if line >= 1:
        physical["region"] = {"startLine": line, "startColumn": max(1, column)}
    return physical


def _artifact(path: str) -> dict:
    shown = relative_path(path)
    if path == "-":
        return {"uri": "stdin"}
    if os.path.isabs(shown):
        return {"uri": Path(shown).as_uri()}
    return {"uri": quote(shown), "uriBaseId": SRCROOT}


def _invocation(report: Report) -> dict:
    notifications = [
        {"level": "error", "message": {"text": f"{relative_path(r.path)}: {r.error}"},
         "locations": [{"physicalLocation": _physical(r.path)}], "descriptor": {"id": "input-error"}}
        for r in report.files if r.error
    ] + [
        {"level": "note", "message": {"text": f"{relative_path(r.path)}: {note}"},
         "locations": [{"physicalLocation": _physical(r.path)}], "descriptor": {"id": "input-note"}}
        for r in report.files for note in r.notes
    ]
    invocation = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def information_uri() -> str | None:
    """The repository URL plumbline's package declares (pyproject.toml [project.urls], which
    installs as Project-URL metadata), or None when it declares none."""
    from importlib.metadata import PackageNotFoundError, metadata

    from plumbline import DISTRIBUTION

    try:
        entries = metadata(DISTRIBUTION).get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        url = url.strip()
        if url.startswith(("https://", "http://")):
            urls.setdefault(" ".join(label.replace("-", " ").replace("_", " ").split()).casefold(), url)
    return next((urls[label] for label in REPOSITORY_LABELS if label in urls), None)


def _version() -> str:
    from plumbline import __version__

    return __version__

"""Renderers: each module turns a finished Report into bytes of one format and decides
nothing (filtering and exit codes belong to plumbline.decide)."""
from __future__ import annotations

import importlib
from typing import TextIO

from plumbline.model import Finding, Report

RENDERERS = {
    "text": "plumbline.report.text",
    "json": "plumbline.report.json_report",
    "sarif": "plumbline.report.sarif",
    "junit": "plumbline.report.junit",
    "github": "plumbline.report.github",
}


def available_formats() -> list[str]:
    return [name for name, module in RENDERERS.items() if importlib.util.find_spec(module)]


def describe(finding: Finding, explain: bool = False) -> str:
    """A finding as one line of prose that quotes its sentence (SARIF, GitHub, JUnit messages);
    with `explain`, also why it fired and the plumb-line sentence to say instead."""
    sentence = " ".join(finding.text.split())
    text = f"{finding.message}: \u201c{sentence}\u201d" if sentence else finding.message
    if explain:
        text += "".join(f". {part}" for part in explanation(finding))
    return text


def explanation(finding: Finding) -> list[str]:
    """"Why: ..." and "Say instead: ..." for a finding that has them."""
    parts = []
    if finding.evidence is not None and finding.evidence.summary:
        parts.append(f"Why: {finding.evidence.summary}")
    s = finding.suggestion
    if s is not None:
        place = f"{s.path}:{s.line}" if s.line else s.path
        parts.append(f"Say instead: \u201c{s.text}\u201d ({s.title}, {place})")
    return parts


def render(report: Report, fmt: str, out: TextIO, **options) -> None:
    importlib.import_module(RENDERERS[fmt]).render(report, out, **options)


import importlib.util  # noqa: E402

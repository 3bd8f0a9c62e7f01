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


def describe(finding: Finding) -> str:
    """A finding as one line of prose that quotes its sentence (SARIF, GitHub, JUnit messages)."""
    sentence = " ".join(finding.text.split())
    return f"{finding.message}: \u201c{sentence}\u201d" if sentence else finding.message


def render(report: Report, fmt: str, out: TextIO, **options) -> None:
    importlib.import_module(RENDERERS[fmt]).render(report, out, **options)


import importlib.util  # noqa: E402

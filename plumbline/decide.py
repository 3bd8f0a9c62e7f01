"""The one place that decides what counts: severity thresholds and the exit code.

Reporters render whatever Report they are given; commands ask this module for the code."""
from __future__ import annotations

from plumbline.model import SEVERITIES, Report

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
FAIL_ON_CHOICES = ("info", "warning", "error", "never")


def at_or_above(severity: str, level: str) -> bool:
    if level == "never":
        return False
    return SEVERITIES.index(severity) >= SEVERITIES.index(level)


def exit_code(report: Report, fail_on: str = "warning") -> int:
    failing = [f for f in report.all_findings if not f.suppressed and at_or_above(f.severity, fail_on)]
    return EXIT_FINDINGS if failing else EXIT_OK

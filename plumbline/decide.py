"""The one place that decides what counts: suppression comments, the baseline, severity
thresholds and the exit code.

The pipeline builds findings and asks `apply_suppressions` to mark the ones a comment
silences; commands apply a baseline with `apply_baseline` and ask `exit_code` for the code.
Reporters render whatever Report they are given. (Per-rule severities are set where findings
are made, from `plumbline.judge.JudgeSettings.severities`, which the config file feeds.)"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Sequence

from plumbline.model import SEVERITIES, ConfigError, Finding, Message, Report, Suppression

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
FAIL_ON_CHOICES = ("info", "warning", "error", "never")
# A CI gate that goes green while an input was never judged (binary, not UTF-8, too big, no
# --rep for a transcript) hides the problem: by default such an input fails the run, with 1
# like a finding (it is reported per file, like findings), not 2 (which means the run itself
# could not go on: bad flags, config, plumb line or model).
FAIL_ON_UNREADABLE = True


def at_or_above(severity: str, level: str) -> bool:
    if level == "never":
        return False
    return SEVERITIES.index(severity) >= SEVERITIES.index(level)


def exit_code(report: Report, fail_on: str = "warning", fail_on_unreadable: bool = False) -> int:
    failing = [f for f in report.all_findings if not f.suppressed and at_or_above(f.severity, fail_on)]
    unreadable = fail_on_unreadable and any(r.error for r in report.files)
    return EXIT_FINDINGS if failing or unreadable else EXIT_OK


def apply_suppressions(findings: Sequence[Finding], messages: Sequence[Message]) -> list[Finding]:
    """Mark findings silenced by an ignore comment on their line or the line above.

    A comment naming a rule plumbline does not have is refused (ConfigError, naming file:line)."""
    by_path = _suppressions_by_path(messages)
    if not by_path:
        return list(findings)
    _check_rule_ids(by_path)
    out = []
    for f in findings:
        if not f.suppressed and any(_covers(s, f) for s in by_path.get(f.path, ())):
            f = replace(f, suppressed=True, suppressed_by="comment")
        out.append(f)
    return out


def _check_rule_ids(by_path: dict[str, tuple[Suppression, ...]]) -> None:
    from plumbline.rules import rule_ids

    known = rule_ids()
    for path, suppressions in by_path.items():
        for s in suppressions:
            for rule in s.rules:
                if rule not in known:
                    raise ConfigError(f"{path}:{s.line}: unknown rule {rule!r} in plumbline: ignore "
                                      f"(rules are {', '.join(known)})")


def _suppressions_by_path(messages: Sequence[Message]) -> dict[str, tuple[Suppression, ...]]:
    return {m.path: m.suppressions for m in messages if m.suppressions}


def _covers(s: Suppression, f: Finding) -> bool:
    if s.rules and f.rule not in s.rules:
        return False
    return s.whole_file or s.line <= f.line <= max(s.line, s.through) + 1


def apply_baseline(report: Report, known: Counter) -> Report:
    """Mark findings already in the baseline (matched on rule, path and text, with multiplicity)."""
    from plumbline.baseline import finding_key

    remaining = Counter(known)

    def mark(findings: Sequence[Finding]) -> tuple[Finding, ...]:
        out = []
        for f in findings:
            key = finding_key(f)
            if not f.suppressed and remaining[key] > 0:
                remaining[key] -= 1
                f = replace(f, suppressed=True, suppressed_by="baseline")
            out.append(f)
        return tuple(out)

    files = tuple(replace(r, findings=mark(r.findings)) for r in report.files)
    return replace(report, files=files, findings=mark(report.findings))

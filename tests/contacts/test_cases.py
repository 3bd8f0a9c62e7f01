"""Data-driven rule cases: each cases/NAME.csv|jsonl (+ optional NAME.toml with a [contacts]
table) is checked and its findings compared with NAME.expected, one `rule line | message part`
per line (or `error | part` for a file that cannot be read). An empty .expected file is a case
that stays just below a limit."""
from __future__ import annotations

import glob
import os

import pytest
from contact_helpers import CASES, settings_for

from plumbline.contacts import check_contacts
from plumbline.contacts.rules import RULES

LOGS = sorted(p for p in glob.glob(os.path.join(CASES, "*")) if p.endswith((".csv", ".jsonl")))


def expected(path: str) -> list[tuple[str, str]]:
    with open(os.path.splitext(path)[0] + ".expected", encoding="utf-8") as fh:
        rows = [line.rstrip("\n") for line in fh if line.strip()]
    out = []
    for row in rows:
        head, _, part = row.partition(" | ")
        out.append((head.strip(), part.strip()))
    return out


def actual(report) -> list[tuple[str, str]]:
    rows = [("error", r.error) for r in report.files if r.error]
    rows += [(f"{f.rule} {f.line}", f.message) for f in report.all_findings]
    return rows


@pytest.mark.parametrize("path", LOGS, ids=[os.path.basename(p) for p in LOGS])
def test_case(path, fake_encoder):
    report = check_contacts([path], settings_for(path), encoder_factory=lambda: fake_encoder)
    got = actual(report)
    want = expected(path)
    assert sorted(head for head, _ in got) == sorted(head for head, _ in want), got
    for head, part in want:
        messages = [message for h, message in got if h == head]
        assert any(part in m for m in messages), f"{head}: {part!r} not in {messages}"


def test_every_rule_has_a_firing_case_and_a_quiet_case():
    fired = {head.split()[0] for path in LOGS for head, _ in expected(path)}
    quiet = [path for path in LOGS if not expected(path)]
    for rule in RULES:
        if rule.id in ("findings-truncated", "repeat-pitch-limited"):
            continue  # covered in test_limits.py
        assert rule.id in fired, f"no case in {CASES} makes {rule.id} fire"
    assert quiet, "no case stays below its limit"

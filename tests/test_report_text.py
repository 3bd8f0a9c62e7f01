"""The text format (issue 16 item 13): one sentence flagged by two rules prints once with both,
confidence is labelled, files without findings are listed, coverage names story titles; and
JUnit messages carry a finding's why and say-instead (issue 18)."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from ci_support import make_project, sample_report
from plumbline.report import render


@pytest.fixture
def report(tmp_path, monkeypatch, fake_encoder):
    root = make_project(tmp_path / "repo")
    monkeypatch.chdir(root)
    return sample_report(root, fake_encoder)


def rendered(report, fmt):
    out = io.StringIO()
    render(report, fmt, out)
    return out.getvalue()


def test_one_sentence_two_rules_one_entry(report):
    text = rendered(report, "text")
    discount = "I can take 20% off the first year if you sign this month."
    quoted = [line for line in text.splitlines() if line.strip() == discount]
    assert len(quoted) == 1
    lines = text.splitlines()
    headline = lines[lines.index(quoted[0]) - 1]
    assert headline.startswith("templates/intro.txt:3:1: off-message + discount-language ")
    rules = {f.rule for f in report.all_findings if f.text.strip() == discount and not f.suppressed}
    assert rules == {"off-message", "discount-language"}
    found = sum(1 for f in report.all_findings if not f.suppressed)
    assert f"{found} finding(s) on {found - 1} sentence(s)" in text  # counted per rule, listed per sentence


def test_confidence_is_labelled_and_clean_files_listed(report, tmp_path):
    text = rendered(report, "text")
    assert "(confidence " in text and not any(line.rstrip().endswith("%)") and "(confidence" not in line
                                              for line in text.splitlines())
    clean = [r for r in report.files if not r.error and not [f for f in r.findings if not f.suppressed]]
    assert clean  # known.txt: its one finding is in the baseline
    for r in clean:
        assert f"{r.path}: ok, no findings ({len(r.judgements)} sentence(s) judged)" in text


def test_coverage_lists_titles_not_ids(report):
    text = rendered(report, "text")
    covered = [r for r in report.files if r.coverage]
    assert covered
    titles = {s.id: s.title for s in report.plumbline.stories}
    for r in covered:
        line = next(line for line in text.splitlines() if line.startswith(f"{r.path}: coverage: "))
        assert line.endswith("; ".join(titles[i] for i in r.coverage))


def test_why_and_say_instead_lines_and_junit_message(report):
    text = rendered(report, "text")
    assert "    why: nearest story \u201c" in text and "    say instead: \u201c" in text
    root = ET.fromstring(rendered(report, "junit"))
    messages = [f.get("message") for f in root.iter("failure") if f.get("type") == "drift"]
    assert messages and all("Why: nearest story" in m and "Say instead:" in m for m in messages)

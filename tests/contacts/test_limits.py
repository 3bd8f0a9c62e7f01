"""Output stays proportionate: per-rule caps with a counted remainder, severities, rules off."""
from __future__ import annotations

from contact_helpers import encoder, run, write  # noqa: F401 (fixtures: run needs encoder)

HEADER = "timestamp,contact,channel,team,sender\n"
CHANNELS = ("email", "call", "sms", "linkedin", "meeting")


def bombarded(*contacts):
    return HEADER + "".join(f"2024-05-{6 + i:02d}T09:00:00Z,{c},{ch},sales,rep1@vendor.com\n"
                            for c in contacts for i, ch in enumerate(CHANNELS))


def test_findings_beyond_the_cap_are_counted_in_one_notice(tmp_path, run):
    path = write(tmp_path, "log.csv", bombarded("a@x.com", "b@y.com", "c@z.com"))
    report = run(path, max_findings_per_rule=1)
    rules = sorted(f.rule for f in report.findings)
    assert rules == ["findings-truncated", "over-contact"]
    notice = next(f for f in report.findings if f.rule == "findings-truncated")
    assert notice.message.startswith("2 more over-contact episodes not listed") and notice.severity == "info"
    assert notice.line == 11  # the first episode not listed


def test_severity_override_and_rule_off(tmp_path, run):
    path = write(tmp_path, "log.csv", bombarded("a@x.com"))
    (finding,) = run(path, severity=(("over-contact", "error"),)).findings
    assert finding.severity == "error"
    assert run(path, severity=(("over-contact", "off"),)).findings == ()


def test_duplicates_across_files_count_once(tmp_path, run):
    first = write(tmp_path, "a.csv", bombarded("a@x.com"))
    second = write(tmp_path, "b.csv", bombarded("a@x.com"))
    report = run(first, second)
    assert [f.rule for f in report.findings] == ["over-contact"]
    assert report.findings[0].path == first
    (notice,) = report.files[1].findings
    assert notice.rule == "duplicate-rows" and notice.message.startswith("5 duplicate rows") and notice.line == 2


def test_details_carry_the_contact_and_the_touches(tmp_path, run):
    path = write(tmp_path, "log.csv", bombarded("a@x.com"))
    details = dict(run(path).findings[0].details)
    assert details["contact"] == "a@x.com" and details["account"] == "x.com"
    assert details["limit"] == "4 in 7d" and details["count"] == 5 and details["episode_touches"] == 1
    assert details["touches"].count(";") == 4

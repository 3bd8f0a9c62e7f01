"""Baselines: record today's findings, then report only new ones; matching survives edits that
move lines, counts repeats, and a corrupt baseline is a one-line error with exit code 2."""
import json

import pytest

from ci_support import DRIFT, GOOD, make_project, run_check, use_fake_encoder, write
from plumbline.baseline import fingerprint, load, normalise
from plumbline.model import ConfigError

OTHER_DRIFT = "Our florists deliver tulips and orchids to your lobby every Monday morning.\n"


@pytest.fixture
def project(tmp_path, monkeypatch, fake_encoder):
    root = make_project(tmp_path / "repo")
    write(root, "templates/intro.txt", GOOD + DRIFT)
    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(root)
    return root


def test_write_then_only_new_findings_fail(project):
    written = run_check("templates", "--write-baseline", "baseline.json")
    assert written.exit_code == 0, written.output  # recording a baseline passes
    assert "wrote 1 finding(s) to baseline baseline.json" in written.stderr
    data = json.loads(open("baseline.json").read())
    assert data["version"] == 1 and data["findings"] == [
        {"rule": "drift", "path": "templates/intro.txt", "fingerprint": fingerprint("drift", "templates/intro.txt", DRIFT),
         "count": 1}]
    assert run_check("templates", "--baseline", "baseline.json").exit_code == 0
    # lines move: a new first paragraph pushes the old finding down; it is still known
    write(project, "templates/intro.txt", "Hi Alex,\n\n" + GOOD + "\n" + DRIFT.replace("  ", " "))
    moved = run_check("templates", "--baseline", "baseline.json")
    assert moved.exit_code == 0, moved.output
    assert "0 finding(s), 1 suppressed" in moved.stdout
    # a new drifting sentence is reported, the old one still is not
    write(project, "templates/intro.txt", GOOD + DRIFT + OTHER_DRIFT)
    new = run_check("templates", "--baseline", "baseline.json", "--format", "json")
    assert new.exit_code == 1
    findings = json.loads(new.stdout)["files"][0]["findings"]
    assert [(f["line"], f["suppressed"]) for f in findings] == [(2, True), (3, False)]


def test_matching_counts_repeats(project):
    run_check("templates", "--write-baseline", "baseline.json")
    write(project, "templates/intro.txt", GOOD + DRIFT + "\n" + DRIFT)  # the same sentence once more
    result = run_check("templates", "--baseline", "baseline.json", "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["files"][0]["findings"]
    assert [f["suppressed"] for f in findings] == [True, False]


def test_baseline_from_config(project):
    run_check("templates", "--write-baseline", "known.json")
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "thresholds"\nbaseline = "known.json"\n')
    assert run_check("templates").exit_code == 0
    assert run_check("templates", "--baseline", "missing.json").exit_code == 2  # the flag wins


def test_findings_match_on_path_rule_and_text_not_line():
    assert normalise("  Our   chefs\tCATER\n parties. ") == "our chefs cater parties."
    assert fingerprint("drift", "a.txt", "Our chefs cater.") == fingerprint("drift", "./a.txt", "our  chefs cater.")
    assert fingerprint("drift", "a.txt", "x") != fingerprint("off-message", "a.txt", "x")
    assert fingerprint("drift", "a.txt", "x") != fingerprint("drift", "b.txt", "x")


@pytest.mark.parametrize("content, problem", [
    ("{not json", "not valid JSON"),
    ('["a list"]', "not a plumbline baseline"),
    ('{"version": 2, "findings": []}', "not a plumbline baseline"),
    ('{"version": 1, "findings": [{"rule": "drift", "path": "a"}]}', r"findings\[0\]"),
    ('{"version": 1, "findings": [{"rule": "drift", "path": "a", "fingerprint": "f", "count": 0}]}', r"findings\[0\]"),
    (b"\xff\xfe{", "not valid JSON"),
])
def test_corrupt_baseline(tmp_path, content, problem):
    path = tmp_path / "baseline.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ConfigError, match=problem):
        load(str(path))


def test_corrupt_baseline_exits_2_with_one_line(project, fake_encoder):
    write(project, "baseline.json", '{"version": 1, "findings": "all of them"}')
    result = run_check("templates", "--baseline", "baseline.json")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: baseline baseline.json: not a plumbline baseline")
    assert result.stderr.count("\n") == 1
    assert fake_encoder.calls == 0  # refused before any model work
    missing = run_check("templates", "--baseline", "nope.json")
    assert missing.exit_code == 2 and "baseline nope.json: cannot read" in missing.stderr

"""`plumbline audit` reads plumbline.toml / [tool.plumbline] / --config exactly as `check` does:
the plumb line, reps, judge and file selection come from the file, flags still win, a bad file
stops the run with one line, and the plumb line's own files are never audited."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ci_support import DISCOUNT, DRIFT, GOOD, make_project, use_fake_encoder, write
from plumbline.cli import main


@pytest.fixture
def project(tmp_path, monkeypatch, fake_encoder):
    root = make_project(tmp_path / "repo", config='plumbline = "plumbline"\njudge = "thresholds"\n'
                                                   'exclude = ["*/archive/*"]\n')
    write(root, "templates/good.txt", GOOD)
    write(root, "templates/offer.txt", DISCOUNT)
    write(root, "templates/archive/old.txt", DRIFT)
    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(root)
    return root


def audit(*args):
    return CliRunner().invoke(main, ["audit", *args])


def _summary(path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def test_audit_finds_the_plumbline_in_the_config(project, tmp_path):
    result = audit(".", "--json", str(tmp_path / "a.json"), "--quiet")
    assert result.exit_code == 0, result.output
    summary = _summary(tmp_path / "a.json")
    # templates/good.txt and offer.txt: the excluded archive and the plumb line's own stories are not audited
    assert summary["files"] == 2, summary
    assert {s["id"] for s in summary["stories"]} >= {"payroll-compliance", "filing-risk"}


def test_audit_reads_a_named_config_and_flags_win(project, tmp_path):
    other = write(tmp_path, "elsewhere/team.toml", f'plumbline = "{project}/plumbline"\njudge = "thresholds"\n'
                                                     'include = ["good.txt"]\n')
    result = audit("templates", "--config", other, "--json", str(tmp_path / "b.json"), "--quiet")
    assert result.exit_code == 0, result.output
    assert _summary(tmp_path / "b.json")["files"] == 1
    flagged = audit("templates", "--config", other, "--include", "*.txt", "--json", str(tmp_path / "c.json"), "--quiet")
    assert flagged.exit_code == 0, flagged.output
    assert _summary(tmp_path / "c.json")["files"] == 3  # the flag replaced the file's include


def test_reps_from_the_config_name_the_rep(project, tmp_path):
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "thresholds"\nreps = ["Dana Whitfield"]\n')
    write(project, "calls/call.txt", "Dana: " + GOOD + "Pat: What does it cost?\nDana: " + GOOD)
    result = audit("calls", "--json", str(tmp_path / "d.json"), "--quiet")
    assert result.exit_code == 0, result.output
    assert [g["name"] for g in _summary(tmp_path / "d.json")["by_rep"]] == ["Dana Whitfield"]


def test_a_bad_config_stops_the_audit_with_one_line(project, tmp_path):
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "sometimes"\n')
    result = audit(".", "--json", str(tmp_path / "e.json"))
    assert result.exit_code == 2
    assert "plumbline.toml: key 'judge' must be one of" in result.output
    assert not (tmp_path / "e.json").exists()


def test_without_config_or_flag_the_plumbline_is_still_required(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = audit(".", "--json", "x.json")
    assert result.exit_code == 2 and "--plumbline" in result.output

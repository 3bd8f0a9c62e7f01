"""`plumbline lint-plumbline`: a plumb line checked before it ships (issue 18, item 3)."""
from __future__ import annotations

import inspect
import json
import os

import pytest
from click.testing import CliRunner

from plumbline.judge import JudgeSettings
from plumbline.lint import LintSettings, lint_plumbline
from plumbline.plumbline_file import load_plumbline

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
LINT = os.path.join(DATA, "lint", "plumbline")
CLEAN = os.path.join(DATA, "evidence", "plumbline")


def lint(path, encoder, **kwargs):
    from plumbline.pipeline import prepare_judge

    plumbline = load_plumbline(path)
    judge = prepare_judge(plumbline, JudgeSettings(judge="thresholds"), encoder=encoder, use_cache=False)
    return lint_plumbline(plumbline, judge.index, LintSettings(), **kwargs)


def by_rule(report):
    out = {}
    for f in report.all_findings:
        out.setdefault(f.rule, []).append(f)
    return out


@pytest.mark.slow
def test_flags_near_duplicate_stories_and_an_avoid_example_that_reads_as_a_story(real_encoder):
    found = by_rule(lint(LINT, real_encoder))
    [close] = found["entries-too-close"]
    assert {close.story, dict(close.details)["other"]} == {"fast-install", "quick-setup"}
    assert close.path.endswith("fast-install.md") and close.line == 3  # the title line
    reads = [f for f in found["avoid-reads-as-story"] if "pulls the permits" in f.text]
    assert reads and reads[0].line == 11 and reads[0].path.endswith("overpromise.md")
    assert "Installed in weeks" in reads[0].message or "Up and running" in reads[0].message
    assert [f.story for f in found["story-too-short"]] == ["warranty"]
    assert len(found["brand-missing"]) == 1
    assert "story-untold" not in found  # no messages given


@pytest.mark.slow
def test_distinct_stories_are_not_flagged(real_encoder):
    found = by_rule(lint(CLEAN, real_encoder))
    assert "entries-too-close" not in found and "brand-missing" not in found and "story-too-short" not in found
    report = lint(CLEAN, real_encoder)
    assert [r.path for r in report.files] == [e.path for e in report.plumbline.stories]  # every entry listed


def test_untold_stories_given_messages(fake_encoder):
    report = lint(CLEAN, fake_encoder, coverage={"one-crew": 3}, messages=4)
    untold = [f for f in report.all_findings if f.rule == "story-untold"]
    assert [f.story for f in untold] == ["lifetime-cost"] and "none of 4 message(s)" in untold[0].message


def run_lint(*args):
    from plumbline.cli import main

    separate = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters else {}
    return CliRunner(**separate).invoke(main, ["lint-plumbline", *args])


def test_cli_exit_codes_and_formats(fake_encoder, monkeypatch, tmp_path):
    import jsonschema

    from ci_support import use_fake_encoder

    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(tmp_path)
    result = run_lint(LINT, "--format", "sarif", "--no-cache")
    assert result.exit_code == 1, result.output
    log = json.loads(result.stdout)
    with open(os.path.join(DATA, "ci", "sarif-schema-2.1.0.json"), encoding="utf-8") as fh:
        schema = json.load(fh)
    assert not list(jsonschema.Draft4Validator(schema).iter_errors(log))
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"brand-missing", "story-too-short"}
    assert run_lint(LINT, "--fail-on", "never", "--no-cache").exit_code == 0
    assert run_lint(str(tmp_path / "nowhere"), "--no-cache").exit_code == 2
    text = run_lint(LINT, "--no-cache", "--fail-on", "never").stdout
    assert "lifetime-cost.md: ok" in text and "5 plumb-line entries" in text


def test_lint_severities_come_from_config(fake_encoder, monkeypatch, tmp_path):
    from ci_support import use_fake_encoder

    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "plumbline.toml").write_text('[severities]\nbrand-missing = "info"\nstory-too-short = "info"\n'
                                              'avoid-reads-as-story = "info"\nentries-too-close = "info"\n')
    result = run_lint(LINT, "--format", "json", "--no-cache")
    data = json.loads(result.stdout)
    severities = {f["severity"] for r in data["files"] for f in r["findings"]} | {f["severity"] for f in data["findings"]}
    assert severities == {"info"} and result.exit_code == 0


def test_two_avoid_entries_that_say_the_same_thing(fake_encoder, tmp_path):
    import shutil

    shutil.copytree(CLEAN, tmp_path / "pl")
    (tmp_path / "pl" / "cuts-again.md").write_text(
        "---\nid: cuts-again\ntitle: Price cuts to close\nkind: avoid\n---\n"
        "- I can knock 15% off if you sign by Friday.\n- This promotional price ends on the 30th.\n"
        "- The first year of monitoring is free if you commit today.\n", encoding="utf-8")
    close = [f for f in lint(str(tmp_path / "pl"), fake_encoder).all_findings if f.rule == "entries-too-close"]
    assert [{f.story, dict(f.details)["other"]} for f in close] == [{"cuts-again", "price-cuts"}]
    assert close[0].message.startswith("avoid entries ")

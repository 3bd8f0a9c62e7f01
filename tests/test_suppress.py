"""`plumbline: ignore` comments: every comment syntax, which findings they cover, unknown rule
ids refused (exit 2, one line naming file:line), and suppressed findings counted, not lost.

Cases are files under tests/data/ci/suppress/, each with `<name>.expected.json` beside it
listing the (line, rule) findings that stay reported and those that are suppressed."""
import glob
import json
import os

import pytest

from ci_support import DATA, DRIFT, make_project, run_check, use_fake_encoder, write
from plumbline.model import ConfigError, Finding, Message, Suppression
from plumbline.rules import rule_ids
from plumbline.suppress import scan

CASES = sorted(p[: -len(".expected.json")] for p in glob.glob(os.path.join(DATA, "suppress", "*.expected.json")))


@pytest.fixture
def judge(fake_encoder):
    from plumbline.judge import JudgeSettings
    from plumbline.pipeline import prepare_judge
    from plumbline.plumbline_file import load_plumbline

    return prepare_judge(load_plumbline(os.path.join(DATA, "plumbline")), JudgeSettings(judge="thresholds"),
                         encoder=fake_encoder, use_cache=False)


def test_there_are_cases():
    assert len(CASES) >= 3


@pytest.mark.parametrize("case", CASES, ids=os.path.basename)
def test_case(case, judge):
    from plumbline.pipeline import check

    with open(case + ".expected.json", encoding="utf-8") as fh:
        expected = json.load(fh)
    report = check([case], judge.plumbline, judge=judge)
    (result,) = report.files
    assert result.error is None
    reported = sorted([f.line, f.rule] for f in result.findings if not f.suppressed)
    suppressed = sorted([f.line, f.rule] for f in result.findings if f.suppressed)
    assert reported == sorted(expected["reported"])
    assert all(pair in suppressed for pair in expected["suppressed"]), suppressed
    assert all(f.suppressed_by == "comment" for f in result.findings if f.suppressed)
    assert report.summary()["suppressed"] == len(suppressed)
    assert report.summary()["findings"] == len(reported)


@pytest.mark.parametrize("text, expected", [
    ("<!-- plumbline: ignore -->", Suppression(1, (), 1)),
    ("x\n<!--\n  plumbline: ignore[drift]\n-->", Suppression(3, ("drift",), 4)),
    ("[//]: # (plumbline: ignore[drift,off-message])", Suppression(1, ("drift", "off-message"), 1)),
    ("[comment]: <> (plumbline: ignore)", Suppression(1, (), 1)),
    ("{# plumbline: ignore[ drift , discount-language ] #}", Suppression(1, ("drift", "discount-language"), 1)),
    ("{% comment %}plumbline: ignore{% endcomment %}", Suppression(1, (), 1)),
    ("{%- comment -%}\nplumbline: ignore\n{%- endcomment -%}", Suppression(2, (), 3)),
    ("{{! plumbline: ignore }}", Suppression(1, (), 1)),
    ("{{!-- plumbline: ignore-file --}}", Suppression(1, (), 1, whole_file=True)),
    ("  # plumbline: ignore", Suppression(1, (), 1)),
    ("Thanks! // Plumbline: Ignore[drift]", Suppression(1, ("drift",), 1)),
    ("<!-- plumbline: ignore-file[off-message] -->", Suppression(1, ("off-message",), 1, whole_file=True)),
])
def test_comment_syntaxes(text, expected):
    assert scan(text) == (expected,)


@pytest.mark.parametrize("text", [
    "We never say plumbline: ignore in the body of an email.",  # not in a comment
    "See https://example.com/plumbline: ignore",  # // inside a URL is not a comment
    "<!-- plumbline: ignored for now -->",  # not the directive
    "<!-- no directive here -->",
])
def test_not_directives(text):
    assert scan(text) == ()


def test_coverage_is_the_line_and_the_line_after():
    from plumbline.decide import apply_suppressions

    message = Message("t.txt", (), suppressions=(Suppression(3, ("drift",), 4),))
    findings = [Finding("drift", "warning", "t.txt", line, 1, "m") for line in (2, 3, 4, 5, 6)]
    findings.append(Finding("off-message", "error", "t.txt", 4, 1, "m"))
    marked = apply_suppressions(findings, [message])
    assert [(f.line, f.rule) for f in marked if f.suppressed] == [(3, "drift"), (4, "drift"), (5, "drift")]


def test_unknown_rule_is_refused_naming_file_and_line():
    from plumbline.decide import apply_suppressions

    message = Message("t.txt", (), suppressions=(Suppression(7, ("drfit",), 7),))
    with pytest.raises(ConfigError, match=r"^t.txt:7: unknown rule 'drfit' in plumbline: ignore"):
        apply_suppressions([], [message])


def test_unknown_rule_exits_2_with_one_line(tmp_path, monkeypatch, fake_encoder):
    root = make_project(tmp_path)
    write(root, "templates/a.txt", "Hello there.\n")
    write(root, "templates/b.html", f"<p>Hi.</p>\n\n<!-- plumbline: ignore[dirft] -->\n<p>{DRIFT}</p>\n")
    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(root)
    result = run_check("templates")
    assert result.exit_code == 2
    assert result.stderr == f"error: {os.path.join('templates', 'b.html')}:3: unknown rule 'dirft' in plumbline: ignore " \
                            f"(rules are {', '.join(rule_ids())})\n"
    assert result.stdout == ""


def test_suppressed_findings_do_not_fail_the_run_and_are_counted(tmp_path, monkeypatch, fake_encoder):
    root = make_project(tmp_path)
    write(root, "templates/a.html", f"<!-- plumbline: ignore -->\n<p>{DRIFT}</p>\n")
    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(root)
    result = run_check("templates")
    assert result.exit_code == 0, result.output
    assert "0 finding(s), 1 suppressed" in result.stdout
    report = json.loads(run_check("templates", "--format", "json").stdout)
    assert report["summary"]["suppressed"] == 1 and report["files"][0]["findings"][0]["suppressed"] is True

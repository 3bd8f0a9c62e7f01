"""`plumbline check` end to end with the real offline model: the JSON contract, exit codes,
stdin, and a batch where one bad file does not stop the others."""
import json
import os

import pytest
from click.testing import CliRunner

from plumbline.cli import main

DATA = os.path.join(os.path.dirname(__file__), "data", "check")
PLUMBLINE = os.path.join(DATA, "plumbline")
pytestmark = pytest.mark.slow


def run(*args, input=None):
    result = CliRunner().invoke(main, ["check", "--plumbline", PLUMBLINE, *args], input=input)
    return result


def test_json_contract_and_every_input_accounted_for(real_encoder):
    result = run(os.path.join(DATA, "messages"), "--rep", "Riley", "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["plumbline"]["path"] == PLUMBLINE
    assert {s["id"]: s["kind"] for s in report["plumbline"]["stories"]} == {
        "compliance": "story", "total-cost": "story", "guarantees": "avoid"}
    files = {os.path.basename(f["path"]): f for f in report["files"]}
    assert sorted(files) == ["broken.txt", "call.txt", "drifting.txt", "on-message.txt"]
    assert "binary" in files["broken.txt"]["error"] and files["broken.txt"]["segments"] == []
    assert report["summary"]["files"] == 4 and report["summary"]["errors"] == 1
    segment = files["drifting.txt"]["segments"][1]
    assert set(segment) >= {"line", "speaker", "text", "label", "story", "score"}
    finding = files["drifting.txt"]["findings"][0]
    assert set(finding) >= {"rule", "severity", "line", "column", "message", "story"}


def test_labels_lines_and_coverage(real_encoder):
    report = json.loads(run(os.path.join(DATA, "messages"), "--rep", "Riley", "--format", "json").output)
    files = {os.path.basename(f["path"]): f for f in report["files"]}
    drifting = {s["line"]: (s["label"], s["story"]) for s in files["drifting.txt"]["segments"]}
    assert drifting[3][0] == "drift"
    assert drifting[4] == ("off-message", "guarantees")
    assert drifting[1][0] == drifting[6][0] == drifting[7][0] == "neutral"
    on = files["on-message.txt"]
    assert "total-cost" in on["coverage"]
    call = files["call.txt"]["segments"]
    assert [s["speaker"] for s in call] == ["Riley", "Riley"]  # the prospect's question is never judged


@pytest.mark.xfail(strict=True, reason="the judge of 2026-12-02 (issue 19) reads the Ohio-office paraphrase of the "
                                       "compliance story as drift; tests/data/hard_cases.tsv has one more (the refused guarantee)")
def test_a_paraphrased_story_is_not_flagged(real_encoder):
    report = json.loads(run(os.path.join(DATA, "messages", "on-message.txt"), "--format", "json").output)
    [on] = report["files"]
    assert not [f for f in on["findings"] if f["rule"] in ("drift", "off-message")]
    assert set(on["coverage"]) == {"compliance", "total-cost"}


def test_text_output_and_clean_exit(real_encoder, tmp_path):
    clean = tmp_path / "clean.txt"  # a greeting, the compliance story in the plumb line's own words, a sign-off
    clean.write_text("Hi Jordan,\n\nEvery filing, every withholding table and every deadline is handled for you, "
                     "so growing into a new state never means a new tax headache.\n\nBest,\nRiley\n", encoding="utf-8")
    result = run(str(clean))
    assert result.exit_code == 0, result.output
    assert "coverage: " in result.output and "0 finding(s)" in result.output
    flagged = run(os.path.join(DATA, "messages", "drifting.txt"))
    assert flagged.exit_code == 1
    assert f"{os.path.join(DATA, 'messages', 'drifting.txt')}:4:1: off-message " in flagged.output


def test_stdin_and_fail_on(real_encoder):
    text = "I guarantee you will never get a tax notice again, it is totally risk free.\n"
    assert run("-", input=text).exit_code == 1
    assert run("-", "--fail-on", "never", input=text).exit_code == 0


def test_plumbline_errors_exit_2_with_one_line(tmp_path):
    (tmp_path / "bad.md").write_text("no front matter\n")
    result = CliRunner().invoke(main, ["check", "--plumbline", str(tmp_path), os.path.join(DATA, "messages")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "bad.md: missing front matter" in result.output


def test_usage_errors_exit_2():
    assert CliRunner().invoke(main, ["check", "x.txt"]).exit_code == 2
    assert CliRunner().invoke(main, ["check", "--plumbline", PLUMBLINE, "x", "--rep-pattern", "("]).exit_code == 2


def test_a_free_offer_with_a_deadline_in_a_template_is_discount_language(real_encoder):
    """Issue 16 item 6: the template line is reported by the rule, with the words that fired."""
    text = ("Hi Jo,\n\nThis month only, setup is free for every new team that signs before the 28th.\n\n"
            "Best,\nRiley\n")
    result = run("-", "--format", "json", input=text)
    assert result.exit_code == 1, result.output
    [finding] = [f for f in json.loads(result.output)["files"][0]["findings"] if f["rule"] == "discount-language"]
    assert finding["line"] == 3 and "free-with-deadline" in finding["message"]


def test_a_warm_check_of_a_clean_template_loads_no_spacy(tmp_path):
    """With the sentence and parse caches warm, `check` needs neither spaCy nor an encoder
    runtime; the avoid entries about discounts are found only when a finding needs them."""
    import subprocess
    import sys

    template = os.path.join(DATA, "messages", "on-message.txt")
    args = ["check", template, "--plumbline", PLUMBLINE]
    code = ("import runpy, sys; sys.argv = ['plumbline'] + sys.argv[1:]\n"
            "try:\n    runpy.run_module('plumbline', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('spacy', 'torch', 'sentence_transformers') if m in sys.modules), file=sys.stderr)")
    env = {**os.environ, "PLUMBLINE_CACHE_DIR": str(tmp_path)}
    cold = subprocess.run([sys.executable, "-P", "-c", code, *args], capture_output=True, text=True, env=env)
    assert "'spacy'" in cold.stderr.splitlines()[-1], cold.stderr  # the first run parses and embeds
    warm = subprocess.run([sys.executable, "-P", "-c", code, *args], capture_output=True, text=True, env=env)
    assert warm.stderr.splitlines()[-1] == "[]", warm.stderr

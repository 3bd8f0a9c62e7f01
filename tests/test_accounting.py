"""Nothing lost: every input appears in the output exactly once, judged or with a one-line
error, and the summary adds up, for a batch mixing good files, bad files, duplicates, a
directory beside a file inside it, missing and unreadable paths, and standard input.

Uses the fake encoder (tests/conftest.py) and spaCy; small batches so several are judged.
"""
from __future__ import annotations

import json
import os
import shutil
from collections import Counter

import pytest

from ci_support import DISCOUNT, DRIFT, GOOD, run_check, use_fake_encoder
from fuzz_support import LINE_BREAK
from plumbline.formats import LoadOptions, expand_paths
from plumbline.judge import JudgeSettings
from plumbline.model import LABELS, SEVERITIES, Report
from plumbline.pipeline import iter_results, prepare_judge
from plumbline.plumbline_file import load_plumbline

HERE = os.path.dirname(os.path.abspath(__file__))
PLUMBLINE = os.path.join(HERE, "data", "ci", "plumbline")
FORMATS = os.path.join(HERE, "data", "formats")
OPTIONS = LoadOptions(reps=("Dana", "Sam"), max_bytes=200_000)
STDIN = (GOOD + DRIFT + DISCOUNT).encode()


@pytest.fixture
def batch(tmp_path, monkeypatch):
    """A mixed batch: (command-line paths, the distinct inputs expected in the output, in order)."""
    monkeypatch.chdir(tmp_path)
    os.makedirs("in/sub")
    for name in ("discovery_call.vtt", "reply_thread.eml", "newsletter.html", "pricing_call.json",
                 "voicemail_script.docx", "cold_call_script.docx", "deal_thread.mbox", "demo_call.srt"):
        shutil.copy(os.path.join(FORMATS, name), "in")
    for name in ("not_a_zip.docx", "invalid.json", "binary.html", "undecodable.txt", "no_headers.eml"):
        shutil.copy(os.path.join(FORMATS, "bad", name), "in/sub")
    with open("in/sub/pitch.txt", "w") as fh:
        fh.write(GOOD + DRIFT + DISCOUNT)
    with open("in/sub/huge_line.txt", "w") as fh:
        fh.write("We run payroll " * 12_000)  # one 180 KB line: cut into units spaCy accepts
    with open("in/too_big.txt", "w") as fh:
        fh.write("word " * 50_000)  # over max_bytes: reported and skipped
    os.makedirs("in/empty.txt")  # a directory named like a file, nothing inside
    os.makedirs("lonely")  # named on the command line, nothing to read
    os.symlink("nowhere.txt", "in/broken.txt")  # a broken symlink found by the walk
    if hasattr(os, "mkfifo"):
        os.mkfifo("in/pipe.txt")  # a named pipe nobody writes to: must not block
    paths = ["in", "in/sub/pitch.txt", "./in/sub/pitch.txt", "in/sub/pitch.txt", "missing.eml", "-", "lonely", "-",
             "in/empty.txt"]
    walked = sorted(os.path.join(root, f) for root, _, files in os.walk("in") for f in files)
    expected = _walk_order("in") + ["missing.eml", "-", "lonely", "in/empty.txt"]
    assert set(expected) >= set(walked)
    return paths, expected


def _walk_order(top):
    out = []
    for root, dirs, files in os.walk(top):
        dirs.sort()
        out += [os.path.join(root, f) for f in sorted(files)]
    return out


def judged_report(paths, encoder, batch_files=3) -> Report:
    plumbline = load_plumbline(PLUMBLINE)
    settings = JudgeSettings(judge="thresholds")
    judge = prepare_judge(plumbline, settings, encoder=encoder, use_cache=False)
    results = tuple(iter_results(judge, expand_paths(paths), OPTIONS, batch_files=batch_files, stdin_bytes=STDIN))
    return Report(plumbline=plumbline, files=results)


def assert_adds_up(summary: dict, report: Report) -> None:
    judged = [r for r in report.files if not r.error]
    assert summary["files"] == len(report.files) == len(judged) + summary["errors"]
    assert sum(summary["labels"].values()) == summary["sentences"] == sum(len(r.judgements) for r in judged)
    assert set(summary["labels"]) == set(LABELS)
    assert sum(summary["by_rule"].values()) == summary["findings"] == sum(summary["by_severity"].values())
    assert set(summary["by_severity"]) == set(SEVERITIES)
    unsuppressed = [f for f in report.all_findings if not f.suppressed]
    assert Counter(f.rule for f in unsuppressed) == Counter(summary["by_rule"])
    assert summary["suppressed"] == len(report.all_findings) - len(unsuppressed)
    assert summary["messages"] == sum(r.messages for r in judged)


def test_every_input_once_judged_or_with_an_error(batch, fake_encoder):
    paths, expected = batch
    report = judged_report(paths, fake_encoder)
    assert [r.path for r in report.files] == expected  # each once, in input order
    by_path = {r.path: r for r in report.files}
    for result in report.files:
        if result.error:
            assert not LINE_BREAK.search(result.error) and not result.judgements and not result.findings
        for f in result.findings:
            assert f.path == result.path
        for j in result.judgements:
            assert j.sentence.path == result.path
    errors = {path: r.error for path, r in by_path.items() if r.error}
    assert errors["missing.eml"] == "cannot read: No such file or directory"
    assert errors["in/broken.txt"] == "cannot read: No such file or directory"
    assert errors["in/too_big.txt"] == "file is 250000 bytes, over the 200000-byte limit"
    assert errors["lonely"].startswith("directory with no files to read")
    assert errors["in/empty.txt"].startswith("directory with no files to read")  # named: reported
    assert set(errors) >= {"in/sub/not_a_zip.docx", "in/sub/invalid.json", "in/sub/binary.html", "in/sub/undecodable.txt",
                           "in/sub/no_headers.eml"}
    judged = {path for path, r in by_path.items() if not r.error}
    assert {"in/sub/pitch.txt", "in/sub/huge_line.txt", "-", "in/discovery_call.vtt", "in/reply_thread.eml",
            "in/voicemail_script.docx", "in/deal_thread.mbox"} <= judged
    assert errors["in/cold_call_script.docx"].startswith("no speaker matches --rep")
    assert by_path["-"].judgements and by_path["in/sub/pitch.txt"].findings
    assert_adds_up(report.summary(), report)


def test_batch_size_changes_nothing(batch, fake_encoder):
    paths, _ = batch
    one = judged_report(paths, fake_encoder, batch_files=1)
    many = judged_report(paths, fake_encoder, batch_files=64)

    def outcome(report):  # scores may differ in the last float bit with the batch's shape
        return [(r.path, r.error, r.messages, [(j.sentence.line, j.sentence.text, j.label, j.story) for j in r.judgements],
                 [(f.rule, f.line, f.column, f.text) for f in r.findings]) for r in report.files]

    assert outcome(one) == outcome(many)
    assert one.summary() == many.summary()


def test_check_cli_json_lists_each_input_once(batch, fake_encoder, monkeypatch):
    paths, expected = batch
    use_fake_encoder(monkeypatch, fake_encoder)
    from click.testing import CliRunner

    from plumbline.cli import main

    result = CliRunner().invoke(main, ["check", *paths, "--plumbline", PLUMBLINE, "--judge", "thresholds",
                                       "--rep", "Dana", "--rep", "Sam", "--max-bytes", "200000", "--format", "json",
                                       "--no-cache"], input=STDIN)
    assert result.exit_code in (0, 1), result.output
    out = json.loads(result.stdout)
    assert [f["path"] for f in out["files"]] == expected
    s = out["summary"]
    assert s["files"] == len(expected) == sum(1 for f in out["files"] if not f["error"]) + s["errors"]
    assert sum(s["labels"].values()) == s["sentences"] == sum(len(f["segments"]) for f in out["files"])
    assert sum(s["by_rule"].values()) == s["findings"] == sum(
        1 for f in out["files"] for finding in f["findings"] if not finding["suppressed"])
    assert Counter(finding["rule"] for f in out["files"] for finding in f["findings"] if not finding["suppressed"]) \
        == Counter(s["by_rule"])


def test_text_summary_line_matches_the_report(batch, fake_encoder, monkeypatch):
    paths, expected = batch
    use_fake_encoder(monkeypatch, fake_encoder)
    result = run_check(*paths, "--plumbline", PLUMBLINE, "--judge", "thresholds", "--rep", "Dana", "--rep", "Sam",
                       "--max-bytes", "200000", "--no-cache")
    errors = sum(1 for line in result.stdout.splitlines() if ": error: " in line)
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith(f"{len(expected)} file(s), {errors} error(s), ")

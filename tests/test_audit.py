"""The batch audit with the fake encoder: totals agree with `check`, grouping by rep, folder and
month, bounded order-free samples, and an interrupted run that resumes without judging again."""
import csv
import io
import json
import os
import shutil

import pytest
from click.testing import CliRunner

from plumbline.audit import run_audit
from plumbline.audit.export import CsvSink
from plumbline.audit.grouping import canonical_rep, month_of
from plumbline.audit.sampling import BottomK, priority
from plumbline.formats import LoadOptions
from plumbline.judge import JudgeSettings
from plumbline.model import Block, Message
from plumbline.pipeline import check, prepare_judge
from plumbline.plumbline_file import load_plumbline

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, "tests", "data", "audit")
EXPORT = os.path.join(DATA, "export")
PLUMBLINE = os.path.join(REPO, "corpus", "companies", "northwind", "plumbline")
OPTIONS = LoadOptions(reps=("Dana Whitfield", "Marco Ruiz"))
SETTINGS = JudgeSettings(judge="thresholds")
VOLATILE = ("generated", "judged_files", "resumed_files")


class Recording:
    """Wraps the fake encoder (tests/conftest.py) and records what it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.fingerprint, self.dim = inner, inner.name, inner.fingerprint, inner.dim
        self.calls, self.texts = 0, []

    def encode(self, texts):
        self.calls += 1
        self.texts.extend(texts)
        return self.inner.encode(texts)


@pytest.fixture
def encoder(fake_encoder):
    return Recording(fake_encoder)


def make_judge(encoder, settings=SETTINGS):
    plumbline = load_plumbline(PLUMBLINE)
    return plumbline, prepare_judge(plumbline, settings, encoder=encoder)


def audit(paths, state, encoder, **kw):
    plumbline, judge = make_judge(encoder)
    encoder.calls, encoder.texts = 0, []  # count only what the audit itself embeds
    return run_audit(paths, plumbline, options=OPTIONS, judge=judge, state_dir=str(state), **kw)


def stable(summary):
    return {k: v for k, v in summary.as_dict().items() if k not in VOLATILE}


def test_totals_match_check(tmp_path, encoder):
    summary = audit([EXPORT], tmp_path / "state", encoder)
    plumbline, judge = make_judge(encoder)
    expected = check([EXPORT], plumbline, OPTIONS, judge=judge).summary()
    assert (summary.files, summary.errors, summary.messages, summary.sentences) == (
        expected["files"], expected["errors"], expected["messages"], expected["sentences"])
    assert summary.labels == expected["labels"]
    assert summary.findings_by_rule == expected["by_rule"]
    assert summary.error_samples == ((os.path.join(EXPORT, "empty.txt"), "file is empty"),)
    assert sum(g.sentences for g in summary.by_rep) == summary.sentences
    assert sum(g.messages for g in summary.by_month) == summary.messages


def test_rep_folder_and_month_of_every_message(tmp_path, encoder):
    out = io.StringIO()
    audit([EXPORT], tmp_path / "state", encoder, sinks=[CsvSink(out)])
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    with open(os.path.join(DATA, "expected_groups.json"), encoding="utf-8") as fh:
        expected = json.load(fh)
    expected.pop("_comment")
    got = {os.path.relpath(r["path"], EXPORT): r for r in rows}
    assert sorted(got) == sorted(expected)
    for rel, want in expected.items():
        row = got[rel]
        if "error" in want:
            assert row["error"] == want["error"]
            continue
        month = want["month"]
        if month == "mtime":
            month = month_of(Message(rel, ()), os.stat(os.path.join(EXPORT, rel)).st_mtime)
        assert (row["rep"], row["folder"], row["month"]) == (want["rep"], want["folder"], month), rel


def test_groups_and_coverage_add_up(tmp_path, encoder):
    summary = audit([EXPORT], tmp_path / "state", encoder)
    assert [g.name for g in summary.by_rep] == ["Dana Whitfield", "Marco Ruiz"]
    assert {"2025-01", "2025-02", "2025-03"} <= {g.name for g in summary.by_month}
    assert {g.name for g in summary.by_folder} == {"calls", "dana", "marco"}
    dana = summary.by_rep[0]
    assert dana.messages == 4  # three emails and her turns in the call
    assert set(summary.rep_months["Dana Whitfield"][0].labels) == {"aligned", "off-message", "drift", "neutral"}
    for story in summary.tells:
        told = summary.story_messages.get(story.id, 0)
        assert told == sum(g.stories.get(story.id, 0) for g in summary.by_folder)
        assert told <= summary.judged_messages
    assert 0 <= summary.story_coverage <= 1


def test_interrupted_audit_resumes_without_judging_again(tmp_path, encoder):
    state = tmp_path / "state"
    whole = audit([EXPORT], tmp_path / "whole", encoder)

    def stop_after_first_batch(progress):
        if progress.judged:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        audit([EXPORT], state, encoder, batch_files=3, on_progress=stop_after_first_batch)
    saved = [json.loads(line) for f in state.glob("*.jsonl") for line in f.open()]
    assert len(saved) == 3
    done = {os.path.basename(r["path"]) for r in saved}

    resumed = audit([EXPORT], state, encoder, batch_files=3)
    assert (resumed.resumed_files, resumed.judged_files) == (3, whole.files - 3)
    records = [json.loads(line) for f in state.glob("*.jsonl") for line in f.open()]
    left = sum(len(r["sentences"]) for r in records if os.path.basename(r["path"]) not in done)
    assert len(encoder.texts) == left, "only the sentences of unfinished files are embedded"
    assert stable(resumed) == stable(whole)

    third = audit([EXPORT], state, encoder)
    assert (third.resumed_files, third.judged_files, encoder.calls) == (whole.files, 0, 0)
    assert stable(third) == stable(whole)


def test_changed_file_and_changed_settings_are_judged_again(tmp_path, encoder):
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    state = tmp_path / "state"
    first = audit([str(export)], state, encoder)
    notes = export / "marco" / "notes.txt"
    os.utime(notes, (os.stat(notes).st_atime, os.stat(notes).st_mtime + 60))
    second = audit([str(export)], state, encoder)
    assert (second.judged_files, second.resumed_files) == (1, first.files - 1)
    plumbline, judge = make_judge(encoder, settings=JudgeSettings(judge="thresholds", story_threshold=0.3))
    third = run_audit([str(export)], plumbline, options=OPTIONS, judge=judge, state_dir=str(state))
    assert third.judged_files == first.files  # another judge setting: nothing saved is reused
    assert len(list(state.glob("*.jsonl"))) == 2


def test_a_partial_last_record_is_dropped_and_that_file_judged_again(tmp_path, encoder):
    state = tmp_path / "state"
    first = audit([EXPORT], state, encoder)
    [records] = state.glob("*.jsonl")
    lines = records.read_bytes().splitlines(keepends=True)
    records.write_bytes(b"".join(lines[:-1]) + lines[-1][:20])
    second = audit([EXPORT], state, encoder)
    assert (second.judged_files, second.resumed_files) == (1, first.files - 1)
    assert stable(second) == stable(first)


def test_samples_are_bounded_and_do_not_depend_on_input_order(tmp_path, encoder):
    files = sorted(os.path.join(root, name) for root, _, names in os.walk(EXPORT) for name in names)
    small = dict(theme_sample=4, map_sample=2, worst=2)
    forward = audit(files, tmp_path / "a", encoder, **small)
    backward = audit(files[::-1], tmp_path / "b", encoder, **small)
    assert forward.sample_sizes["themes"] == 4 and forward.sample_sizes["map"] <= 4 * 2
    assert len(forward.worst) == 2
    assert [p.text for p in forward.map_points] == [p.text for p in backward.map_points]
    assert [w.path for w in forward.worst] == [w.path for w in backward.worst]


def test_bottom_k_keeps_the_lowest_priorities():
    sample = BottomK(3)
    values = [priority(0, "s", i) for i in range(100)]
    for i, p in enumerate(values):
        sample.offer(p, i)
    assert sorted(sample.items()) == sorted(sorted(range(100), key=values.__getitem__)[:3])
    assert len(sample) == 3 and sample.offered == 100


@pytest.mark.parametrize("name, expected", [
    ("dana.whitfield@northwind.example", "Dana Whitfield"),
    ("DANA", "Dana Whitfield"),
    ("marco", "Marco Ruiz"),
    ("Priya Nair", "Priya Nair"),
    ("  ", None),
])
def test_names_are_spelt_the_way_rep_spells_them(name, expected):
    assert canonical_rep(name, OPTIONS) == expected


def test_month_from_date_header_in_utc_else_mtime():
    late = Message("x.eml", (Block("Hi.", 1),), metadata={"Date": "Fri, 31 Jan 2025 23:30:00 -0500"})
    assert month_of(late, 0) == "2025-02"
    assert month_of(Message("x.txt", ()), 1_700_000_000) == "2023-11"
    assert month_of(Message("x.eml", (), metadata={"Date": "not a date"}), 1_700_000_000) == "2023-11"


def test_cli_writes_report_csv_and_json(tmp_path, monkeypatch, fake_encoder):
    import plumbline.embed

    monkeypatch.setattr(plumbline.embed, "load_encoder", lambda *a, **k: fake_encoder)
    from plumbline.cli import main

    out = tmp_path / "out"
    out.mkdir()
    args = ["audit", EXPORT, "--plumbline", PLUMBLINE, "--rep", "Dana Whitfield", "--rep", "Marco Ruiz",
            "--judge", "thresholds", "--report", str(out / "audit.html"), "--csv", str(out / "audit.csv"),
            "--json", str(out / "audit.json")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "7 file(s) (7 judged, 0 resumed, 1 unreadable)" in result.output
    assert (out / "audit.audit-state").is_dir()
    summary = json.loads((out / "audit.json").read_text())
    assert summary["files"] == 7 and summary["labels"]
    assert (out / "audit.csv").read_text().startswith("path,message,rep,folder,month")
    assert "<!DOCTYPE html>" in (out / "audit.html").read_text()
    again = CliRunner().invoke(main, args + ["--quiet"])
    assert again.exit_code == 0 and again.output == ""
    assert json.loads((out / "audit.json").read_text())["resumed_files"] == 7

    assert CliRunner().invoke(main, args[:7]).exit_code == 2  # no output named
    assert CliRunner().invoke(main, ["audit", "-", "--plumbline", PLUMBLINE, "--json", "x.json"]).exit_code == 2


def test_cli_interrupt_says_how_to_resume(tmp_path, monkeypatch, fake_encoder):
    import plumbline.audit

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(plumbline.audit, "run_audit", interrupted)
    monkeypatch.setattr("plumbline.embed.load_encoder", lambda *a, **k: fake_encoder)
    from plumbline.cli import main

    result = CliRunner().invoke(main, ["audit", EXPORT, "--plumbline", PLUMBLINE, "--csv", str(tmp_path / "a.csv"),
                                       "--state", str(tmp_path / "s")])
    assert result.exit_code == 130
    assert "run the same command again to resume" in result.output
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "a.csv.partial").exists()

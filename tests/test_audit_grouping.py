"""Audit grouping on real exports: the month is the message's own date (email Date header, a
JSON export's date, a full date in a transcript's title line), else a date in the file name,
and only then the file's modification time, which is counted as "no date". The rep is the
sender or the speaker, else the name under the sign-off."""
from __future__ import annotations

import json
import os

import pytest

from plumbline.audit import run_audit
from plumbline.audit.grouping import dated_month, parse_date
from plumbline.formats import LoadOptions
from plumbline.judge import JudgeSettings
from plumbline.model import Block, Message
from plumbline.pipeline import prepare_judge
from plumbline.plumbline_file import load_plumbline

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUMBLINE = os.path.join(REPO, "tests", "data", "ci", "plumbline")
CLONED = 1_764_633_600  # 2025-12-02: when the export was copied, not when anything was said
SAID = "Ledgerly files your payroll taxes in every state where you have employees."


def _write(folder, name: str, text: str) -> str:
    path = os.path.join(str(folder), name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.utime(path, (CLONED, CLONED))
    return path


@pytest.fixture
def export(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    _write(folder, "intro.eml", "From: Ines Okafor <ines@ledgerly.example>\nTo: pat@buyer.example\n"
                                "Subject: Payroll\nDate: Tue, 14 Jan 2025 09:30:00 -0600\n\n" + SAID + "\n")
    _write(folder, "recorder-export.json", json.dumps({"created_at": "2025-02-20T16:05:00Z",
                                                       "segments": [{"text": SAID}]}))
    _write(folder, "call.txt", "Renewal call, 3 March 2025\n\nInes Okafor: " + SAID + "\nPat: Thanks.\nInes Okafor: "
                               + SAID + "\n")
    _write(folder, "2025-04-08-followup.txt", "Hi Pat,\n\n" + SAID + "\n\nBest,\nInes\n")
    _write(folder, "followup.txt", "Hi Pat,\n\n" + SAID + "\n\nKind regards,\n\nTheo Marsh | Payroll Specialist\n")
    return str(folder)


def _audit(paths, fake_encoder, tmp_path, options=LoadOptions(reps=("Ines Okafor",))):
    plumbline = load_plumbline(PLUMBLINE)
    judge = prepare_judge(plumbline, JudgeSettings(judge="thresholds"), encoder=fake_encoder)
    return run_audit(paths, plumbline, options=options, judge=judge, state_dir=str(tmp_path / "state"))


def test_months_come_from_the_messages_and_file_names_not_the_clone(export, fake_encoder, tmp_path):
    summary = _audit([export], fake_encoder, tmp_path)
    months = {g.name: g.messages for g in summary.by_month}
    assert months == {"2025-01": 1, "2025-02": 1, "2025-03": 1, "2025-04": 1, "2025-12": 1}, months
    assert summary.messages == 5 and summary.undated_messages == 1  # followup.txt: only its mtime
    assert summary.as_dict()["undated_messages"] == 1


def test_reps_come_from_sender_speaker_and_sign_off(export, fake_encoder, tmp_path):
    summary = _audit([export], fake_encoder, tmp_path)
    reps = {g.name: g.messages for g in summary.by_rep}
    assert reps == {"Ines Okafor": 3, "Theo Marsh": 1, "unknown": 1}, reps  # the JSON export names no one
    alone = _audit([export], fake_encoder, tmp_path / "no-reps", options=LoadOptions())
    assert "Ines" in {g.name for g in alone.by_rep}  # without reps, the sign-off's own spelling


def test_the_closing_line_says_how_many_messages_had_no_date(export, tmp_path, monkeypatch, fake_encoder):
    from click.testing import CliRunner

    from plumbline.cli import main

    monkeypatch.setattr("plumbline.embed.load_encoder", lambda *a, **k: fake_encoder)
    result = CliRunner().invoke(main, ["audit", export, "--plumbline", PLUMBLINE, "--judge", "thresholds",
                                       "--rep", "Ines Okafor", "--csv", str(tmp_path / "a.csv"),
                                       "--report", str(tmp_path / "a.html")])
    assert result.exit_code == 0, result.output
    assert "1 message(s) had no date (month from the file's modification time)" in result.output
    rows = (tmp_path / "a.csv").read_text().splitlines()
    assert rows[0].startswith("path,message,rep,folder,month,dated,")
    assert sum(",no," in row for row in rows) == 1
    assert "1 of 5 message(s) had no date" in (tmp_path / "a.html").read_text()


@pytest.mark.parametrize("text, month", [
    ("Fri, 31 Jan 2025 23:30:00 -0500", "2025-02"),  # in UTC
    ("2025-03-12T10:00:00+02:00", "2025-03"),
    ("1741773600", "2025-03"), ("1741773600000", "2025-03"),
    ("12 March 2025", "2025-03"), ("March 12, 2025", "2025-03"),
])
def test_dates_the_exports_write(text, month):
    assert parse_date(text).strftime("%Y-%m") == month


@pytest.mark.parametrize("text", ["12/03/2025", "12 March", "soon", "v2", "20251399"])
def test_what_is_not_a_date_is_not_guessed(text):
    assert parse_date(text) is None


@pytest.mark.parametrize("name, month", [
    ("2025-03-12-call.txt", "2025-03"), ("call_20250312.vtt", "2025-03"), ("notes-2025-06.md", "2025-06"),
    ("call-01-discovery.txt", None), ("v20251399.txt", None),
])
def test_dates_in_file_names(name, month):
    got, dated = dated_month(Message(f"x/{name}", (Block("Hi.", 1),)), CLONED)
    assert (got if dated else None) == month

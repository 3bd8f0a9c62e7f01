"""Who is a rep, over a whole run (issue 16 items 3, 4, 12): every skipped file says why, a
--rep that names nobody warns (or fails under --strict), --rep-domain and rep_domains name reps
by address, and a text file in another encoding is read and says which."""
from __future__ import annotations

import json

import pytest

from ci_support import DISCOUNT, GOOD, make_project, run_check, use_fake_encoder, write
from plumbline.formats import LoadOptions, load_path
from plumbline.formats.reps import RepTracker

INBOUND = "Your rival guarantees zero spoilage and 40% off.\n"


def mail(sender: str, body: str, date: str = "Mon, 3 Mar 2025 09:00:00 +0000") -> str:
    return f"From: {sender}\nTo: someone@example.org\nDate: {date}\nSubject: plan\n\n{body}"


def mbox(*entries: str) -> str:
    return "\n".join(f"From x@y Mon Mar  3 09:00:00 2025\n{entry}" for entry in entries)


@pytest.fixture
def project(tmp_path, monkeypatch, fake_encoder):
    root = make_project(tmp_path / "repo")
    write(root, "mail/rep.eml", mail("Dana Whitfield <dana@northwind.com>", GOOD))
    write(root, "mail/thread.mbox", mbox(mail("Dana Whitfield <dana@northwind.com>", DISCOUNT),
                                         mail("Jo Park <jo@acme.example>", INBOUND)))
    write(root, "mail/template.txt", GOOD)
    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(root)
    return root


def as_json(result) -> dict:
    return {f["path"]: f for f in json.loads(result.stdout)["files"]}


def judged_text(files: dict) -> str:
    return " ".join(s["text"] for f in files.values() for s in f["segments"])


def test_a_rep_that_matches_nobody_warns_and_every_skipped_file_says_why(project):
    result = run_check("mail", "--rep", "Tom Beker", "--format", "json")
    files = as_json(result)
    assert "warning: --rep Tom Beker matched no speaker or sender in the 3 file(s) read" in result.stderr
    assert files["mail/rep.eml"]["segments"] == []
    assert files["mail/rep.eml"]["notes"] == [
        "not judged: from dana@northwind.com, not a rep (--rep/--rep-pattern/--rep-domain)"]
    assert len(files["mail/thread.mbox"]["notes"]) == 2
    assert files["mail/template.txt"]["notes"] == [
        "judged whole as a rep's words: no speaker or sender to match --rep against"]
    text = run_check("mail", "--rep", "Tom Beker")
    assert "mail/rep.eml: note: not judged: from dana@northwind.com, not a rep" in text.stdout


def test_strict_fails_when_a_rep_matches_nobody_and_passes_when_every_one_matches(project):
    failed = run_check("mail", "--rep", "Tom Beker", "--rep", "Dana", "--strict", "--fail-on", "never")
    assert failed.exit_code == 2 and "error: --rep Tom Beker matched no speaker" in failed.stderr
    assert "Dana" not in failed.stderr.split("matched")[0]
    passed = run_check("mail", "--rep", "Dana", "--strict", "--fail-on", "never")
    assert passed.exit_code == 0 and "matched no speaker" not in passed.stderr


def test_rep_domain_judges_the_reps_mail_only(project):
    files = as_json(run_check("mail", "--rep-domain", "northwind.com", "--format", "json"))
    assert "zero spoilage" not in judged_text(files)
    assert "20% off" in judged_text(files) and files["mail/rep.eml"]["segments"]
    assert files["mail/thread.mbox"]["notes"] == [
        "not judged: from jo@acme.example, not a rep (--rep/--rep-pattern/--rep-domain)"]


def test_rep_domains_in_config_and_subdomains(project):
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "thresholds"\nrep_domains = ["@Northwind.com"]\n')
    write(project, "mail/eu.eml", mail("Ana <ana@eu.northwind.com>", GOOD))
    write(project, "mail/lookalike.eml", mail("Eve <eve@notnorthwind.com>", INBOUND))
    result = run_check("mail", "--format", "json")
    files = as_json(result)
    assert files["mail/eu.eml"]["segments"] and not files["mail/lookalike.eml"]["segments"]
    assert "zero spoilage" not in judged_text(files)
    assert "matched no" not in result.stderr and "no rep named" not in result.stderr


def test_without_reps_mail_from_several_senders_is_judged_and_said_once(project):
    write(project, "mail/other.eml", mail("Jo Park <jo@acme.example>", INBOUND))
    result = run_check("mail", "--format", "json")
    assert "zero spoilage" in judged_text(as_json(result))
    assert result.stderr.count("note: no rep named, so mail from 2 senders was judged") == 1
    alone = run_check("mail/rep.eml")
    assert "no rep named" not in alone.stderr


@pytest.mark.parametrize("value, problem", [("foo", "not a mail domain"), ("dana@northwind.com", "not a mail domain")])
def test_bad_rep_domain_is_a_usage_error(project, value, problem):
    result = run_check("mail", "--rep-domain", value)
    assert result.exit_code == 2 and problem in result.stderr


def test_bad_config_values_name_the_key(project):
    write(project, "plumbline.toml", 'plumbline = "plumbline"\nrep_domains = ["not a domain"]\n')
    assert "key 'rep_domains'" in run_check("mail").stderr
    write(project, "plumbline.toml", 'plumbline = "plumbline"\nencoding = "klingon"\n')
    assert "key 'encoding' unknown encoding 'klingon'" in run_check("mail").stderr


def test_tracker_matches_speakers_names_addresses_and_patterns(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text("Dana: Hi.\nJo: Hello.\nDana: We ship on Friday.\n")
    options = LoadOptions(reps=("dana", "Tom"), rep_pattern="^Zed", rep_domains=("northwind.com",))
    tracker = RepTracker(options)
    tracker.add(load_path(str(path), options))
    assert tracker.unmatched() == ["--rep Tom", "--rep-domain northwind.com", "--rep-pattern ^Zed"]
    eml = tmp_path / "m.eml"
    eml.write_text(mail('"Lee, Tom" <zed@sales.northwind.com>', GOOD))
    tracker.add(load_path(str(eml), options))
    assert tracker.unmatched() == []


CP1252 = "Hi Jordan,\n\nWe\u2019re ready \u2014 the caf\u00e9 order ships Friday.\n"


def test_a_cp1252_text_file_is_read_and_says_so(project):
    with open("mail/outlook.txt", "wb") as fh:
        fh.write(CP1252.encode("cp1252"))
    [message] = load_path("mail/outlook.txt")
    assert message.blocks[0].text == CP1252 and message.notes == ("read as cp1252 (detected: not UTF-8)",)
    files = as_json(run_check("mail/outlook.txt", "--format", "json"))
    assert files["mail/outlook.txt"]["error"] is None
    assert files["mail/outlook.txt"]["notes"] == ["read as cp1252 (detected: not UTF-8)"]
    assert "We\u2019re ready \u2014 the caf\u00e9 order ships Friday." in judged_text(files)


@pytest.mark.parametrize("text, encoding", [
    ("Zażółć gęślą jaźń. Dziękujemy za rozmowę, umowa będzie gotowa w piątek.\n", "cp1250"),
    ("Спасибо за звонок. Мы отправим договор в пятницу.\n", "cp1251"),
    ("Straße, Grüße und Größe: wir liefern am Freitag.\n", "cp1252"),
])
def test_other_windows_code_pages_are_detected(tmp_path, text, encoding):
    path = tmp_path / "note.txt"
    path.write_bytes(text.encode(encoding))
    [message] = load_path(str(path))
    assert message.blocks[0].text == text and message.notes == (f"read as {encoding} (detected: not UTF-8)",)


def test_encoding_flag_forces_the_codec(project):
    with open("mail/latin.txt", "wb") as fh:
        fh.write("Caf\u00e9 au lait, \u00a340 a seat.\n".encode("latin-1"))
    files = as_json(run_check("mail/latin.txt", "--encoding", "latin-1", "--format", "json"))
    assert files["mail/latin.txt"]["notes"] == ["read as iso8859-1 (--encoding)"]
    with open("mail/utf16.txt", "wb") as fh:
        fh.write(b"\xff\xfe" + "Hi.\n".encode("utf-16-le"))
    forced = as_json(run_check("mail/utf16.txt", "--encoding", "ascii", "--format", "json"))
    assert forced["mail/utf16.txt"]["error"] == "not valid ascii (byte 0xff at offset 0)"
    assert run_check("mail", "--encoding", "klingon").exit_code == 2


def test_audit_warns_about_a_rep_that_matches_nobody_and_honours_strict(project, tmp_path):
    from click.testing import CliRunner

    from plumbline.cli import main

    args = ["audit", "mail", "--plumbline", "plumbline", "--judge", "thresholds", "--rep", "Tom Beker",
            "--json", str(tmp_path / "a.json"), "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "warning: --rep Tom Beker matched no speaker or sender" in result.output
    strict = CliRunner().invoke(main, args + ["--strict", "--fresh"])
    assert strict.exit_code == 2 and "error: --rep Tom Beker matched no speaker" in strict.output
    resumed = CliRunner().invoke(main, args)  # nothing read this run: nothing to say
    assert resumed.exit_code == 0 and resumed.output == ""


@pytest.mark.parametrize("fmt, expected", [
    ("github", "::notice file=mail/rep.eml,title=plumbline%3A note::not judged: from dana@northwind.com, not a rep"),
    ("junit", "<system-out>note: not judged: from dana@northwind.com, not a rep"),
    ("sarif", '"text": "mail/rep.eml: not judged: from dana@northwind.com, not a rep'),
])
def test_notes_reach_every_ci_format(project, fmt, expected):
    result = run_check("mail", "--rep", "Tom Beker", "--format", fmt)
    assert expected in result.stdout


def test_strict_and_encoding_from_the_config_file(project):
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "thresholds"\nreps = ["Tom Beker"]\n'
                                     'strict = true\nencoding = "latin-1"\n')
    with open("mail/latin.txt", "wb") as fh:
        fh.write("Caf\u00e9 au lait.\n".encode("latin-1"))
    result = run_check("mail", "--format", "json", "--fail-on", "never")
    assert result.exit_code == 2 and "error: --rep Tom Beker matched no speaker" in result.stderr
    assert as_json(result)["mail/latin.txt"]["notes"][0] == "read as iso8859-1 (--encoding)"

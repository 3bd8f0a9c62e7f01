"""CRM email exports (issue 16 item 12): HubSpot, Salesforce, Outreach and Salesloft shapes, one
message per row, findings at the row's line, columns guessed or named, clear errors."""
from __future__ import annotations

import csv
import io
import json

import pytest

from ci_support import make_project, run_check, use_fake_encoder, write
from plumbline.formats import LoadOptions, load_path
from plumbline.formats.export_columns import MappingError, columns_for
from plumbline.model import InputError
from plumbline.segment import segment_messages

REP = "We ship every order by Friday.\nOur chefs also cater your office parties with sushi platters."
INBOUND = "Your rival guarantees zero spoilage and 40% off.\n\nOn Mon, Dana wrote:\n> We ship every order by Friday."


def to_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


HUBSPOT = to_csv([
    ["Record ID", "Email from address", "Email to address", "Email subject", "Email body", "Activity date"],
    ["11", "dana@northwind.com", "jo@acme.example", "plan", f"Hi Jo,\n\n{REP}\n\nDana", "2025-03-03 09:00"],
    ["12", "jo@acme.example", "dana@northwind.com", "Re: plan", INBOUND, "2025-03-03 10:00"],
    ["13", "dana@northwind.com", "jo@acme.example", "again", "", "2025-03-04 10:00"],
    ["14", "dana@northwind.com", "jo@acme.example", "follow-up", "Thanks for the call today.", "2025-03-05 10:00"],
])
SALESFORCE = to_csv([
    ["Id", "FromAddress", "FromName", "ToAddress", "Subject", "TextBody", "HtmlBody", "MessageDate"],
    ["a1", "dana@northwind.com", "Dana Whitfield", "jo@acme.example", "plan", "", f"<p>{REP}</p>", "2025-03-03"],
    ["a2", "jo@acme.example", "Jo Park", "dana@northwind.com", "Re", INBOUND, "", "2025-03-03"],
], delimiter=";")
OUTREACH = "\n".join(json.dumps(row) for row in [
    {"id": 1, "attributes": {"bodyText": REP, "bodyHtml": None, "subject": "plan", "deliveredAt": "2025-03-03T09:00Z",
                             "mailboxAddress": "Dana Whitfield <dana@northwind.com>", "toRecipients": ["jo@acme.example"]}},
    {"id": 2, "attributes": {"bodyText": INBOUND, "subject": "Re", "mailboxAddress": "jo@acme.example"}},
]) + "\n"
SALESLOFT = to_csv([["id", "sent_at", "from", "to", "subject", "body"],
                    ["5", "2025-03-03", "Whitfield, Dana <dana@northwind.com>", "jo@acme.example", "plan", REP],
                    ["6", "2025-03-04", "Jo Park <jo@acme.example>", "dana@northwind.com", "Re", INBOUND]], "\t")


@pytest.mark.parametrize("name, text, rep_lines", [
    ("hubspot.csv", HUBSPOT, [2, 2, 2, 2, 13]),
    ("salesforce.csv", SALESFORCE, [2, 2]),
    ("outreach.jsonl", OUTREACH, [1, 1]),
    ("salesloft.csv", SALESLOFT, [2, 2]),
])
def test_each_crm_shape_gives_one_message_per_row_pointing_at_the_row(tmp_path, name, text, rep_lines):
    path = tmp_path / name
    path.write_text(text)
    messages = load_path(str(path), LoadOptions(rep_domains=("northwind.com",)))
    assert all(m.kind == "email" for m in messages)
    judged = segment_messages(messages)
    assert [s.line for s in judged] == rep_lines
    said = " ".join(s.text for s in judged)
    assert "We ship every order by Friday." in said and "zero spoilage" not in said
    lines = text.split("\n")
    for s in judged:  # the row's first line holds the row's id
        assert lines[s.line - 1].split(",")[0].split(";")[0].split("\t")[0].strip('{"id: ') in {
            "11", "14", "a1", "1", "5"}
    inbound = [m for m in messages if m.sender == "jo@acme.example"]
    assert inbound and all(m.notes == ("not judged: from jo@acme.example, not a rep "
                                       "(--rep/--rep-pattern/--rep-domain)",) for m in inbound)


def test_row_metadata_and_rep_by_name(tmp_path):
    path = tmp_path / "salesloft.csv"
    path.write_text(SALESLOFT)
    message, inbound = load_path(str(path), LoadOptions(reps=("Dana Whitfield",)))
    assert not any(b.judged for b in inbound.blocks) and inbound.metadata["From"] == "Jo Park <jo@acme.example>"
    assert message.metadata == {"From": "Whitfield, Dana <dana@northwind.com>", "To": "jo@acme.example",
                                "Date": "2025-03-03", "Subject": "plan", "Message-ID": "5"}
    assert all(b.judged for b in message.blocks)


def test_named_columns_win_over_guesses_and_missing_ones_are_clear_errors(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(to_csv([["Notes", "Message", "Owner"], ["internal only", "We ship every order by Friday.", "Dana"]]))
    [guessed] = load_path(str(path))
    assert guessed.blocks[0].text == "We ship every order by Friday."
    [named] = load_path(str(path), LoadOptions(columns=(("body", "notes"),)))
    assert named.blocks[0].text == "internal only"
    with pytest.raises(InputError, match=r"no column 'Body Text' for body \(columns are 'Notes', 'Message', 'Owner'\)"):
        load_path(str(path), LoadOptions(columns=(("body", "Body Text"),)))
    path.write_text(to_csv([["Subject", "Owner"], ["plan", "Dana"]]))
    with pytest.raises(InputError, match="no email body column: name it with --export-column body=NAME"):
        load_path(str(path))
    path.write_text(to_csv([["Subject", "Body"], ["plan", "We ship on Friday."]]))
    with pytest.raises(InputError, match="no sender column, needed to tell the reps' mail from inbound mail"):
        load_path(str(path), LoadOptions(reps=("Dana",)))
    assert load_path(str(path))  # without --rep no sender is needed


def test_guesses_never_give_one_column_two_fields():
    columns = columns_for(["From", "Body", "Date"], (), need_sender=False)
    assert columns == {"sender": "From", "body": "Body", "date": "Date"}
    with pytest.raises(MappingError):
        columns_for(["Subject"], (), need_sender=False)


def test_malformed_rows_name_the_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"body": "We ship."}\n[1, 2]\n')
    with pytest.raises(InputError, match="line 2: not a JSON object"):
        load_path(str(path))


@pytest.fixture
def project(tmp_path, monkeypatch, fake_encoder):
    root = make_project(tmp_path / "repo")
    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(root)
    return root


def test_check_reads_an_export_with_config_columns_and_a_cp1252_file(project):
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "thresholds"\nrep_domains = ["northwind.com"]\n'
                                     '[export_columns]\nbody = "Notes"\nsender = "Owner"\n')
    with open("export.csv", "wb") as fh:
        fh.write(to_csv([["Owner", "Notes"], ["dana@northwind.com", "Our chefs cater your caf\u00e9 parties."],
                         ["jo@acme.example", "Your rival guarantees zero spoilage."]]).encode("cp1252"))
    result = run_check("export.csv", "--format", "json")
    [entry] = json.loads(result.stdout)["files"]
    assert entry["error"] is None and [s["line"] for s in entry["segments"]] == [2]
    assert entry["segments"][0]["text"] == "Our chefs cater your caf\u00e9 parties."
    assert entry["notes"] == ["read as cp1252 (detected: not UTF-8)",
                              "not judged: from jo@acme.example, not a rep (--rep/--rep-pattern/--rep-domain)"]
    bad = run_check("export.csv", "--export-column", "bodyy=Notes")
    assert bad.exit_code == 2 and "unknown field 'bodyy'" in bad.stderr
    write(project, "plumbline.toml", 'plumbline = "plumbline"\n[export_columns]\nbody = ""\n')
    assert "body must be a non-empty column name" in run_check("export.csv").stderr


def test_audit_reads_an_export_one_message_per_row(project, tmp_path):
    from click.testing import CliRunner

    from plumbline.cli import main

    with open("export.csv", "w", encoding="utf-8") as fh:
        fh.write(HUBSPOT)
    out = tmp_path / "a.json"
    result = CliRunner().invoke(main, ["audit", "export.csv", "--plumbline", "plumbline", "--judge", "thresholds",
                                       "--rep-domain", "northwind.com", "--json", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text())
    assert summary["files"] == 1 and summary["messages"] == 3  # the row with an empty body is skipped
    assert summary["sentences"] == 5  # the rep's two rows; the prospect's row is not judged

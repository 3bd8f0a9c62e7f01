"""Reading touch logs: bad files become one-line FileResult errors, never crashes; row counts,
directories, several files, gzip, UTF-16 and CRLF exports."""
from __future__ import annotations

import gzip

from contact_helpers import encoder, run, write  # noqa: F401 (fixtures: run needs encoder)

HEADER = "timestamp,contact,channel,team,sender\n"


def five_touches(contact="ana@acme.com", day0=6):
    channels = ("email", "call", "sms", "linkedin", "meeting")
    return "".join(f"2024-05-{day0 + i:02d}T09:00:00Z,{contact},{ch},sales,rep1@vendor.com\n" for i, ch in enumerate(channels))


def test_binary_empty_and_wrong_files_are_errors_not_crashes(tmp_path, run):
    binary = tmp_path / "export.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    empty = write(tmp_path, "empty.csv", "")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(HEADER.encode() + "2024-05-06T09:00:00Z,jos\xe9@acme.com,email,sales,r@v.com\n".encode("latin-1") * 3000)
    no_contact = write(tmp_path, "nocontact.csv", "timestamp,email\n2024-05-06T09:00:00Z,a@b.com\n")
    report = run(binary, empty, latin1, no_contact)
    errors = {r.path.rsplit("/", 1)[-1]: r.error for r in report.files}
    assert "binary file" in errors["export.csv"]
    assert errors["empty.csv"] == "file is empty"
    assert "UTF-8" in errors["latin1.csv"]
    assert "no column 'contact'" in errors["nocontact.csv"] and "[contacts.columns]" in errors["nocontact.csv"]
    assert all("\n" not in e for e in errors.values())


def test_row_counts_and_a_contact_spread_over_two_files(tmp_path, run):
    first = write(tmp_path, "a.csv", HEADER + "".join(five_touches().splitlines(True)[:2]))
    second = write(tmp_path, "b.jsonl", "\n".join(
        f'{{"timestamp": "2024-05-{d:02d}T09:00:00Z", "contact": "ana@acme.com", "channel": "{c}"}}'
        for d, c in ((8, "sms"), (9, "linkedin"), (10, "meeting"))) + "\n")
    report = run(first, second)
    assert [r.messages for r in report.files] == [2, 3]
    (finding,) = report.findings
    assert (finding.rule, finding.path, finding.line) == ("over-contact", second, 3)


def test_directories_are_walked_for_logs_only(tmp_path, run):
    (tmp_path / "logs" / ".hidden").mkdir(parents=True)
    write(tmp_path / "logs", "touches.csv", HEADER + five_touches())
    write(tmp_path / "logs", "notes.txt", "not a log")
    write(tmp_path / "logs" / ".hidden", "old.csv", HEADER + five_touches("bo@acme.com"))
    report = run(tmp_path / "logs")
    assert [r.path.rsplit("/", 1)[-1] for r in report.files] == ["touches.csv"]
    assert [f.rule for f in report.findings] == ["over-contact"]


def test_gzip_utf16_crlf_and_tsv(tmp_path, run):
    gz = tmp_path / "a.csv.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write(HEADER + five_touches("a@acme.com"))
    utf16 = tmp_path / "b.csv"
    utf16.write_bytes((HEADER + five_touches("b@acme.com")).encode("utf-16"))
    crlf = tmp_path / "c.csv"
    crlf.write_bytes((HEADER + five_touches("c@acme.com")).replace("\n", "\r\n").encode())
    tsv = write(tmp_path, "d.tsv", (HEADER + five_touches("d@acme.com")).replace(",", "\t"))
    report = run(gz, utf16, crlf, tsv)
    assert [r.error for r in report.files] == [None] * 4
    assert sorted((f.path.rsplit("/", 1)[-1], f.line) for f in report.findings) == [
        ("a.csv.gz", 6), ("b.csv", 6), ("c.csv", 6), ("d.tsv", 6)]


def test_a_file_with_only_bad_rows_still_reads(tmp_path, run):
    log = write(tmp_path, "bad.csv", HEADER + "soon,ana@acme.com,email,sales,r@v.com\nlater,,call,sales,r@v.com\n")
    report = run(log)
    (result,) = report.files
    assert result.error is None and result.messages == 2
    (notice,) = result.findings
    assert notice.rule == "unreadable-rows" and notice.line == 2 and notice.severity == "warning"

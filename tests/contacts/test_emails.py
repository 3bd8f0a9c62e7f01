"""Email corpora as touch logs: each sent message touches every external To/Cc recipient."""
from __future__ import annotations

from contact_helpers import encoder, run, write  # noqa: F401 (fixtures: run needs encoder)

from plumbline.contacts.emails import iso_date

BODY = "Hi Ana,\n\nTeams like yours close the books two days sooner with automated payroll audits.\nWorth a call?\n"


def eml(date: str, to: str = "Ana <ana@acme.com>", cc: str = "Boss <boss@vendor.com>", body: str = BODY) -> str:
    headers = ["From: Rep One <rep1@vendor.com>", f"To: {to}", f"Cc: {cc}", "Subject: Quick question",
               f"Message-ID: <{abs(hash(date))}@vendor.com>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    if date:
        headers.insert(3, f"Date: {date}")
    return "\n".join(headers) + "\n\n" + body


def test_eml_files_are_touches_and_colleagues_on_cc_are_not(tmp_path, run):
    first = write(tmp_path, "1.eml", eml("Mon, 06 May 2024 09:00:00 -0400"))
    second = write(tmp_path, "2.eml", eml("Thu, 09 May 2024 15:00:00 +0200"))
    report = run(first, second)
    assert [r.messages for r in report.files] == [1, 1]
    (finding,) = report.findings
    assert finding.rule == "repeat-pitch" and finding.path == second
    assert "ana@acme.com: same pitch again after 3d0h" in finding.message  # 09:00 -0400 and 15:00 +0200 are both 13:00Z
    assert "2024-05-06 09:00-04:00" in finding.message and "2024-05-09 15:00+02:00" in finding.message  # as each Date wrote it
    assert "email/rep1@vendor.com" in finding.message and "boss@vendor.com" not in finding.message


def test_mbox_messages_are_touches_with_their_own_lines(tmp_path, run):
    days = ("06", "07", "08", "09", "10")
    parts = []
    for i, day in enumerate(days):
        body = f"Note {i}: " + " ".join(["payroll", "audit", "webinar", "europe", "hiring", "quarter"][i:] * 3) + "\n"
        parts.append(f"From rep1@vendor.com Mon May {day} 09:00:00 2024\n" + eml(f"{day} May 2024 09:00:00 +0000", body=body))
    mbox = write(tmp_path, "sent.mbox", "\n".join(parts))
    report = run(mbox)
    assert report.files[0].messages == 5
    over = [f for f in report.findings if f.rule == "over-contact"]
    assert len(over) == 1 and "5 email touches" not in over[0].message
    text = open(mbox).read().split("\n")
    assert text[over[0].line - 1].startswith("Note 4"), over[0].line


def test_a_message_without_date_or_recipient_is_an_unreadable_row(tmp_path, run):
    undated = write(tmp_path, "undated.eml", eml(""))
    internal = write(tmp_path, "internal.eml", eml("Mon, 06 May 2024 09:00:00 +0000", to="boss@vendor.com", cc=""))
    report = run(undated, internal)
    notices = {r.path.rsplit("/", 1)[-1]: [f.message for f in r.findings] for r in report.files}
    assert notices["undated.eml"] == ["1 row skipped: 1 unreadable timestamp (first at line 9)"]
    assert notices["internal.eml"] == ["1 row skipped: 1 row without a contact (first at line 10)"]  # body line


def test_rfc_2822_dates_keep_their_offset():
    assert iso_date("Sun, 10 Mar 2024 03:30:00 -0400") == "2024-03-10T03:30:00-04:00"
    assert iso_date("10 Mar 2024 07:30:00 -0000") == "2024-03-10T07:30:00+00:00"
    assert iso_date("next tuesday") == "next tuesday"
    assert iso_date("") is None

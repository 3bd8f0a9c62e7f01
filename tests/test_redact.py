"""--redact: email addresses, phone numbers and people's names are masked in every output that
quotes text, by one function applied to the Report before any renderer sees it."""
from __future__ import annotations

import io
import json
import os
import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ci_support import run_check, use_fake_encoder
from fuzz_support import FUZZ
from plumbline.model import Evidence, FileResult, Finding, Judgement, PlumbLine, Report, Sentence, Story
from plumbline.redact import EMAIL, NAME, PHONE, redact_report, redact_text
from plumbline.report import RENDERERS, render

PLUMBLINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "ci", "plumbline")


@pytest.mark.parametrize("text, expected", [
    ("Write to dana.whitfield@acme.com today", f"Write to {EMAIL} today"),
    ("cc: o'brien+sales@mail.example.co.uk.", f"cc: {EMAIL}."),
    ("Call +1 (555) 123-4567 or 555.123.4567", f"Call {PHONE} or {PHONE}"),
    ("UK: +44 20 7946 0958 / 020 7946 0958 / 07700900123", f"UK: {PHONE} / {PHONE} / {PHONE}"),
    ("Mobile 555-0199-123, ext 12", f"Mobile {PHONE}, ext 12"),
    ("Since 2019-2024 we saved $1,500,000 and €2 000 000.", "Since 2019-2024 we saved $1,500,000 and €2 000 000."),
    ("On 2024-01-15 at 10:30, or 15.01.2024", "On 2024-01-15 at 10:30, or 15.01.2024"),
    ("1 000 000 users, 12.500.000 euros, 35% of 12 000 hours", "1 000 000 users, 12.500.000 euros, 35% of 12 000 hours"),
    ("pi is 3.14159265; version 1.2.3", "pi is 3.14159265; version 1.2.3"),
    ("Our 3 plans start at 49 per seat", "Our 3 plans start at 49 per seat"),
])
def test_emails_and_phones(text, expected):
    assert redact_text(text) == expected


def test_names_whole_words_full_and_parts():
    names = ["Dana Whitfield", "Sam Lee", "Speaker 2"]
    assert redact_text("Thanks Dana, said Dana Whitfield to Sam Lee and Samantha.", names) == \
        f"Thanks {NAME}, said {NAME} to {NAME} and Samantha."
    assert redact_text("Speaker 2 agreed with the speaker.", names) == "Speaker 2 agreed with the speaker."


def report_with_pii() -> Report:
    path = "calls/Dana Whitfield - dana@acme.com.vtt"
    said = "Hi Jennifer, call me on 555-123-4567 or write to dana@acme.com, says Dana."
    sentence = Sentence(path=path, line=4, column=1, text=said, speaker="Dana Whitfield",
                        entities=(("PERSON", "Jennifer"), ("PERSON", "Dana"), ("CARDINAL", "555")),
                        masked_text=said)
    finding = Finding("drift", "warning", path, 4, 1, "claim matches no story in the plumb line", text=said,
                      speaker="Dana Whitfield",
                      evidence=Evidence(words=("call me on 555-123-4567",), summary="fired on dana@acme.com"))
    contact = Finding("over-contact", "warning", "logs/touches.csv", 2, 1, "jennifer@client.com: 6 touches in 7 days",
                      text="Jennifer, following up again", details=(("contact", "jennifer@client.com"),),
                      speaker="Marco Ruiz")
    story = Story("total-cost", "Total cost, as Dana tells it", "story", "b", "pl/s.md")
    files = (
        FileResult(path=path, judgements=(Judgement(sentence, "drift", None, 0.2, 0.9),), findings=(finding,), messages=1),
        FileResult(path="calls/other.vtt", error="no speaker matches --rep/--rep-pattern; speakers are Zoe Quill, Bo"),
        FileResult(path="calls/x.txt", error="transcript with speakers Zoe Quill, Bo: name the rep with --rep"),
    )
    return Report(PlumbLine("pl", (story,)), files, findings=(contact,))


PII = ["Dana", "Whitfield", "Jennifer", "555-123-4567", "dana@acme.com", "jennifer@client.com", "Marco", "Ruiz", "Zoe", "Quill"]


def test_redact_report_masks_every_quoting_field():
    report = redact_report(report_with_pii())
    [judged, other, unlabelled] = report.files
    sentence = judged.judgements[0].sentence
    masked = f"Hi {NAME}, call me on {PHONE} or write to {EMAIL}, says {NAME}."
    assert sentence.text == masked and sentence.masked_text == masked
    assert sentence.speaker == NAME and ("PERSON", NAME) in sentence.entities
    assert judged.path == sentence.path == judged.findings[0].path == f"calls/{NAME} - {EMAIL}.vtt"
    assert judged.findings[0].text == masked and judged.findings[0].speaker == NAME
    assert judged.findings[0].evidence.words == (f"call me on {PHONE}",)
    assert judged.findings[0].evidence.summary == f"fired on {EMAIL}"
    assert other.error == "no speaker matches --rep/--rep-pattern; speakers are [names]"
    assert unlabelled.error == "transcript with speakers [names]: name the rep with --rep"
    [contact] = report.findings
    assert contact.message == f"{EMAIL}: 6 touches in 7 days" and contact.details == (("contact", EMAIL),)
    assert contact.text == f"{NAME}, following up again" and contact.speaker == NAME
    assert report.plumbline.stories[0].title == "Total cost, as Dana tells it"  # the company's words, kept
    assert report.summary() == report_with_pii().summary()  # counts unchanged


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_no_renderer_prints_what_was_redacted(fmt):
    out = io.StringIO()
    render(redact_report(report_with_pii()), fmt, out)
    text = out.getvalue()
    if fmt == "sarif":  # the plumb line's own story titles are kept: drop the rule/story catalogue
        data = json.loads(text)
        text = json.dumps(data["runs"][0]["results"]) + json.dumps(data["runs"][0]["invocations"])
    if fmt == "json":
        data = json.loads(text)
        data.pop("plumbline")
        text = json.dumps(data, ensure_ascii=False)
    for secret in PII:
        assert secret not in text, (fmt, secret)


@FUZZ
@given(st.lists(st.sampled_from(list("ab @.+-()0123456789 \n") + ["dana@acme.com", "Dana", "(555) ", "+1 "]),
                max_size=80).map("".join))
def test_redaction_is_idempotent_and_leaves_no_address(text):
    once = redact_text(text, ["Dana Whitfield"])
    assert redact_text(once, ["Dana Whitfield"]) == once
    assert "@acme.com" not in once and not re.search(r"(?<!\w)Dana(?!\w)", once)


@pytest.mark.parametrize("hostile", ["1 " * 200_000, "a@" * 200_000, "+1 (" * 100_000, "Dana " * 100_000,
                                     "1-2-3-4-5-6-" * 50_000, "a" * 400_000 + "@", "a.a@b" * 100_000, "1." * 200_000])
def test_redaction_is_linear(hostile):
    start = time.perf_counter()
    redact_text(hostile, ["Dana Whitfield"])
    assert time.perf_counter() - start < 10


def test_check_redact_end_to_end(tmp_path, monkeypatch, fake_encoder):
    """A transcript through `check --redact`: spaCy's NER finds the third person, speakers and
    regexes the rest; no output format prints any of it, and the exit code is unchanged."""
    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "call.txt").write_text(
        "Dana Whitfield: Our chefs cater office parties with sushi, I told Jennifer Martinez from finance.\n"
        "Sam Lee: Can you send details?\n"
        "Dana Whitfield: Call me on 555-123-4567 or email dana.whitfield@acme.com for 20% off this month.\n")
    secrets = ["Dana", "Whitfield", "Jennifer", "Martinez", "555-123-4567", "dana.whitfield@acme.com"]
    plain = run_check("calls", "--plumbline", PLUMBLINE, "--judge", "thresholds", "--rep", "Dana", "--format", "json")
    assert "Jennifer Martinez" in plain.stdout and "555-123-4567" in plain.stdout
    for fmt in sorted(RENDERERS):
        result = run_check("calls", "--plumbline", PLUMBLINE, "--judge", "thresholds", "--rep", "Dana", "--format",
                           fmt, "--redact")
        assert result.exit_code == plain.exit_code, result.output
        for secret in secrets:
            assert secret not in result.stdout, (fmt, secret)
        assert NAME in result.stdout or fmt == "junit" and "[name]" in result.stdout


def test_brand_names_are_kept_and_rep_names_leave_file_names(tmp_path, monkeypatch, fake_encoder):
    """The company's own name (the plumb line's brand entry) is not personal data, even where
    NER calls it a person; a file named after its rep in lower case loses the name."""
    from plumbline.plumbline_file import load_plumbline

    brands = load_plumbline(PLUMBLINE).brand_names
    assert brands, "the CI plumb line has a brand entry"
    brand = brands[0]
    path = "exports/q1/followup-priyanka_walsh-2.txt"
    said = f"{brand} files every notice for you, Priyanka."
    sentence = Sentence(path=path, line=1, column=1, text=said, entities=(("PERSON", brand), ("PERSON", "Priyanka")),
                        masked_text=said)
    report = Report(PlumbLine("pl", (), brand_names=brands),
                    (FileResult(path=path, judgements=(Judgement(sentence, "aligned", None, 0.9, 0.9),), messages=1),))
    redacted = redact_report(report, names=["Priyanka Walsh"]).files[0]
    assert redacted.judgements[0].sentence.text == f"{brand} files every notice for you, {NAME}."
    assert redacted.path == f"exports/q1/followup-{NAME}_{NAME}-2.txt"
    assert "priyanka" not in redacted.path.lower() and "walsh" not in redacted.path.lower()


def test_check_redact_keeps_the_brand_and_masks_the_rep_in_file_names(tmp_path, monkeypatch, fake_encoder):
    from plumbline.plumbline_file import load_plumbline

    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(tmp_path)
    brand = load_plumbline(PLUMBLINE).brand_names[0]
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "renewal-theo.txt").write_text(
        f"Hi there,\n\n{brand} is really a full payroll system, and we file in every state.\n\nBest,\nTheo\n")
    result = run_check("out", "--plumbline", PLUMBLINE, "--judge", "thresholds", "--rep", "Theo Grant",
                       "--format", "json", "--redact")
    data = json.loads(result.stdout)
    (file,) = data["files"]
    assert file["path"] == f"out/renewal-{NAME}.txt"
    assert any(brand in s["text"] for s in file["segments"])
    assert "Theo" not in result.stdout


def test_check_redact_masks_the_prospect_a_rep_greets_by_name(tmp_path, monkeypatch, fake_encoder):
    """The prospect's turns are never judged, but the rep says their name: every speaker of a
    transcript is a name to mask, not only the rep and what NER finds ("Hi Priya" it misses)."""
    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "call.txt").write_text(
        "Theo Grant: Hi Anjali, thanks for making the time today.\n"
        "Anjali Bassey: Sure, happy to.\n"
        "Theo Grant: Anjali, our team answers every tax notice for you.\n")
    result = run_check("calls", "--plumbline", PLUMBLINE, "--judge", "thresholds", "--rep", "Theo Grant",
                       "--format", "json", "--redact")
    assert "Anjali" not in result.stdout and "Bassey" not in result.stdout
    assert f"Hi {NAME}, thanks for making the time today." in result.stdout

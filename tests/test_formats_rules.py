"""The rules inside the loaders, each driven by a case file in tests/data/formats/cases/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plumbline.formats import LoadOptions, email, html, load_path, mbox, transcript, transcript_json, vtt
from plumbline.formats.html import VisibleLine
from plumbline.formats.merge_tags import normalise
from plumbline.formats.reply import classify

CASES = Path(__file__).parent / "data" / "formats" / "cases"


def merge_tag_cases():
    for line in (CASES / "merge_tags.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            template, judged = (part.replace("\\n", "\n") for part in line.split("\t"))
            yield pytest.param(template, judged, id=template[:40])


@pytest.mark.parametrize("template, judged", list(merge_tag_cases()))
def test_merge_tags_become_neutral_words(template, judged):
    assert normalise(template) == judged


_TAGS = st.sampled_from(["{{ first_name }}", "{{#if x}}", "{{/if}}", "{% if a %}", "*|FNAME|*", "%%Company%%",
                         "{company}", "{{ a\nb }}", "{%- endif\n-%}", "{{! c\n\n}}", "\n", " ", "word", "{", "}", "%"])


@given(st.lists(_TAGS, max_size=30))
def test_merge_tags_keep_every_newline(parts):
    text = "".join(parts)
    assert normalise(text).count("\n") == text.count("\n")


def reply_cases():
    text = (CASES / "replies.txt").read_text(encoding="utf-8")
    for chunk in text.split("\n=== ")[1:]:
        name, *rows = chunk.rstrip("\n").split("\n")
        yield pytest.param(rows, id=name)


@pytest.mark.parametrize("rows", list(reply_cases()))
def test_reply_rules(rows):
    lines, expected, block = [], [], 0
    for number, row in enumerate(rows, 1):
        verdict, _, text = row.partition("|")
        verdict, text = verdict.strip(), text[1:]
        if not text.strip():
            block += 1
            continue
        lines.append(VisibleLine(text, number, 1, block))
        expected.append({"B": "body", "Q": "quote", "S": "signature"}[verdict])
    assert classify(lines) == expected


def test_html_keeps_only_visible_text():
    text = " ".join(line.text for line in html.visible_lines((CASES / "hidden.html").read_text(encoding="utf-8")))
    assert "HIDDEN" not in text
    expected = re.findall(r"VISIBLE[^<]*", (CASES / "hidden.html").read_text(encoding="utf-8"))
    for phrase in expected:
        assert " ".join(phrase.replace("&amp;", "&").replace("&mdash;", "—").split()) in text


def test_html_lines_columns_and_quotes():
    lines = html.visible_lines('<p>Hi <b>Dana</b>,\n   we ship\n<i>Friday</i>.</p>\n<blockquote type="cite">Old news</blockquote>')
    assert [(l.text, l.line, l.column, l.quoted) for l in lines] == [
        ("Hi Dana,", 1, 4, False), ("we ship", 2, 4, False), ("Friday.", 3, 4, False), ("Old news", 4, 25, True)]


JSON_SHAPES = {
    "list_of_turns.json": [("Sam", True, "We ship on Friday."), ("Dana", False, "Sounds good.")],
    "assemblyai_utterances.json": [("A", True, "We ship on Friday."), ("B", False, "Sounds good.")],
    "rev_monologues.json": [("Sam", True, "We ship on Friday."), ("Dana", False, "Sounds good.")],
    "nested_transcript_turns.json": [("Sam", True, "We ship on Friday."), ("Dana", False, "Sounds good.")],
    "deepgram_style_words.json": [("Sam", True, "We ship on Friday."), ("Dana", False, "Sounds good.")],
    "whisper_segments_no_speakers.json": [(None, True, "We ship on Friday."), (None, True, "Sounds good.")],
}


@pytest.mark.parametrize("name", sorted(JSON_SHAPES))
def test_json_transcript_shapes(name):
    path = CASES / "json_shapes" / name
    [message] = load_path(str(path), LoadOptions(rep_pattern=r"^(Sam|A)$"))
    assert [(b.speaker, b.judged, b.text) for b in message.blocks] == JSON_SHAPES[name]
    source = path.read_text(encoding="utf-8").split("\n")
    for block in message.blocks:
        assert block.text.split()[0].rstrip(".") in source[block.line - 1]


def test_json_shape_files_are_all_tested():
    assert {p.name for p in (CASES / "json_shapes").iterdir()} == set(JSON_SHAPES)


@pytest.mark.parametrize("head, module, claimed", [
    ('[{"speaker": "Sam", "text": "Hi"}]', transcript_json, True),
    ('{\n  "segments": []}', transcript_json, True),
    ("{{first_name}}, quick question about releases", transcript_json, False),
    ("{first_name}, quick question", transcript_json, False),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\nHi", vtt, True),
    ("Transcript\nWEBVTT is a format", vtt, False),
    ("From sam@northwind.io Mon Mar  3 09:14:02 2025\nFrom: Sam", mbox, True),
    ("From 9:00 to 5:00 we answer the phone.\n", mbox, False),
    ("Return-Path: <a@b.c>\nReceived: from x\n\tby y\nFrom: Sam <a@b.c>\n\nHi", email, True),
    ("Subject: pricing\n\nHi Dana,", email, False),
    ("Dana: Hi Sam.\nSam: Hello.\n", email, False),
    ("<!-- saved -->\n<!DOCTYPE html><html><body>Hi</body></html>", html, True),
    ("Hi Dana, the <b>plan</b> is attached.", html, False),
    ("Dana: Hi Sam.\nSam: Hello.\n", transcript, True),
    # a title, heading or date before the first turn is a preamble, not plain text
    ("Discovery call — Acme / Northwind, 12 March\n\nDana: Hi.\nSam: Hello.\nDana: Go on.", transcript, True),
    ("# Call notes\n12 March 2026\n\n[00:01] Dana: Hi.\n[00:04] Sam: Hello.\n[00:09] Sam: So.", transcript, True),
    # ... but an email or note with a `Name: ...` line or two stays plain text
    ("Hi Jordan,\n\nDana Whitfield: she will send the contract.\nThanks,\nSam", transcript, False),
    ("Hi Jordan,\n\nPricing: $40 per seat.\nTimeline: live by March.\nBest,\nSam", transcript, False),
    ("Call\nDana: Hi.\nSam: Hello.", transcript, False),  # two turns after a preamble: too little to tell
    ("A\nB\nC\nD\nDana: Hi.\nSam: Hello.\nDana: Go on.", transcript, False),  # preamble over three lines
    ("We met last week and I wanted to follow up on the points you raised about the rollout plan today\n"
     "Dana: Hi.\nSam: Hello.\nDana: Go on.", transcript, False),  # a sentence, not a title
])
def test_sniffing(head, module, claimed):
    assert module.sniff(head) is claimed


@pytest.mark.parametrize("name, address, judged", [
    ("Sam Lee", "s@northwind.io", True), (None, "sam.lee@northwind.io", True), ("Lee, Sam", "x@northwind.io", True),
    ("Dana Ruiz", "dana@acme.example", False), (None, None, False),
])
def test_email_from_a_rep_is_judged_and_from_anyone_else_is_not(name, address, judged, tmp_path):
    sender = f"\"{name}\" <{address}>" if name and address else (address or "undisclosed-recipients:;")
    path = tmp_path / "m.eml"
    path.write_text(f"From: {sender}\nTo: a@b.c\nDate: Mon, 3 Mar 2025 09:00:00 +0000\nSubject: x\n\nWe ship on Friday.\n")
    [message] = load_path(str(path), LoadOptions(reps=("Sam",)))
    assert [b.judged for b in message.blocks] == [judged]
    [message] = load_path(str(path))
    assert [b.judged for b in message.blocks] == [True]


@pytest.mark.parametrize("doc", [
    "<a" * 50000, "<!--" * 50000, "<!-- x > " * 50000, "<p " * 50000, "<!" * 50000, "<p>" + "<b x='" * 50000,
])
def test_broken_html_is_read_in_linear_time(doc):
    """Unclosed `<` and `<!--` made the stdlib parser rescan to the end of the file for each one."""
    import time

    start = time.perf_counter()
    html.visible_lines(doc + "\n<p>Still here.</p>")
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("text", ["{{#" * 100000, "{%" * 100000, "{#" * 100000, "{{else" * 50000])
def test_unclosed_merge_tags_are_handled_in_linear_time(text):
    import time

    start = time.perf_counter()
    assert normalise(text) == text
    assert time.perf_counter() - start < 5


def test_email_in_a_legacy_charset_is_decoded_by_its_declared_charset(tmp_path):
    path = tmp_path / "legacy.eml"
    path.write_bytes(
        b"From: Sam <sam@northwind.io>\nTo: a@b.c\nDate: Mon, 3 Mar 2025 09:00:00 +0000\nSubject: Caf\xe9\n"
        b"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
        b"Hi,\n\nWe met at the caf\xe9 on Tuesday.\n"
    )
    [message] = load_path(str(path))
    assert [(b.line, b.text) for b in message.blocks] == [(8, "Hi,"), (10, "We met at the café on Tuesday.")]

"""Inputs as real exports shape them (issue 16): caption columns, huge one-line files."""
from __future__ import annotations

import pytest

from plumbline.formats import MAX_MESSAGE_CHARS, LoadOptions, load_path
from plumbline.model import InputError
from plumbline.segment import MAX_UNIT, segment_messages, text_units


def test_second_of_two_cues_from_one_speaker_points_at_its_own_column(tmp_path):
    path = tmp_path / "call.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Dana>We ship on Friday.\n\n"
                    "00:00:04.000 --> 00:00:08.000\n<v Dana>Our fleet covers the state.\n\n"
                    "00:00:08.000 --> 00:00:09.000\n<v Sam>Great.\n")
    sentences = segment_messages(load_path(str(path), LoadOptions(reps=("Dana",))))
    source = path.read_text().split("\n")
    assert [(s.line, s.column) for s in sentences] == [(4, 9), (7, 9)]
    for s in sentences:
        assert source[s.line - 1][s.column - 1:].startswith(s.text)


def test_an_indented_html_line_keeps_its_column(tmp_path):
    path = tmp_path / "t.html"
    path.write_text("<html><body><p>We ship on Friday.<br>\n      Our fleet covers the state.</p></body></html>\n")
    sentences = segment_messages(load_path(str(path)))
    source = path.read_text().split("\n")
    for s in sentences:
        assert source[s.line - 1][s.column - 1:].startswith(s.text), (s.line, s.column, s.text)


def _one_line_of_sentences(n: int) -> str:
    words = "we ship on friday and the fleet covers every county in the state by noon".split()
    return " ".join(" ".join(words[(i + k) % len(words)] for k in range(5 + i % 23)).capitalize() + "."
                    for i in range(n))


def test_a_long_line_is_cut_between_sentences_not_inside_one():
    text = _one_line_of_sentences(600)
    assert len(text) > 3 * MAX_UNIT
    units = text_units(text)
    assert len(units) > 3 and all(len(unit) <= MAX_UNIT for _, unit in units)
    assert all(unit.rstrip().endswith(".") for _, unit in units)
    assert "".join(unit for _, unit in units).replace(" ", "") == text.replace(" ", "")
    assert all(text[start:start + len(unit)] == unit for start, unit in units)


def test_a_file_with_more_rep_text_than_the_limit_is_reported_not_judged(tmp_path):
    path = tmp_path / "dump.txt"
    text = _one_line_of_sentences(10)
    path.write_text((text + " ") * (MAX_MESSAGE_CHARS // len(text) + 2))
    with pytest.raises(InputError, match=r"characters of rep text, over the 200,000-character limit for one message"):
        load_path(str(path))
    path.write_text(text)
    assert load_path(str(path))


@pytest.mark.parametrize("rep, other", [
    ("agent", "customer"), ("rep", "prospect"), ("spk_0", "spk_1"), ("SPEAKER_00", "SPEAKER_01"),
    ("speaker 1", "speaker 2"),
])
def test_speaker_labels_as_asr_tools_export_them_are_turns(rep, other, tmp_path):
    path = tmp_path / "call.txt"
    path.write_text(f"{rep}: Thanks for taking the call.\n{other}: your competitor is offering us 40% off.\n"
                    f"{rep}: We deliver every order by Friday.\n{other}: ok.\n")
    [message] = load_path(str(path), LoadOptions(reps=(rep,)))
    assert message.kind == "transcript"
    assert [(b.speaker, b.judged) for b in message.blocks] == [(rep, True), (other, False), (rep, True), (other, False)]
    sentences = segment_messages([message])
    assert [s.text for s in sentences] == ["Thanks for taking the call.", "We deliver every order by Friday."]
    assert [(s.line, s.column) for s in sentences] == [(1, len(rep) + 3), (3, len(rep) + 3)]
    with pytest.raises(InputError, match="name the rep with --rep"):
        load_path(str(path))


@pytest.mark.parametrize("text", [
    "pricing: $40 per seat.\ntimeline: live by March.\n",
    "pricing: $40 per seat.\ntimeline: live by March.\nnext step: a call on Friday.\n",
    "Hi Jordan,\n\nfyi: the contract is attached.\nnote: legal has it.\nThanks,\nSam\n",
    "summary: we talked about rollout.\ndetails: see below.\nowner: Sam.\n",
])
def test_lowercase_note_lines_stay_plain_text(text, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text(text)
    [message] = load_path(str(path), LoadOptions(reps=("Sam",)))
    assert message.kind == "text" and [b.judged for b in message.blocks] == [True]


def test_in_a_capitalised_transcript_a_lowercase_label_line_is_the_speaker_still_talking(tmp_path):
    path = tmp_path / "call.txt"
    path.write_text("Dana: Here is the plan.\npricing: $40 per seat.\nSam: Sounds fine.\nDana: Great.\n")
    [message] = load_path(str(path), LoadOptions(reps=("Dana",)))
    assert [(b.speaker, b.text) for b in message.blocks] == [
        ("Dana", "Here is the plan.\npricing: $40 per seat."), ("Sam", "Sounds fine."), ("Dana", "Great.")]


def test_lowercase_labels_in_captions_are_speakers(tmp_path):
    path = tmp_path / "call.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:03,000\nagent: We ship every order by Friday.\n\n"
                    "2\n00:00:03,000 --> 00:00:05,000\ncustomer: your competitor offers 40% off.\n")
    [message] = load_path(str(path), LoadOptions(reps=("agent",)))
    assert [(b.speaker, b.judged, b.text) for b in message.blocks] == [
        ("agent", True, "We ship every order by Friday."), ("customer", False, "your competitor offers 40% off.")]


def test_one_letter_lowercase_prefixes_are_not_speakers(tmp_path):
    path = tmp_path / "paths.txt"
    path.write_text("c:\\exports\\march.csv\nd:\\backup\\march.csv\nc:\\exports\\april.csv\n")
    [message] = load_path(str(path), LoadOptions(reps=("Sam",)))
    assert message.kind == "text"

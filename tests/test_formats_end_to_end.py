"""From file to judged sentences: what reaches the judge from each format fixture.

NAME.sentences.expected.tsv lists each judged sentence as `line<TAB>text` (regenerate with
PLUMBLINE_REGEN=1 and review the diff). Beyond the exact list, every sentence must come from
a line the loader marked judged, and none may carry markup, merge-tag syntax or quoting.
Uses spaCy's small pipeline, no embedding model.
"""
from __future__ import annotations

import re

import pytest

from test_formats import DATA, FIXTURES, REGEN, options_from

from plumbline.formats import load_path

segment = pytest.importorskip("plumbline.segment")

_LEAKS = re.compile(r"</?[a-z][^>]*>|&[a-z]+;|&#\d+;|^\s*>|\bwrote:\s*$")
_TAGS = re.compile(r"\{\{|\}\}|\{%|%\}|\*\||\|\*|%%|\[[A-Z][A-Za-z ]*\]")


def judged_lines(messages) -> set[int]:
    return {
        block.source_line(i)
        for m in messages for block in m.blocks if block.judged
        for i, text in enumerate(block.text.split("\n")) if text.strip()
    }


@pytest.mark.parametrize("name", FIXTURES)
def test_judged_sentences_and_their_lines(name):
    messages = load_path(str(DATA / name), options_from(DATA / f"{name}.expected.tsv"))
    sentences = segment.segment_messages(messages)
    allowed = judged_lines(messages)
    for s in sentences:
        assert s.line in allowed, (name, s.line, s.text)
        assert not _LEAKS.search(s.text), (name, s.line, s.text)
        assert not _TAGS.search(s.embed_text), (name, s.line, s.embed_text)  # judged as merged...
    actual = "".join(f"{s.line}\t{s.text}\n" for s in sentences)
    expected = DATA / f"{name}.sentences.expected.tsv"
    if REGEN:
        expected.write_text(actual, encoding="utf-8")
    assert actual == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["template.txt", "placeholders.txt", "followup_call.txt", "call_notes.md"])
def test_sentences_quote_the_source_at_their_line_and_column(name):
    """...but quoted as written: merge tags and [Placeholders] stay in the text at its own column."""
    source = (DATA / name).read_text(encoding="utf-8").split("\n")
    messages = load_path(str(DATA / name), options_from(DATA / f"{name}.expected.tsv"))
    for s in segment.segment_messages(messages):
        first_line = re.split(r"\s+", s.text)
        at = source[s.line - 1][s.column - 1 :]
        assert at.startswith(first_line[0]), (name, s.line, s.column, s.text)
        assert " ".join(at.split()).startswith(" ".join(first_line)[: len(" ".join(at.split()))]), (name, s.text)


def test_transcript_annotations_are_quoted_but_not_judged_as_words(tmp_path):
    call = tmp_path / "call.txt"
    call.write_text("Dana: Hi Sam.\nSam: Thanks for having me [laughs] we check every release before it ships.\n"
                    "Dana: Go on.\n", encoding="utf-8")
    sentences = segment.segment_messages(load_path(str(call), options_from(DATA / "followup_call.txt.expected.tsv")))
    assert [(s.line, s.column, s.text, s.embed_text) for s in sentences] == [
        (2, 6, "Thanks for having me [laughs] we check every release before it ships.",
         "Thanks for having me we check every release before it ships."),
    ]

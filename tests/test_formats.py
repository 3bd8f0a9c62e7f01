"""Every input format, as data: tests/data/formats/NAME.EXT loads to NAME.EXT.expected.tsv.

An expected file holds, in order: an optional `options` row (`reps=Sam Lee`,
`rep_pattern=...`), one `message` row per message (index, kind, sender) with `meta` rows
for its metadata, then one row per non-empty line of each Block: message index, source
line, speaker (`-` for none), `judged` or `skip`, text. Set PLUMBLINE_REGEN=1 to rewrite the
expected files from the loaders' output (then read the diff: it is the review).

Malformed files live in tests/data/formats/bad/ and `bad/errors.tsv` says which one-line
error each must give.
"""
from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import pytest

from plumbline.formats import LoadOptions, choose_format, load_path, read_source
from plumbline.model import InputError

DATA = Path(__file__).parent / "data" / "formats"
FIXTURES = sorted(
    p.name for p in DATA.iterdir()
    if p.is_file() and not p.name.endswith((".expected.tsv", ".py")) and not p.name.startswith(".")
)
REGEN = os.environ.get("PLUMBLINE_REGEN") == "1"


def options_from(expected: Path) -> LoadOptions:
    if not expected.exists():
        return LoadOptions()
    first = expected.read_text(encoding="utf-8").split("\n", 1)[0].split("\t")
    if first[0] != "options":
        return LoadOptions()
    values = dict(part.split("=", 1) for part in first[1:])
    reps = tuple(r for r in values.get("reps", "").split(",") if r)
    return LoadOptions(reps=reps, rep_pattern=values.get("rep_pattern") or None)


def render(messages, options: LoadOptions) -> str:
    rows = []
    if options.reps or options.rep_pattern:
        parts = [f"reps={','.join(options.reps)}"] if options.reps else []
        parts += [f"rep_pattern={options.rep_pattern}"] if options.rep_pattern else []
        rows.append(["options", *parts])
    for m in messages:
        rows.append(["message", str(m.index), m.kind, m.sender or "-"])
        rows.extend(["meta", key, value] for key, value in m.metadata.items())
        for block in m.blocks:
            for i, text in enumerate(block.text.split("\n")):
                if text.strip():
                    verdict = "judged" if block.judged else "skip"
                    rows.append([str(m.index), str(block.source_line(i)), block.speaker or "-", verdict, text])
    return "\n".join("\t".join(row) for row in rows) + "\n"


@pytest.mark.parametrize("name", FIXTURES)
def test_format_fixture_loads_as_expected(name):
    expected = DATA / f"{name}.expected.tsv"
    options = options_from(expected)
    actual = render(load_path(str(DATA / name), options), options)
    if REGEN:
        expected.write_text(actual, encoding="utf-8")
    assert expected.exists(), f"no expected output for {name}: run with PLUMBLINE_REGEN=1 and review it"
    assert actual == expected.read_text(encoding="utf-8")


EXACT_LINES = [n for n in FIXTURES if not n.endswith((".docx", "_base64.eml"))]
STAND_INS = {"Alex", "Morgan", "Sam", "Acme", "it", "thing", "manager", "Springfield", "Tuesday", "2025"}


@pytest.mark.parametrize("name", EXACT_LINES)
def test_each_line_points_at_its_text(name):
    """The first word of every loaded line is on the source line it claims (merge-tag stand-ins aside)."""
    source = (DATA / name).read_text(encoding="utf-8").split("\n")
    messages = load_path(str(DATA / name), options_from(DATA / f"{name}.expected.tsv"))
    for block in (b for m in messages for b in m.blocks):
        for i, text in enumerate(block.text.split("\n")):
            words = [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in STAND_INS]
            if words:
                line = html.unescape(source[block.source_line(i) - 1].replace("=\n", ""))
                assert words[0] in line, (name, block.source_line(i), text)


SNIFFED = [n for n in FIXTURES if not n.endswith((".docx", ".txt"))]


@pytest.mark.parametrize("name", SNIFFED)
def test_unknown_extension_is_sniffed_to_the_same_format(name, tmp_path):
    copy = tmp_path / "export.dat"
    shutil.copy(DATA / name, copy)
    options = options_from(DATA / f"{name}.expected.tsv")
    original = choose_format(read_source(str(DATA / name), options))
    assert choose_format(read_source(str(copy), options)) is original
    as_dat = render(load_path(str(copy), options), options)
    assert as_dat == render(load_path(str(DATA / name), options), options)


BAD = DATA / "bad"


def bad_cases():
    for line in (BAD / "errors.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, reps, expected = line.split("\t")
            yield pytest.param(name, reps, expected, id=name)


@pytest.mark.parametrize("name, reps, expected", list(bad_cases()))
def test_malformed_input_gives_one_line_error(name, reps, expected):
    path = str(BAD / name)
    with pytest.raises(InputError) as err:
        load_path(path, LoadOptions(reps=tuple(r for r in reps.split(",") if r)))
    message = str(err.value)
    assert "\n" not in message and message.startswith(path + ": ")
    assert expected in err.value.problem


def test_every_bad_file_has_an_expected_error():
    listed = {case.values[0] for case in bad_cases()}
    present = {p.name for p in BAD.iterdir() if p.name != "errors.tsv"}
    assert listed == present


@pytest.mark.parametrize("name", FIXTURES)
def test_damaged_files_never_raise_anything_but_input_error(name, tmp_path):
    """Truncated and byte-flipped copies of every fixture either load or give one-line InputErrors."""
    data = (DATA / name).read_bytes()
    suffix = Path(name).suffix
    variants = [data[: len(data) * k // 7] for k in range(1, 7)]
    variants += [data[:i] + b"\xff<\"{--> " + data[i + 8 :] for i in range(0, len(data), max(1, len(data) // 9))]
    for k, variant in enumerate(variants):
        path = tmp_path / f"v{k}{suffix}"
        path.write_bytes(variant)
        for options in (LoadOptions(), LoadOptions(reps=("Sam",))):
            try:
                load_path(str(path), options)
            except InputError as exc:
                assert "\n" not in str(exc)


@pytest.mark.parametrize("name", [n for n in FIXTURES if n.endswith((".eml", ".mbox", ".html", ".vtt", ".srt", ".json"))])
def test_crlf_line_endings_load_the_same(name, tmp_path):
    """RFC 5322 mail is CRLF on the wire; exports from Windows tools are too."""
    copy = tmp_path / name
    copy.write_bytes((DATA / name).read_bytes().replace(b"\n", b"\r\n"))
    options = options_from(DATA / f"{name}.expected.tsv")
    assert render(load_path(str(copy), options), options) == render(load_path(str(DATA / name), options), options)


def test_markdown_headings_are_titles_not_speech(tmp_path):
    from plumbline.segment import segment_messages

    script = tmp_path / "script.md"
    script.write_text("# Cold call script\n\n## Why Acme\n- Acme files payroll taxes in every state.\n"
                      "#hashtag is prose, not a heading.\n")
    texts = [(s.line, s.text) for s in segment_messages(load_path(str(script)))]
    assert texts == [(4, "Acme files payroll taxes in every state."), (5, "#hashtag is prose, not a heading.")]

"""Hostile inputs of about a megabyte, one per slow path found by fuzzing and fixed in the loaders.

Each was quadratic (or worse) before its fix: at 200 KB most took over 30 s and at a megabyte
hours; now each loads in about a second, linear in its size. The bound is generous for a
loaded CI machine and far below what a quadratic path needs. Also: size limits, deep nesting,
NUL bytes, zip bombs, and inputs that are not regular files.
"""
from __future__ import annotations

import io
import os
import zipfile

import pytest

from fuzz_support import SECONDS_PER_MEGABYTE, loads_or_refuses, write
from plumbline.formats import LoadOptions, load_path
from plumbline.model import InputError

MB = 1 << 20


def deep_mime(levels: int) -> bytes:
    out = [b"From: dana@acme.com", b"MIME-Version: 1.0"]
    for i in range(levels):
        out += [b'Content-Type: multipart/mixed; boundary="b%d"' % i, b"", b"--b%d" % i]
    out += [b"Content-Type: text/plain", b"", b"Hello there."]
    out += [b"--b%d--" % i for i in reversed(range(levels))]
    return b"\n".join(out) + b"\n"


def many_parts(count: int) -> bytes:
    parts = [b"From: dana@acme.com", b'Content-Type: multipart/mixed; boundary="b"', b""]
    for _ in range(count):
        parts += [b"--b", b"Content-Type: text/plain", b"", b"Hello there."]
    return b"\n".join(parts + [b"--b--"]) + b"\n"


def header(name: bytes, value: bytes) -> bytes:
    sender = b"" if name == b"From" else b"From: dana@acme.com\n"
    return sender + name + b": " + value + b"\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nHello there, we cut costs.\n"


def repeat(unit: bytes, size: int = MB) -> bytes:
    return unit * (size // len(unit))


HOSTILE = {
    # mbox: a `From x 1:11 1:11 …` line made the separator regex (two `.*`) cubic in its length
    "separator_line.mbox": b"From a 1:11 " + repeat(b"1:11 "),
    "separator_lines.mbox": b"From a@b Mon Jan 1 10:00:00 2024\nFrom: a@b\n\nHi.\n\n" + repeat(b"From a " + b"1:11 " * 150 + b"\n"),
    # unclosed comment openers: a lazy `<!--.*?-->` rescans to the end for each one
    "unclosed_comments.md": b"plumbline\n" + repeat(b"<!--"),
    "unclosed_comments.txt": b"plumbline\n" + repeat(b"<!-- "),
    "unclosed_jinja.txt": b"plumbline\n" + repeat(b"{# "),
    "unclosed_handlebars.txt": b"plumbline\n" + repeat(b"{{!-- "),
    "unclosed_liquid.txt": b"plumbline\n" + repeat(b"{% comment %} "),
    # suppression directives: each one counted lines from the start of the file
    "many_directives.txt": repeat(b"We help. <!-- plumbline: ignore[drift] -->\n"),
    # HTML: stylesheets re-read on every </style>; closing tags scanning a deep stack
    "many_stylesheets.html": b"<html>" + repeat(b"<style>.a{}</style>"),
    "deep_stack_stray_end_tags.html": b"<html>" + repeat(b"<div>", MB // 2) + repeat(b"</x>", MB // 2),
    "table_cells_over_spans.html": b"<html><table><td><div>" + repeat(b"<span>", MB // 2) + repeat(b"<td></td>", MB // 2),
    "unclosed_tags.html": b"<html>" + repeat(b"<a "),
    "unclosed_declarations.html": b"<html>" + repeat(b"<!x"),
    "stray_end_tag_openers.html": b"<html>" + repeat(b"</"),
    "css_braces.html": b"<html><style>" + repeat(b"{") + b"</style><p>Hello there.</p>",
    # email: the standard library's header parser is quadratic in tokens, much worse unspaced
    "quoted_from.eml": header(b"From", repeat(b'"a', 30_000)),
    "quoted_to.eml": header(b"To", repeat(b'"a', 30_000)),
    "spaced_quotes_cc.eml": header(b"Cc", repeat(b'"a"a"a"a"a"a"a"a"a"a"a"a"a"a"a"a"a"a"a"a ', 30_000)),
    "long_to.eml": header(b"To", repeat(b"sam@example.com, ")),
    "encoded_words.eml": header(b"Subject", repeat(b"=?utf-8?q?a?= ")),
    "encoded_words_under_limit.eml": header(b"Subject", repeat(b"=?utf-8?q?a?= ", 30_000)),
    "tangled_content_type.eml": header(b"Content-Type", b"text/plain; a=" + repeat(b",", 60_000)),
    "deep_mime.eml": deep_mime(500),
    "many_parts.eml": many_parts(40_000),
    "signature_lines.eml": b"From: a@b.c\nSubject: x\n\n" + repeat(b"Best,\n"),
    # captions and transcripts
    "huge_cue.vtt": b"WEBVTT\n\n00:00.000 --> 00:01.000\n" + repeat(b"word ") + b"\n",
    "many_cue_lines.vtt": b"WEBVTT\n\n00:00.000 --> 00:01.000\n" + repeat(b"w\n", MB // 4),
    "huge_subtitle.srt": b"1\n00:00:00,000 --> 00:00:01,000\n" + repeat(b"word ") + b"\n",
    "long_turn_line.txt": b"Dana: x\nSam: y\n" + repeat(b"Aa "),
    "deep_json.json": b"[" * (MB // 2) + b"]" * (MB // 2),
    "many_turns.json": b"[" + repeat(b'{"speaker":"Dana","text":"We help."},') + b'{"text":"x"}]',
    # plain text
    "one_huge_line.txt": repeat(b"a"),
    "merge_tag_openers.txt": repeat(b"{{"),
    "control_tag_openers.txt": repeat(b"{%") + b"%}",
    "markdown_prefixes.md": repeat(b"- ") + b"x",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_loads_in_linear_time(tmp_path, name):
    data = HOSTILE[name]
    path = write(tmp_path, name, data)
    loads_or_refuses(path, LoadOptions(reps=("Dana",)), seconds=SECONDS_PER_MEGABYTE * max(1, len(data) / MB))


def test_hostile_inputs_fail_for_the_right_reason(tmp_path):
    def problem(name):
        return loads_or_refuses(write(tmp_path, name, HOSTILE[name]), LoadOptions(reps=("Dana",)),
                                seconds=SECONDS_PER_MEGABYTE)

    assert problem("deep_mime.eml") == "MIME parts nested more than 20 deep"
    assert "more than 1000 MIME parts" in problem("many_parts.eml")
    assert problem("long_to.eml") == "line 2: To header is 1048565 bytes, over the 65536-byte limit"
    assert problem("tangled_content_type.eml").startswith("line 2: malformed Content-Type header (over 100 quotes")
    assert problem("deep_json.json") == "structure nested too deeply to read"
    assert problem("separator_line.mbox").startswith("not an mbox")


def test_long_but_reasonable_headers_still_read(tmp_path):
    """A To line with 500 recipients and a long folded References header are ordinary mail; the
    long To is read linearly (not by the stdlib's parser) and gives the same addresses."""
    from email.utils import getaddresses

    to = b",\n ".join(b"=?utf-8?q?P=C3=A9r_%d?= <person%d@example.com>" % (i, i) for i in range(500))
    references = b"\n ".join(b"<msg%d@example.com>" % i for i in range(2000))
    raw = (b'From: "Whitfield, Dana" <dana@acme.com>\nTo: ' + to + b"\nReferences: " + references
           + b"\nSubject: Hi\n\nWe cut costs.\n")
    [message] = loads_or_refuses(write(tmp_path, "ok.eml", raw))
    assert message.sender == "dana@acme.com"
    addresses = getaddresses([message.metadata["To"]])
    assert addresses[:2] == [("Pér 0", "person0@example.com"), ("Pér 1", "person1@example.com")]
    assert len(addresses) == 500


def test_zip_bomb_docx_is_refused_before_inflating(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        for k in range(7):  # 7 × 20 MB of spaces: 140 MB declared, a few hundred KB on disk
            package.writestr(f"word/media/part{k}.xml", b" " * (20 * MB))
    path = write(tmp_path, "bomb.docx", out.getvalue())
    assert os.path.getsize(path) < MB
    assert "over the 134217728-byte limit" in loads_or_refuses(path)


def test_nul_bytes_and_binary_are_errors_not_crashes(tmp_path):
    for name, data in (("late_nul.txt", b"Hello there.\n" * 1000 + b"\x00" + b"More text.\n"),
                       ("early_nul.html", b"<p>\x00</p>"), ("nul.json", b'[{"text": "a\x00b"}]'),
                       ("nul.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\x00\n")):
        assert "binary file" in loads_or_refuses(write(tmp_path, name, data))
    # mail may carry 8-bit parts in any charset, so a NUL late in an .eml is read through
    loads_or_refuses(write(tmp_path, "nul.eml", b"From: a@b.c\n\n" + b"Hi there.\n" * 1000 + b"\x00ok\n"))


def test_lone_surrogates_become_replacement_characters(tmp_path):
    """JSON may spell a lone surrogate; it cannot be written as UTF-8 by any later stage."""
    path = write(tmp_path, "t.json", b'[{"speaker": "Dana\\udfff", "text": "We help \\ud800 you."}]')
    [message] = loads_or_refuses(path, LoadOptions(rep_pattern="^Dana"))
    assert message.blocks[0].text == "We help \ufffd you." and message.blocks[0].speaker == "Dana\ufffd"
    assert loads_or_refuses(path, LoadOptions(reps=("Sam",))).endswith("speakers are Dana\ufffd")


def test_file_over_max_bytes_is_reported_and_skipped(tmp_path):
    path = write(tmp_path, "big.txt", b"We cut costs. " * 100)
    assert loads_or_refuses(path, LoadOptions(max_bytes=1000)) == "file is 1400 bytes, over the 1000-byte limit"
    assert loads_or_refuses("-", LoadOptions(max_bytes=1000), stdin=b"x" * 1001) == "input is over the 1000-byte limit"
    assert loads_or_refuses(path, LoadOptions(max_bytes=1400))  # at the limit: read


def test_file_over_max_bytes_is_reported_in_check(tmp_path, fake_encoder):
    from plumbline.judge import JudgeSettings
    from plumbline.pipeline import check, prepare_judge
    from plumbline.plumbline_file import load_plumbline

    plumbline = load_plumbline(os.path.join(os.path.dirname(__file__), "data", "ci", "plumbline"))
    settings = JudgeSettings(judge="thresholds")
    judge = prepare_judge(plumbline, settings, encoder=fake_encoder, use_cache=False)
    small = write(tmp_path, "small.txt", b"We run your payroll.\n")
    big = write(tmp_path, "big.txt", b"We run your payroll.\n" * 100)
    report = check([small, big], plumbline, LoadOptions(max_bytes=500), settings, judge=judge)
    assert [(r.path, r.error) for r in report.files] == [
        (small, None), (big, "file is 2100 bytes, over the 500-byte limit")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_named_pipe_without_writer_does_not_block(tmp_path):
    fifo = str(tmp_path / "pipe.txt")
    os.mkfifo(fifo)
    assert loads_or_refuses(fifo, seconds=5) == "file is empty"


def test_paths_that_are_not_files(tmp_path):
    (tmp_path / "notes.txt").mkdir()
    os.symlink(str(tmp_path / "nowhere.txt"), str(tmp_path / "broken.txt"))
    os.symlink(str(tmp_path / "loop.txt"), str(tmp_path / "loop.txt"))
    assert loads_or_refuses(str(tmp_path / "notes.txt")).startswith("directory with no files to read")
    assert loads_or_refuses(str(tmp_path / "broken.txt")) == "cannot read: No such file or directory"
    assert loads_or_refuses(str(tmp_path / "loop.txt")).startswith("cannot read: ")
    with pytest.raises(InputError, match="invalid file name"):
        load_path(str(tmp_path / "nul\x00.txt"))

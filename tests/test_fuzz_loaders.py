"""Fuzzing every loader through `load_path`: random bytes, mutated fixtures, mislabelled
encodings, and generated emails, captions, JSON, HTML and transcripts.

The property (fuzz_support.loads_or_refuses): each input yields messages or an InputError
whose problem is one line; no other exception escapes; each small file loads within seconds.
Examples are derandomised (CI sees the same ones every run); PLUMBLINE_FUZZ_EXAMPLES=5000
runs a release-sized search. Hostile inputs of a megabyte, one per quadratic path found and
fixed, are in test_fuzz_hostile.py.
"""
from __future__ import annotations

import io
import json
import os
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_support import FUZZ, SUFFIXES, TEXT_SUFFIXES, loads_or_refuses, write
from plumbline.formats import LoadOptions

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "formats")
FIXTURES = sorted(
    os.path.join(root, name)
    for root, _, names in os.walk(DATA)
    for name in names
    if os.path.splitext(name)[1] in SUFFIXES and not name.endswith(".tsv")
)
OPTIONS = st.sampled_from([LoadOptions(), LoadOptions(reps=("Dana",)), LoadOptions(rep_pattern="^S"),
                           LoadOptions(reps=("Sam", "nobody"))])
ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "mac-roman")
HOSTILE_TEXT = st.lists(
    st.sampled_from(list("aZ09 .,:;!?'\"-<>&/{}[]()%|*#=\\\t\n\r") + ["\x00", "\x1b[31m", "\u202e", "\u2028", "é", "😀",
                                                                       "\ufeff", "\x85", "]]>", "-->", "<!--", "Hello there. "]),
    max_size=60,
).map("".join)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES), options=OPTIONS)
def test_random_bytes(folder, data, suffix, options):
    loads_or_refuses(write(folder, "random" + suffix, data), options)


def _mutate(data: bytes, draw) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "repeat", "delete", "nul", "crlf", "splice"]))
    at = draw(st.integers(0, len(data)))
    if kind == "truncate":
        return data[:at]
    if kind == "flip" and data:
        at = min(at, len(data) - 1)
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    if kind == "repeat":  # a huge line, a cue repeated, a header block repeated
        end = draw(st.integers(at, min(len(data), at + 200)))
        return data[:end] + data[at:end] * draw(st.integers(2, 2000)) + data[end:]
    if kind == "delete":
        return data[:at] + data[at + draw(st.integers(1, 100)):]
    if kind == "nul":
        return data[:at] + b"\x00" + data[at:]
    if kind == "crlf":
        return data.replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\n", b""])))
    other = open(draw(st.sampled_from(FIXTURES)), "rb").read()
    cut = draw(st.integers(0, len(other)))
    return data[:at] + other[cut:]


@FUZZ
@given(fixture=st.sampled_from(FIXTURES), steps=st.integers(1, 4), options=OPTIONS, data=st.data())
def test_mutated_fixtures(folder, fixture, steps, options, data):
    raw = open(fixture, "rb").read()
    for _ in range(steps):
        raw = _mutate(raw, data.draw)
    name = os.path.basename(fixture)
    loads_or_refuses(write(folder, "mutated-" + name, raw), options)


@FUZZ
@given(fixture=st.sampled_from([f for f in FIXTURES if f.endswith(TEXT_SUFFIXES)]),
       encoding=st.sampled_from(ENCODINGS), options=OPTIONS)
def test_fixtures_in_every_encoding(folder, fixture, encoding, options):
    """UTF-16 without a BOM, Latin-1 or cp1252 bytes where UTF-8 is expected, and so on."""
    text = open(fixture, "rb").read().decode("utf-8", "replace")
    raw = text.encode(encoding, "replace")
    loads_or_refuses(write(folder, "encoded-" + os.path.basename(fixture), raw), options)


CHARSETS = ("utf-8", "us-ascii", "iso-8859-1", "latin-1", "windows-1252", "cp1252", "utf-16", "utf-16le", "utf-7",
            "koi8-r", "x-unknown", "", "\"utf-8\"", "utf-8; format=flowed", "unicode-1-1-utf-7", "big5")
TRANSFER = ("7bit", "8bit", "binary", "quoted-printable", "base64", "x-uuencode", "", "BASE64 ")
BODY_TYPES = ("text/plain", "text/html", "text/enriched", "application/octet-stream", "multipart/alternative", "")


@st.composite
def emails(draw, depth=0):
    """An email whose labels (charset, encoding, type) need not match its bytes."""
    charset = draw(st.sampled_from(CHARSETS))
    actual = draw(st.sampled_from(ENCODINGS))
    transfer = draw(st.sampled_from(TRANSFER))
    kind = draw(st.sampled_from(BODY_TYPES))
    headers = [
        b"From: " + draw(st.sampled_from([b"Dana <dana@acme.com>", b'"Lee, Sam" <sam@x.io>', b"=?utf-8?q?D=C3=A9?= <d@x>",
                                          b"(((", b'"unterminated', b"<>", b"", b"a@b@c"])),
        b"Subject: " + draw(HOSTILE_TEXT).encode(actual, "replace")[:200].replace(b"\n", b" ").replace(b"\r", b" "),
        b"Date: " + draw(st.sampled_from([b"Mon, 1 Jan 2024 10:00:00 +0000", b"yesterday", b"", b"Mon, 99 Foo 99999"])),
    ]
    body = draw(HOSTILE_TEXT).encode(actual, "replace")
    if transfer.strip().lower() == "base64" and draw(st.booleans()):
        import base64
        body = base64.encodebytes(body)
    if kind.startswith("multipart") and depth < 4:
        boundary = draw(st.sampled_from(["b1", "=_x", "", "a b", "-" * 80]))
        parts = [draw(emails(depth + 1)) for _ in range(draw(st.integers(0, 3)))]
        content = f'Content-Type: {kind}; boundary="{boundary}"'.encode()
        body = b"".join(b"--" + boundary.encode() + b"\n" + part + b"\n" for part in parts)
        if draw(st.booleans()):
            body += b"--" + boundary.encode() + b"--\n"
    else:
        content = f"Content-Type: {kind}; charset={charset}".encode()
    headers += [b"MIME-Version: 1.0", content, b"Content-Transfer-Encoding: " + transfer.encode()]
    if draw(st.booleans()):
        headers.append(b"Content-Disposition: " + draw(st.sampled_from([b"attachment", b"inline", b'attachment; filename="a.txt"'])))
    eol = draw(st.sampled_from([b"\n", b"\r\n"]))
    return eol.join(headers) + eol + eol + body.replace(b"\n", eol)


@FUZZ
@given(message=emails(), suffix=st.sampled_from([".eml", ".txt", ""]), options=OPTIONS)
def test_generated_emails(folder, message, suffix, options):
    loads_or_refuses(write(folder, "generated" + suffix, message), options)


@FUZZ
@given(messages=st.lists(emails(), min_size=1, max_size=4), options=OPTIONS,
       separator=st.sampled_from([b"From dana@acme.com Mon Jan  1 10:00:00 2024\n", b"From x 1:11 2024\n", b"From \n"]))
def test_generated_mboxes(folder, messages, options, separator):
    data = b"".join(separator + m + b"\n\n" for m in messages)
    loads_or_refuses(write(folder, "generated.mbox", data), options)


TIMES = st.sampled_from(["00:00.000", "00:00:01.500", "99:59:59.999", "1:2.3", "00:00,000", "-1:00.000", "00:00:00:00.000"])


@st.composite
def captions(draw):
    vtt = draw(st.booleans())
    out = ["WEBVTT" + draw(st.sampled_from(["", " - title", "X"]))] if vtt else []
    for number in range(draw(st.integers(0, 6))):
        if not vtt or draw(st.booleans()):
            out.append(str(number + 1))
        arrow = draw(st.sampled_from([" --> ", " -> ", "-->", " --> --> "]))
        out.append(draw(TIMES) + arrow + draw(TIMES) + draw(st.sampled_from(["", " align:start", " x"])))
        for _ in range(draw(st.integers(0, 3))):
            voice = draw(st.sampled_from(["", "<v Dana>", "<v.loud Sam Lee>", "Dana: ", "Sam: ", "- ", "<b>", "<v ", ">> "]))
            out.append(voice + draw(HOSTILE_TEXT).replace("\n", " ").replace("\r", " "))
        out.append("")
    return ("\n".join(out)).encode("utf-8", "surrogatepass"), ".vtt" if vtt else ".srt"


@FUZZ
@given(caption=captions(), options=OPTIONS)
def test_generated_captions(folder, caption, options):
    data, suffix = caption
    loads_or_refuses(write(folder, "generated" + suffix, data), options)


JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), HOSTILE_TEXT)
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["text", "speaker", "segments", "words", "word", "name", "transcript", "utterances", "x", "start"]),
    inner, max_size=4), max_leaves=30)
TURNS = st.lists(st.fixed_dictionaries({}, optional={
    "speaker": st.one_of(HOSTILE_TEXT, st.integers(), st.none(), st.fixed_dictionaries({"name": HOSTILE_TEXT})),
    "text": st.one_of(HOSTILE_TEXT, st.integers(), st.lists(HOSTILE_TEXT, max_size=3)),
    "words": st.lists(st.one_of(HOSTILE_TEXT, st.fixed_dictionaries({"word": HOSTILE_TEXT})), max_size=4),
}), max_size=6)


@FUZZ
@given(value=st.one_of(JSON_VALUES, TURNS, st.fixed_dictionaries({"segments": TURNS})), options=OPTIONS,
       indent=st.sampled_from([None, 2]))
def test_generated_json(folder, value, options, indent):
    data = json.dumps(value, indent=indent, ensure_ascii=False).encode("utf-8", "surrogatepass")
    loads_or_refuses(write(folder, "generated.json", data), options)


HTML_TOKENS = st.sampled_from([
    "<html>", "<body>", "<p>", "</p>", "<div>", "</div>", "<td>", "<tr>", "<table>", "</table>", "<br>", "<style>",
    "</style>", ".x{display:none}", "@media{", "}", "<span class=x>", "</span>", "<script>", "</script>", "<!--",
    "-->", "<![CDATA[", "]]>", "<!doctype html>", "<blockquote type=cite>", "</blockquote>", "<a href='javascript:x'>",
    "&amp;", "&#0;", "&#x110000;", "&bogus;", "<", ">", "</", "<?", "<!", "'", '"', "=", " ", "\n", "Hello there.",
    "We cut costs.", "{{ first_name }}", "{% if x %}", "<p style='font-size:0'>", "<div hidden>", "<x y=\"",
])


@FUZZ
@given(tokens=st.lists(HTML_TOKENS, max_size=80), options=OPTIONS)
def test_generated_html(folder, tokens, options):
    loads_or_refuses(write(folder, "generated.html", "".join(tokens).encode()), options)


TEXT_TOKENS = st.sampled_from([
    "Dana: ", "Sam Lee (00:12): ", "[00:01] Dana: ", "Speaker 1 (00:01)\n", "Hello there. ", "We cut costs! ",
    "{{ first_name }}", "{{#if x}}", "{{/if}}", "{% comment %}", "{% endcomment %}", "{#", "#}", "*|FNAME|*", "%%Name%%",
    "<!-- plumbline: ignore -->", "<!--", "-->", "# plumbline: ignore[drift]", "---\n", "```\n", "- ", "> ", "\n", "\n\n",
    " ", "\t", "From: a@b.c\n", "Subject: x\n", "WEBVTT\n", "1\n00:00:00,000 --> 00:00:01,000\n", "\x1b]8;;x\x07",
])


@FUZZ
@given(tokens=st.lists(TEXT_TOKENS, max_size=80), suffix=st.sampled_from([".txt", ".md", ""]), options=OPTIONS)
def test_generated_text_and_transcripts(folder, tokens, suffix, options):
    loads_or_refuses(write(folder, "generated" + suffix, "".join(tokens).encode()), options)


DOCX = [f for f in FIXTURES if f.endswith(".docx") and "/bad/" not in f]


@FUZZ
@given(fixture=st.sampled_from(DOCX), options=OPTIONS, data=st.data())
def test_docx_with_mutated_parts(folder, fixture, options, data):
    """A valid zip whose XML parts are truncated, spliced or stuffed: the XML parser's errors."""
    source = zipfile.ZipFile(fixture)
    victim = data.draw(st.sampled_from(source.namelist()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name in source.namelist():
            part = source.read(name)
            if name == victim:
                part = _mutate(part, data.draw)
            package.writestr(name, part)
    loads_or_refuses(write(folder, "mutated.docx", out.getvalue()), options)


class _ScanningVisibleText:
    """The HTML element stack as it was before it was made linear (scans from the top), kept as
    the reference the linear one must agree with."""

    def handle_endtag(self, tag):
        from plumbline.formats.html import _BLOCK, hidden_classes

        if tag in _BLOCK:
            self.block += 1
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                self._truncate(depth)
                break
        if tag == "style":
            self.hidden_classes = hidden_classes("\n".join(self.css))

    def _close_open(self, tag):
        from plumbline.formats.html import _CONTAINERS

        for depth in range(len(self.stack) - 1, -1, -1):
            name = self.stack[depth][0]
            if name == tag:
                self._truncate(depth)
                return
            if name in _CONTAINERS:
                return


STACK_TOKENS = st.sampled_from([
    "<p>", "</p>", "<li>", "</li>", "<td>", "<tr>", "<th>", "<dd>", "<dt>", "<option>", "<table>", "</table>", "<ul>",
    "</ul>", "<div>", "</div>", "<span>", "</span>", "<b>", "</b>", "<blockquote type=cite>", "</blockquote>",
    "<div style='display:none'>", "<span class=h>", "<style>.h{display:none}</style>", "<style>.k{color:red}</style>",
    "<div class=gmail_quote>", "</x>", "Hello there. ", "We cut costs. ", "\n", "<br>",
])


@FUZZ
@given(tokens=st.lists(STACK_TOKENS, max_size=60))
def test_linear_html_stack_agrees_with_the_scanning_one(tokens):
    from plumbline.formats.html import _VisibleText, defuse

    class Reference(_ScanningVisibleText, _VisibleText):
        pass

    html = "".join(tokens)
    results = []
    for parser in (_VisibleText(), Reference()):
        parser.feed(defuse(html))
        parser.close()
        results.append(parser.result())
    assert results[0] == results[1]


COMMENT_TOKENS = st.sampled_from([
    "<!--", "-->", "{#", "#}", "{%", "%}", " comment ", "endcomment", "{%- comment -%}", "{% endcomment %}", "{{!",
    "{{!--", "--}}", "}}", "{{", "#", "//", " ", "\t", "\n", "[x]:", " # ", "plumbline: ignore", "plumbline: ignore-file",
    "[drift]", "plumbline", "a", "-", "!", "<>", "[", "]", ":", "%", "{", "}", ">", "/",
])


@FUZZ
@given(tokens=st.lists(COMMENT_TOKENS, max_size=60))
def test_linear_comment_scan_agrees_with_the_regex(tokens):
    """suppress.comments finds exactly what suppress.COMMENT.finditer finds, in linear time."""
    from plumbline import suppress

    text = "".join(tokens)
    assert list(suppress.comments(text)) == [m.span() for m in suppress.COMMENT.finditer(text)]

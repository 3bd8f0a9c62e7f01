"""Safe reports: text quoted from emails and transcripts is data in every output, never markup
or terminal control.

A Report is built by hand with hostile text in every field a renderer prints (sentence,
message, path, speaker, story title, error), rendered in every format of
plumbline.report.RENDERERS, and read back with an independent parser (json, xml.etree,
html.parser, a line grammar for GitHub commands): the hostile text must come back as text,
and terminal outputs (text, github) must carry no escape sequence, control character or
bidi override. The HTML audit report is built from files holding the same text.
"""
from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from dataclasses import replace

from plumbline.model import Evidence, FileResult, Finding, Judgement, PlumbLine, PlumbLineSentence, Report, Sentence, Story
from plumbline.report import RENDERERS, describe, render

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "javascript:alert(1)",
    "\" onmouseover=\"alert(1)",
    "' onfocus='alert(1)' x='",
    "]]><injected attr=\"1\"/><![CDATA[",
    "{{ 7*7 }} {% if x %}${7*7}",
    "\x1b[31mred\x1b[0m \x1b[2J\x1b[H",
    "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07",
    "\x1b]0;window title\x1b\\",
    "\x9b31m C1 CSI \x9d0;osc\x9c",
    "\u202eevil\u202c \u2066isolate\u2069 \u200fmark",
    "nul\x00byte \x07bell \x08back",
    "line one\nline two\r\n::error file=x::injected\n::add-mask::secret",
    "%0A%25 100% & &amp; &lt;b&gt;",
    "\u2028separator\u2029 \x85next line",
    "😀 émigré",
]
TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_report(text: str) -> Report:
    """Every printed field of a Report holds `text` (paths and ids keep what a loader allows)."""
    story = Story(id="total-cost", title=f"Total cost {text}", kind="story", body="b", path="pl/total.md")
    avoid = Story(id="discounts", title=f"Discounts {text}", kind="avoid", body="b", path="pl/avoid.md")
    path = f"mail/{text.replace('/', '_').replace(chr(0), '0')}.eml"
    sentence = Sentence(path=path, line=3, column=5, text=f"We said {text}", speaker=f"Dana {text}")
    nearest = PlumbLineSentence("total-cost", f"Total cost {text}", "story", f"Story {text}", f"pl/{text}.md", 7)
    finding = Finding("drift", "warning", path, 3, 5, f"claim {text}", story="discounts", confidence=0.9,
                      text=f"We said {text}", speaker=f"Dana {text}",
                      evidence=Evidence(nearest, 0.31, 0.55, (text,), f"nearest story {text}"),
                      suggestion=replace(nearest, text=f"Say {text}"))
    off = Finding("off-message", "error", path, 4, 1, f"matches what to avoid: Discounts {text}", story="discounts",
                  text=f"Free {text}", speaker="Sam")
    suppressed = Finding("discount-language", "warning", path, 5, 1, "discount", text=text, suppressed=True,
                         suppressed_by="comment")
    contact = Finding("over-contact", "warning", f"logs/{text.replace('/', '_')}.csv", 2, 1,
                      f"ana@acme.com: 6 touches {text}", text=f"body {text}", details=(("contact", text),))
    files = (
        FileResult(path=path, judgements=(Judgement(sentence, "drift", "discounts", 0.5, 0.9),),
                   findings=(finding, off, suppressed), coverage=("total-cost",), messages=1),
        FileResult(path=f"broken {path}", error=f"cannot parse as email: {text}"),
    )
    return Report(plumbline=PlumbLine("pl", (story, avoid)), files=files, findings=(contact,))


def rendered(report: Report, fmt: str) -> str:
    out = io.StringIO()
    render(report, fmt, out)
    return out.getvalue()


@pytest.fixture(params=range(len(HOSTILE)), ids=[f"hostile{k}" for k in range(len(HOSTILE))])
def text(request):
    return HOSTILE[request.param]


def check_text(output: str, report: Report, text: str) -> None:
    assert not TERMINAL_UNSAFE.search(output), repr(TERMINAL_UNSAFE.search(output))
    for piece in re.split("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+", text):
        assert piece in output  # the printable text is all there
    # 2 findings with their quoted line (one with why and say-instead lines), coverage, an error,
    # a report-level finding, blank, summary
    assert output.count("\n") == 11


def check_json(output: str, report: Report, text: str) -> None:
    data = json.loads(output)
    [judged, broken] = data["files"]
    assert judged["findings"][0]["text"] == f"We said {text}"
    assert judged["findings"][0]["speaker"] == f"Dana {text}"
    assert judged["segments"][0]["text"] == f"We said {text}"
    assert broken["error"] == f"cannot parse as email: {text}"
    assert judged["path"] == report.files[0].path
    assert data["findings"][0]["text"] == f"body {text}"


def check_sarif(output: str, report: Report, text: str) -> None:
    data = json.loads(output)
    run = data["runs"][0]
    messages = [r["message"]["text"] for r in run["results"]]
    from plumbline.report.sarif import escape_link_text

    assert any(m.startswith(escape_link_text(describe(report.files[0].findings[0]))) for m in messages)
    assert any(escape_link_text(f"We said {' '.join(text.split())}") in m for m in messages)
    for result in run["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not re.search(r"[\s\"'<>\\^`{|}\x00-\x1f\x7f]", uri), uri  # percent-encoded, a valid URI
    notes = run["invocations"][0].get("toolExecutionNotifications", [])
    assert any(text.split("\n")[0] in n["message"]["text"] or not text.strip() for n in notes)


def check_junit(output: str, report: Report, text: str) -> None:
    root = ET.fromstring(output.encode("utf-8"))  # well-formed, whatever the text
    tags = {element.tag for element in root.iter()}
    assert tags <= {"testsuites", "testsuite", "testcase", "failure", "error"}, tags  # nothing injected
    failures = [f for f in root.iter("failure")]
    xml_safe = re.sub("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "\ufffd", " ".join(text.split()))
    assert any(xml_safe in (f.get("message") or "") for f in failures)
    assert any(xml_safe in (f.text or "") for f in failures)
    errors = list(root.iter("error"))
    assert errors and re.sub("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "\ufffd", text) in errors[0].get("message")


GITHUB_LINE = re.compile(r"^::(?:error|warning|notice)(?: [^:]*)?::[^\r\n]*$|^plumbline: \d+ file\(s\), .*$")


def check_github(output: str, report: Report, text: str) -> None:
    assert not TERMINAL_UNSAFE.search(output), repr(TERMINAL_UNSAFE.search(output))
    lines = output.split("\n")
    assert lines[-1] == ""
    unsuppressed = [f for f in report.all_findings if not f.suppressed]
    errors = [r for r in report.files if r.error]
    assert len(lines) - 1 == len(unsuppressed) + len(errors) + 1  # one command each, nothing injected
    for line in lines[:-1]:
        assert GITHUB_LINE.match(line), line
    assert not any(line.startswith("::add-mask") for line in lines)


CHECKS = {"text": check_text, "json": check_json, "sarif": check_sarif, "junit": check_junit, "github": check_github}


def test_every_renderer_has_a_safety_check():
    assert set(RENDERERS) <= set(CHECKS), f"add a check for {set(RENDERERS) - set(CHECKS)} here"


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_hostile_text_is_data_in_every_format(fmt, text):
    report = hostile_report(text)
    CHECKS[fmt](rendered(report, fmt), report, text)


def test_all_hostile_text_at_once(tmp_path):
    text = "".join(HOSTILE)
    report = hostile_report(text)
    for fmt in RENDERERS:
        CHECKS[fmt](rendered(report, fmt), report, text)


def test_reports_written_to_a_file_are_utf8(tmp_path):
    from plumbline.cli.options import write_report

    report = hostile_report("".join(HOSTILE))
    for fmt in RENDERERS:
        path = tmp_path / f"report.{fmt}"
        write_report(report, fmt, str(path))
        assert path.read_bytes().decode("utf-8")


class Page(HTMLParser):
    """Elements, attributes and text of an HTML page, as a browser's tokenizer sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def test_audit_html_report_escapes_quoted_text(tmp_path, fake_encoder):
    from plumbline.audit import run_audit
    from plumbline.formats import LoadOptions
    from plumbline.judge import JudgeSettings
    from plumbline.pipeline import prepare_judge
    from plumbline.plumbline_file import load_plumbline
    from plumbline.report.html import render as render_html

    plumbline = load_plumbline(os.path.join(os.path.dirname(__file__), "data", "ci", "plumbline"))
    settings = JudgeSettings(judge="thresholds")
    judge = prepare_judge(plumbline, settings, encoder=fake_encoder, use_cache=False)
    said = ["Our chefs cater <script>alert(1)</script> <blink>parties</blink> every Friday.",
            "We deliver sushi \" onmouseover=\"alert(1) to your office daily.",
            "Click javascript:alert(1) and ]]> {{ 7*7 }} for free flowers today.",
            "Our florists \x1b[31m deliver \u202etulips\u202c to every lobby."]
    (tmp_path / "in").mkdir()
    for k, sentence in enumerate(said):
        name = f"<marquee onclick=alert({k})>'\"{k}.txt"
        (tmp_path / "in" / name).write_text(f"Dana <iframe>Ruiz</iframe>\" x='1: {sentence}\nSam: Thanks.\n",
                                            encoding="utf-8")
    summary = run_audit([str(tmp_path / "in")], plumbline, options=LoadOptions(rep_pattern="Dana"), settings=settings,
                        judge=judge, state_dir=str(tmp_path / "state"))
    out = io.StringIO()
    render_html(summary, out, title="<script>alert('title')</script>")
    page = Page()
    page.feed(out.getvalue())
    page.close()
    assert not {"script", "img", "blink", "marquee", "iframe"} & set(page.tags), page.tags
    for tag, name, value in page.attributes:
        assert not name.startswith("on"), (tag, name, value)
        assert not value.strip().lower().startswith(("javascript:", "data:text/html", "vbscript:")), (tag, name, value)
        if name == "style":
            assert not re.search(r"url\(|expression|@import|javascript", value, re.I), value
    text = "".join(page.text)
    assert "<script>alert('title')</script>" in text  # the title round-trips as text
    assert "<script>alert(1)</script>" in text or "alert(1)" in text
    assert "Dana <iframe>Ruiz</iframe>" in text  # a rep's name with markup is shown, not rendered

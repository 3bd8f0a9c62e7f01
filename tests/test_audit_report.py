"""The HTML audit report from the bundled Northwind corpus with the real model: its numbers are
the JSON's, quoted text is escaped, and headless Chromium renders it with no console error.

Set PLUMBLINE_UPDATE_SCREENSHOT=1 to also write the screenshot to docs/report.png."""
import json
import os
import re
import shutil
import subprocess
import tomllib
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from plumbline.audit import run_audit
from plumbline.audit.export import write_json
from plumbline.formats import LoadOptions
from plumbline.pipeline import check, prepare_judge
from plumbline.plumbline_file import load_plumbline
from plumbline.report.html import render
from plumbline.report.json_report import as_dict

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NORTHWIND = os.path.join(REPO, "corpus", "companies", "northwind")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def northwind(real_encoder, tmp_path_factory):
    with open(os.path.join(NORTHWIND, "company.toml"), "rb") as fh:
        company = tomllib.load(fh)
    options = LoadOptions(reps=tuple(company["reps"]))
    plumbline = load_plumbline(os.path.join(NORTHWIND, "plumbline"))
    judge = prepare_judge(plumbline, encoder=real_encoder, use_cache=False)
    out = tmp_path_factory.mktemp("report")
    messages = os.path.join(NORTHWIND, "messages")
    summary = run_audit([messages], plumbline, options=options, judge=judge, state_dir=str(out / "state"))
    with open(out / "report.html", "w", encoding="utf-8") as fh:
        render(summary, fh, title="Northwind Payroll: plumb-line audit")
    with open(out / "report.json", "w", encoding="utf-8") as fh:
        write_json(summary, fh)
    checked = as_dict(check([messages], plumbline, options, judge=judge))["summary"]
    return {"summary": summary, "dir": out, "html": (out / "report.html").read_text("utf-8"),
            "json": json.loads((out / "report.json").read_text("utf-8")), "check": checked,
            "judge": judge, "options": options, "plumbline": plumbline}


class Cells(HTMLParser):
    """Collects data-* attributes and text of the elements the tests look at."""

    def __init__(self):
        super().__init__()
        self.metrics, self.cells, self.themes, self._metric, self._value = {}, [], [], None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-metric" in attrs:
            self._metric = attrs["data-metric"]
        if self._metric and attrs.get("class") == "value":
            self._value = True
        if "data-share" in attrs:
            self.cells.append(attrs)
        if "data-theme" in attrs:
            self.themes.append(attrs["data-theme"])

    def handle_data(self, data):
        if self._value:
            self.metrics[self._metric] = data.strip()
            self._value, self._metric = False, None


def parse(page):
    cells = Cells()
    cells.feed(page)
    return cells


def test_headline_numbers_are_the_json_numbers(northwind):
    page, data, checked = parse(northwind["html"]), northwind["json"], northwind["check"]
    assert page.metrics["messages"] == f"{data['messages']:,}" == f"{checked['messages']:,}"
    assert page.metrics["sentences"] == f"{data['sentences']:,}" == f"{checked['sentences']:,}"
    assert data["labels"] == checked["labels"]
    for label in ("aligned", "drift", "off-message", "neutral"):
        assert page.metrics[label] == f"{data['shares'][label]:.0%}"
    assert page.metrics["story-coverage"] == f"{data['story_coverage']:.0%}"
    assert data["files"] == 8 and data["errors"] == 0


def test_heatmap_cells_are_story_share_per_rep(northwind):
    page, data = parse(northwind["html"]), northwind["json"]
    by_rep = {g["name"]: g for g in data["by_rep"]}
    assert {"Dana Whitfield", "Marco Ruiz"} <= set(by_rep)
    reps = [c for c in page.cells if c["data-group"] in by_rep]
    stories = {s["id"] for s in data["stories"]}
    assert len(reps) == len(by_rep) * len(stories)  # one rep heatmap: every story × every rep
    row_of = re.findall(r'<tr data-story="([^"]+)">', northwind["html"])
    assert set(row_of) == stories
    for cell in reps:
        group = by_rep[cell["data-group"]]
        told, messages = map(int, re.fullmatch(r".*: (\d+) of (\d+) messages", cell["title"]).groups())
        assert messages == group["messages"]
        assert float(cell["data-share"]) == pytest.approx(told / messages if messages else 0, abs=1e-4)
    everyone = [c for c in page.cells if c["data-group"] == "All"]
    assert len(everyone) == len(stories)


def test_themes_are_named_with_examples(northwind):
    summary, page = northwind["summary"], parse(northwind["html"])
    assert len(summary.themes) >= 2 and len(page.themes) == len(summary.themes)
    assert sum(t.sampled for t in summary.themes) == summary.labels["drift"] + summary.labels["off-message"]
    for theme in summary.themes:
        assert theme.name and theme.examples
        assert escape(theme.name) in northwind["html"]
        assert escape(theme.examples[0].text) in northwind["html"]


def test_quoted_text_is_escaped(northwind, tmp_path):
    mail = tmp_path / "email-05-injection.txt"
    mail.write_text("Hi Greg,\n\nOur dashboard <script>alert('owned')</script> predicts which employees quit "
                    "next month, guaranteed.\n\nMarco Ruiz\n", encoding="utf-8")
    summary = run_audit([str(tmp_path)], northwind["plumbline"], options=northwind["options"],
                        judge=northwind["judge"], state_dir=str(tmp_path / "state"))
    out = tmp_path / "r.html"
    with open(out, "w", encoding="utf-8") as fh:
        render(summary, fh)
    page = out.read_text("utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in page
    flagged = [s for w in summary.worst for s in w.sentences if "<script>" in s.text]
    assert flagged and flagged[0].label in ("drift", "off-message")  # so it is quoted under "read first"


def test_report_is_self_contained(northwind):
    page = northwind["html"]
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "default-src 'none'" in page and "<script" not in page.lower()
    assert "<svg" in page and 'data-chart="map"' in page and 'data-chart="drift-by-rep"' in page


def test_chromium_renders_it_without_console_errors(northwind):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    out = northwind["dir"]
    shot = out / "report.png"
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={out / 'chromium-profile'}",
         "--enable-logging=stderr", "--v=0", "--hide-scrollbars", "--window-size=1200,9000",
         f"--screenshot={shot}", (out / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert result.returncode == 0, result.stderr[-2000:]
    assert console == [], console
    assert shot.stat().st_size > 50_000
    if os.environ.get("PLUMBLINE_UPDATE_SCREENSHOT"):
        save_for_docs(shot, os.path.join(REPO, "docs", "report.png"))


def save_for_docs(shot, target):
    """Crop the empty window below the page and reduce to 256 colours (a smaller PNG to commit)."""
    from PIL import Image, ImageChops

    image = Image.open(shot).convert("RGB")
    background = Image.new("RGB", image.size, image.getpixel((0, image.height - 1)))
    bottom = ImageChops.difference(image, background).getbbox()[3]
    image.crop((0, 0, image.width, min(image.height, bottom + 24))).quantize(colors=256).save(target, optimize=True)


def test_flagged_sentences_show_why_and_what_to_say_instead(northwind):
    """Issue 18: the report shows each flagged sentence's evidence and suggestion beside it."""
    flagged = [s for w in northwind["summary"].worst for s in w.sentences if s.label in ("drift", "off-message")]
    assert flagged and all(s.why for s in flagged)
    explained = [s for s in flagged if s.instead]
    assert explained
    page = northwind["html"]
    for s in explained[:5]:
        assert f"Why: {escape(s.why)}." in page and f"Say instead: \u201c{escape(s.instead)}\u201d" in page
    assert any("nearest story" in s.why for s in flagged if s.label == "drift")

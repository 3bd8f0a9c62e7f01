"""Details of the audit report a reader trips over: heatmap headers that break names between
words only (12+ reps), drift themes that do not split one offer by its number, and transcripts
in "Messages to read first" shown as an exchange, with the prospect's questions and who said
what. Fake encoder: what is checked here is layout and wording, not the judge."""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser

import pytest

from plumbline.audit import run_audit
from plumbline.audit.themes import _chunker, _name_clusters, _phrases
from plumbline.formats import LoadOptions
from plumbline.judge import JudgeSettings
from plumbline.pipeline import prepare_judge
from plumbline.plumbline_file import load_plumbline
from plumbline.report.html import render

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUMBLINE = os.path.join(REPO, "tests", "data", "ci", "plumbline")
CSS = os.path.join(REPO, "plumbline", "report", "assets", "report.css")
REPS = ["Maximiliana Oyelaran-Whitcombe", "Bartholomew Szczepański", "Evangelina Castellanos-Reyes",
        "Konstantinos Papadimitriou", "Oluwaseun Adebayo-Okonkwo", "Guadalupe Villaseñor", "Thaddeus Worthington",
        "Anastasiya Kovalenko", "Siddharth Raghunathan", "Ingeborg Halvorsen", "Marguerite Delacroix",
        "Jedediah Blackwood", "Persephone Lindqvist", "Wilhelmina Fairweather"]
QUESTION = "What happens if we sign after the end of the month, is there any flexibility on price?"


def _email(rep: str, k: int) -> str:
    user = rep.split()[0].lower()
    return (f"From: {rep} <{user}@ledgerly.example>\nTo: buyer{k}@client.example\nSubject: Payroll\n"
            f"Date: Tue, {k + 1:02d} Apr 2025 09:00:00 +0000\n\n"
            "Ledgerly files your payroll taxes in every state where you have employees.\n"
            f"If you sign this week, the first {k % 3 + 2} months are free.\n")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from conftest import FakeEncoder

    export = tmp_path_factory.mktemp("export")
    for k, rep in enumerate(REPS):
        (export / f"mail-{k:02d}.eml").write_text(_email(rep, k), encoding="utf-8")
    (export / "renewal-call.txt").write_text(
        "Ines Okafor: Thanks for joining. Ledgerly files your payroll taxes in every state.\n"
        f"Pat Quinn: {QUESTION}\n"
        "Ines Okafor: Honestly, I can take 40% off the first year if you sign by Friday.\n"
        "Pat Quinn: Okay, send it over.\n", encoding="utf-8")
    plumbline = load_plumbline(PLUMBLINE)
    judge = prepare_judge(plumbline, JudgeSettings(judge="thresholds"), encoder=FakeEncoder())
    summary = run_audit([str(export)], plumbline, options=LoadOptions(reps=("Ines Okafor", *REPS)), judge=judge,
                        state_dir=str(tmp_path_factory.mktemp("state")))
    out = tmp_path_factory.mktemp("out") / "audit.html"
    with open(out, "w", encoding="utf-8") as fh:
        render(summary, fh)
    return {"summary": summary, "html": out.read_text("utf-8")}


class Headers(HTMLParser):
    """The heatmap's column headers: for each, its words as the page groups them."""

    def __init__(self):
        super().__init__()
        self.headers, self._in, self._word = [], False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-heatmap") == "rep":
            self._table = True
        if tag == "th" and "group" in (attrs.get("class") or "") and getattr(self, "_table", False):
            self._in = True
            self.headers.append({"words": [], "loose": ""})
        if self._in and tag == "span" and attrs.get("class") == "word":
            self._word = ""
        if self._in and tag == "br":
            self._in = False

    def handle_endtag(self, tag):
        if tag == "span" and self._word is not None:
            self.headers[-1]["words"].append(self._word)
            self._word = None
        if tag == "table":
            self._table = False

    def handle_data(self, data):
        if self._word is not None:
            self._word += data
        elif self._in:
            self.headers[-1]["loose"] += data


def _css_rules(selector_part: str) -> str:
    css = open(CSS, encoding="utf-8").read()
    return " ".join(body for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", css) if selector_part in selector)


def test_heatmap_headers_break_names_only_between_words(report):
    parser = Headers()
    parser.feed(report["html"])
    reps = [h for h in parser.headers if h["words"] != ["All"] and "All" not in h["loose"]]
    assert len(reps) >= 12, parser.headers
    shown = {" ".join(h["words"]) for h in reps}
    assert shown <= set(REPS) | {"Ines Okafor"} and len(shown) == len(reps)
    for h in reps:
        assert h["loose"].strip() == "", h  # every word of the name is in its own unbreakable span
    heat = _css_rules(".heat")
    assert "anywhere" not in heat and "break-all" not in heat
    assert "nowrap" in _css_rules(".word")


def test_one_offer_is_one_theme_phrase_whatever_its_number():
    nlp = _chunker()
    offers = ["The first 3 months are free if you sign this quarter.", "You get 2 months free when you sign.",
              "Sign now and 6 months are on us.", "Two months free, but only this quarter."]
    keys = [set(_phrases(nlp(text), ["Ledgerly"])) for text in offers]
    assert all(not re.search(r"\d", key) for k in keys for key in k), keys  # "3 month" and "2 month" are "N month"
    assert sum("N month" in k for k in keys) >= 2, keys
    (names,) = _name_clusters([[_phrases(nlp(text), ["Ledgerly"]) for text in offers * 2]])
    without_numbers = [re.sub(r"\b(N|\d+)\b", "", name).strip() for name in names]
    assert len(set(without_numbers)) == len(without_numbers), names  # never "3 months · 2 months"


def test_themes_of_the_report_do_not_split_by_number(report):
    for theme in report["summary"].themes:
        stripped = [re.sub(r"\b(N|\d+)\b", "", p).strip() for p in theme.phrases]
        assert len(set(stripped)) == len(stripped), theme.phrases


def test_transcripts_to_read_first_are_turns_with_speakers(report):
    worst = [w for w in report["summary"].worst if w.path.endswith("renewal-call.txt")]
    assert worst and [t.speaker for t in worst[0].turns] == ["Ines Okafor", "Pat Quinn", "Ines Okafor", "Pat Quinn"]
    page = report["html"]
    section = page[page.index('id="worst"'):page.index("</section>", page.index('id="worst"'))]
    call = section[section.index("renewal-call.txt"):]
    call = call[:call.index('class="message"') if 'class="message"' in call else len(call)]
    assert 'class="turn other"' in call and 'class="turn rep"' in call
    assert "Pat Quinn:" in call and "Ines Okafor:" in call
    assert "is there any flexibility on price?" in call  # the prospect's question, as asked
    assert call.index("is there any flexibility") < call.index("40% off")  # in the order it was said

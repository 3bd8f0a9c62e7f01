"""Findings say why and what to say instead (issue 18), and name an avoid entry only when the
sentence matches it (issue 16): evidence points at the plumb-line file and line, a discount
offer is answered with the plumb line's cost story, the text format prints one sentence once."""
from __future__ import annotations

import io
import json
import os

import pytest

from plumbline.judge import JudgeSettings
from plumbline.judge.evidence import AVOID_MATCH, AVOID_STRONG, Explainer, avoid_matched, plumbline_sentences
from plumbline.model import Closest
from plumbline.plumbline_file import load_plumbline
from plumbline.report import render

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "evidence")
PLUMBLINE = os.path.join(DATA, "plumbline")
DISCOUNT = "If you sign the contract by Friday I can knock 20% off the whole system.\n"
DRIFT = "We also wash your car every month, and our panels double as a rooftop garden.\n"
ON_MESSAGE = "The same crew that surveys your roof installs the panels, and nobody subcontracts the work.\n"


def file_line(path: str, line: int) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read().split("\n")[line - 1]


def test_every_plumbline_sentence_knows_its_file_and_line():
    plumbline = load_plumbline(PLUMBLINE)
    for kind in ("story", "avoid"):
        for s in plumbline_sentences(plumbline, kind):
            assert s.line >= 1
            written = file_line(s.path, s.line)
            first_words = " ".join(s.text.split()[:2])
            assert first_words in written or s.text.startswith(written.strip().lstrip("- ")[:20]), (s, written)


def test_a_second_sentence_on_a_line_points_at_that_line():
    story = load_plumbline(PLUMBLINE).story("lifetime-cost")
    second = story.examples.index(next(e for e in story.examples if e.startswith("Over twenty years")))
    assert story.example_lines[second] == 6  # starts mid-line 6, runs on to line 8


def test_avoid_entry_named_only_when_matched():
    explainer = Explainer((), (), None, discount_entries=("price-cuts",))
    weak = Closest(avoid="overpromise", avoid_score=AVOID_MATCH - 0.05)
    assert not avoid_matched(explainer, weak)
    assert avoid_matched(explainer, Closest(avoid="overpromise", avoid_score=AVOID_MATCH + 0.01))
    # the discount rule fired: an entry about something else needs a strong match
    assert not avoid_matched(explainer, Closest(avoid="overpromise", avoid_score=AVOID_STRONG - 0.01), discount=True)
    assert avoid_matched(explainer, Closest(avoid="overpromise", avoid_score=AVOID_STRONG + 0.01), discount=True)
    # ...and an entry about discounts agrees with it
    assert avoid_matched(explainer, Closest(avoid="price-cuts", avoid_score=0.2), discount=True)


@pytest.fixture(scope="module")
def judged(tmp_path_factory, real_encoder):
    """The bundled judge and real model on three messages, against two plumb lines."""
    from plumbline.pipeline import check, prepare_judge

    root = tmp_path_factory.mktemp("messages")
    for name, text in (("discount.txt", DISCOUNT), ("drift.txt", DRIFT), ("clean.txt", ON_MESSAGE)):
        (root / name).write_text(text, encoding="utf-8")
    out = {}
    for name in ("plumbline", "guarantees-only"):
        plumbline = load_plumbline(os.path.join(DATA, name))
        judge = prepare_judge(plumbline, JudgeSettings(), encoder=real_encoder, use_cache=False)
        out[name] = check([str(root)], plumbline, judge=judge)
    return out


def findings(report, name):
    return [f for r in report.files if r.path.endswith(name) for f in r.findings]


@pytest.mark.slow
def test_drift_evidence_names_the_nearest_story_file_and_line(judged):
    [drift] = [f for f in findings(judged["plumbline"], "drift.txt") if f.rule == "drift"]
    nearest = drift.evidence.nearest
    assert nearest.kind == "story" and nearest.path.endswith(f"{nearest.entry}.md")
    assert " ".join(nearest.text.split()[:3]) in " ".join(
        file_line(nearest.path, nearest.line + k) for k in range(3))  # the sentence starts on that line
    assert 0 < drift.evidence.similarity < 1 and drift.evidence.typical
    assert nearest.title in drift.evidence.summary and f"{nearest.path}:{nearest.line}" in drift.evidence.summary
    assert drift.suggestion is not None and drift.suggestion.kind == "story"


@pytest.mark.slow
def test_discount_offer_is_answered_with_the_cost_story(judged):
    by_rule = {f.rule: f for f in findings(judged["plumbline"], "discount.txt")}
    assert "discount-language" in by_rule
    assert by_rule["discount-language"].evidence.words  # the words that fired
    assert any("20% off" in w for w in by_rule["discount-language"].evidence.words)
    for f in by_rule.values():
        assert f.suggestion is not None and f.suggestion.entry == "lifetime-cost", f
    off = by_rule.get("off-message")
    if off is not None:  # the judge's call; when it flags it, it names the discount entry
        assert off.story == "price-cuts" and "Cutting the price" in off.message


@pytest.mark.slow
def test_discount_offer_does_not_name_an_unrelated_avoid_entry(judged):
    """Issue 16: with only an 'overpromise' avoid entry, a discount offer is not reported as
    an overpromise; the discount rule says what it is."""
    report = judged["guarantees-only"]
    mine = findings(report, "discount.txt")
    assert any(f.rule == "discount-language" for f in mine)
    for f in mine:
        assert f.story != "overpromise" and "Promising output" not in f.message, f
    for j in (j for r in report.files for j in r.judgements if j.label == "off-message"):
        if "20% off" in j.sentence.text:
            assert j.story is None


@pytest.mark.slow
def test_json_has_evidence_and_suggestion(judged):
    out = io.StringIO()
    render(judged["plumbline"], "json", out)
    data = json.loads(out.getvalue())
    [drift] = [f for r in data["files"] if r["path"].endswith("drift.txt") for f in r["findings"] if f["rule"] == "drift"]
    assert drift["evidence"]["nearest"]["line"] >= 1 and drift["evidence"]["similarity"] is not None
    assert drift["suggestion"]["kind"] == "story" and drift["suggestion"]["text"]


@pytest.mark.slow
def test_text_prints_one_sentence_once_with_why_and_say_instead(judged):
    out = io.StringIO()
    render(judged["plumbline"], "text", out)
    text = out.getvalue()
    quoted = [line for line in text.splitlines() if line.strip().startswith("If you sign the contract")]
    assert len(quoted) == 1  # however many rules fired on it
    headline = text.splitlines()[text.splitlines().index(quoted[0]) - 1]
    assert "discount-language" in headline and headline.count("discount.txt:1:1:") == 1
    assert "    why: " in text and "    say instead: \u201c" in text
    assert "(confidence " in text
    assert "clean.txt: ok, no findings" in text or "clean.txt: coverage: One crew from survey to switch-on" in text
    assert "coverage: One crew from survey to switch-on" in text  # titles, not ids

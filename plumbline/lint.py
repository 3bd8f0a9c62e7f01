"""`plumbline lint-plumbline`: check a plumb line before it ships, the way marketing would want
a copy editor to, but by meaning.

A plumb line can be valid Markdown and still judge badly: two stories so alike that the judge
cannot tell which one a rep told, an avoid example that reads like a story (so the sentence it
should catch passes as aligned), a story of one sentence that no paraphrase will match, no
brand entry (so "Acme is really an HR suite" looks on-message just by naming Acme). Given
messages, it also lists the stories nobody tells. Findings come out as a Report, so every
output format, `--fail-on` and exit code of `check` apply.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plumbline.judge.rules import Rule
from plumbline.model import FileResult, Finding, PlumbLine, Report

RULES: tuple[Rule, ...] = (
    Rule("entries-too-close", "Two stories (or two avoid entries) the judge cannot reliably tell apart.", "warning",
         bad_example="'Fast onboarding' and 'Live in six weeks', whose sentences the judge attributes to each other.",
         good_example="'Fast onboarding' and 'One price, everything included', about different things.",
         help="Measured with the judge's own attribution on each entry's sentences (each left out of its own "
              "entry). Merge the two, or make each say what only it says."),
    Rule("avoid-reads-as-story", "An avoid example sits closer to a story than to its own entry.", "warning",
         bad_example="Avoid entry 'Overpromising': 'Our crew installs every system in six weeks.'",
         good_example="Avoid entry 'Overpromising': 'I guarantee you will never pay a power bill again.'",
         help="A sentence like it would be judged as telling that story, not as what to avoid. Rewrite the "
              "example so it shows the bad habit, or move it to the story."),
    Rule("story-too-short", "A story too short to match the ways reps paraphrase it.", "warning",
         bad_example="A story whose whole body is 'We are fast.'",
         good_example="A story of a few sentences: the claim, how it works, the proof.",
         help="Each sentence of a story is one way of telling it; with fewer than "
              "three sentences, most paraphrases match nothing and are reported as drift."),
    Rule("brand-missing", "The plumb line has no brand entry.", "warning",
         bad_example="A plumb line without a `kind: brand` entry.",
         good_example="brand.md with `kind: brand` and `names: [Acme, Acme Cloud]`.",
         help="Without it the company's names are not masked, so a sentence looks on-message just by naming the "
              "company."),
    Rule("story-untold", "No message tells this story.", "info",
         bad_example="A 'Proof' story that none of 200 templates tells.",
         good_example="Every story told by at least one message.",
         help="Reported only when messages are given (--messages). Retire the story, or give reps a way to tell it."),
)
RULES_BY_ID = {r.id: r for r in RULES}
MIN_SENTENCES = 3  # story-too-short: fewer sentences than this (title not counted)
# entries-too-close: more than this share of a pair's sentences read as the other entry. Above
# the worst pair of the corpus's 21 plumb lines (bench/evidence_calibration.py): stories 0.38
# (median 0, 95th percentile 0.13); avoid examples are diverse by nature, so avoid pairs cross
# far more (median 0.26, worst 0.65).
CONFUSED_SHARE = {"stories": 0.40, "avoid entries": 0.70}


@dataclass(frozen=True)
class LintSettings:
    severities: dict | None = None

    def severity(self, rule: str) -> str:
        return (self.severities or {}).get(rule, RULES_BY_ID[rule].default_severity)


def lint_plumbline(plumbline: PlumbLine, index, settings: LintSettings = LintSettings(),
                   coverage: dict[str, int] | None = None, messages: int = 0) -> Report:
    """`index` is the judge's PlumbLineIndex of `plumbline`; `coverage`, when messages were
    judged, maps story id -> messages that tell it."""
    from plumbline.judge.evidence import plumbline_sentences

    stories = plumbline_sentences(plumbline, "story")
    avoids = plumbline_sentences(plumbline, "avoid")
    findings = (_too_close(plumbline, index, stories, avoids, settings) + _avoid_as_story(plumbline, index, avoids, settings)
                + _too_short(plumbline, settings) + _untold(plumbline, coverage, messages, settings))
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    files = tuple(FileResult(path=e.path, findings=tuple(sorted(by_path.get(e.path, ()), key=lambda f: f.line)),
                             messages=1) for e in plumbline.stories)
    report_level = tuple(_brand(plumbline, settings))
    return Report(plumbline=plumbline, files=files, findings=report_level, tool="lint-plumbline")


def attribution(rows: np.ndarray, owner: np.ndarray, n_entries: int, whole: np.ndarray | None = None) -> np.ndarray:
    """The entry the judge attributes each exemplar row (titles included) to when that row is
    left out of its own entry: stories as the judge picks a story (best sentence plus whole
    story, `pick_stories`), avoid entries as it picks one (best example, `whole` None)."""
    from plumbline.judge.features import pick_stories

    sims = rows @ rows.T
    np.fill_diagonal(sims, -np.inf)
    per_entry = np.stack([sims[:, owner == k].max(axis=1) for k in range(n_entries)], axis=1)
    matrix = np.where(np.isfinite(per_entry), per_entry, -1.0)
    if whole is not None:
        matrix = matrix + rows @ whole.T
    return pick_stories(matrix, (), 0.0)


def _too_close(plumbline, index, stories, avoids, settings) -> list[Finding]:
    out = []
    for kind, ids, rows, owner, whole, sentences in (
            ("stories", index.story_ids, index.story_rows, index.story_owner, index.story_whole, stories),
            ("avoid entries", index.avoid_ids, index.avoid_rows, index.avoid_owner, None, avoids)):
        if len(ids) >= 2:
            picked = attribution(rows, owner, len(ids), whole)
            out += _confused_pairs(plumbline, kind, ids, owner, picked, sentences, settings)
    return out


def _confused_pairs(plumbline, kind, ids, owner, picked, sentences, settings) -> list[Finding]:
    out = []
    for a in range(len(ids)):
        for b in range(a + 1, len(ids)):
            pair = (owner == a) | (owner == b)
            crossed = int(((owner == a) & (picked == b)).sum() + ((owner == b) & (picked == a)).sum())
            if crossed and crossed > CONFUSED_SHARE[kind] * pair.sum():
                first, second = plumbline.story(ids[a]), plumbline.story(ids[b])
                message = (f"{kind} \u201c{first.title}\u201d and \u201c{second.title}\u201d are too close to tell "
                           f"apart: {crossed} of their {int(pair.sum())} sentences read as the other")
                example = next(sentences[i] for i in range(len(sentences)) if pair[i] and owner[i] != picked[i])
                out.append(Finding("entries-too-close", settings.severity("entries-too-close"), first.path,
                                   first.title_line or 1, 1, message, first.id, text=example.text,
                                   details=(("other", second.id), ("other_path", second.path))))
    return out


def _avoid_as_story(plumbline, index, avoids, settings) -> list[Finding]:
    """Avoid examples closer to a story sentence than to any other sentence of their own entry,
    and as close to it as 9 in 10 sentences that tell a story are (ALIGNED_P10)."""
    from plumbline.judge.evidence import ALIGNED_P10

    if not len(index.avoid_rows) or not len(index.story_rows):
        return []
    own = index.avoid_rows @ index.avoid_rows.T
    np.fill_diagonal(own, -np.inf)
    to_story = index.avoid_rows @ index.story_rows.T
    out = []
    for i, example in enumerate(avoids):
        mates = index.avoid_owner == index.avoid_owner[i]
        own_best = own[i, mates].max() if mates.sum() > 1 else -1.0
        k = int(to_story[i].argmax())
        if example.text == example.title or to_story[i, k] <= max(own_best, ALIGNED_P10):
            continue
        story = plumbline.story(index.story_ids[index.story_owner[k]])
        message = (f"avoid example reads as the story \u201c{story.title}\u201d (similarity {to_story[i, k]:.2f}) "
                   f"more than as its own entry \u201c{example.title}\u201d ({own_best:.2f})")
        out.append(Finding("avoid-reads-as-story", settings.severity("avoid-reads-as-story"), example.path,
                           example.line or 1, 1, message, example.entry, text=example.text))
    return out


def _too_short(plumbline, settings) -> list[Finding]:
    return [Finding("story-too-short", settings.severity("story-too-short"), e.path, e.title_line or 1, 1,
                    f"story \u201c{e.title}\u201d has {len(e.examples)} sentence(s); with fewer than {MIN_SENTENCES}, "
                    f"paraphrases of it read as drift", e.id)
            for e in plumbline.tells if len(e.examples) < MIN_SENTENCES]


def _brand(plumbline, settings) -> list[Finding]:
    if plumbline.brand_names:
        return []
    return [Finding("brand-missing", settings.severity("brand-missing"), plumbline.path, 0, 0,
                    "no `kind: brand` entry: the company's names are not masked, so naming the company "
                    "looks on-message")]


def _untold(plumbline, coverage, messages, settings) -> list[Finding]:
    if coverage is None:
        return []
    return [Finding("story-untold", settings.severity("story-untold"), e.path, e.title_line or 1, 1,
                    f"story \u201c{e.title}\u201d is told in none of {messages} message(s)", e.id)
            for e in plumbline.tells if not coverage.get(e.id)]

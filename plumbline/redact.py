"""Redaction for reports shared outside the team: email addresses, phone numbers and people's
names in quoted text become placeholders, before any renderer sees the Report.

One function, `redact_report`, returns a new Report; every renderer (text, JSON, SARIF,
JUnit, GitHub) then prints only redacted text without knowing about redaction.

What is masked, everywhere a report quotes text (sentences, finding texts and messages,
finding details, speakers, errors, file paths):
* email addresses (and what is left of one, `@acme.com`) → `[email]`;
* phone numbers (7 to 15 digits in groups, optional +country code and (area code); not
  dates, year ranges, times or amounts of money) → `[phone]`;
* people's names → `[name]`: every span spaCy's NER labels PERSON in a judged sentence (NER
  runs here, on the report's sentences: segmentation does not load it), and every speaker's
  name, masked as whole words wherever they occur in the report, as full names and as their
  single words (a first name alone is still a name). Speakers become `[name]`.
Paths are redacted too (a file named after a customer leaks as much as a quote); their other
characters are kept, so a redacted report still points at the right folder and file type.
Not masked: story titles and the plumb line (the company's own words), rule ids, numbers, and
the company's brand names (the `names:` of the plumb line's `kind: brand` entry): NER tags
"Northwind" as a person often enough, but the company's own name is not personal data.
Also masked: the names given as reps (`--rep`), so a file named after its rep
(`email-01-intro-dana.txt`) is masked even when no sentence or speaker names her; names match
file and folder names in any case, since exports write them in lower case.

Redaction is best effort and biased to over-mask: NER misses some names and tags some
non-names, and a name found in one sentence is masked in all. A name that appears nowhere as
a speaker or a PERSON entity (for instance in a file that failed to load) is not masked.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable

from plumbline.model import FileResult, Finding, Report, Sentence

EMAIL = "[email]"
PHONE = "[phone]"
NAME = "[name]"

# Bounded parts (RFC 5321: 64-character local part, 63-character labels) keep it linear: with
# `+`, every start in a long run of word characters would rescan to the `@`.
_EMAIL = re.compile(r"[\w.%+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}|@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
# A phone number: optional +country code, optional (area code), then 2 to 6 digit groups
# joined by single spaces, dots or hyphens; or one run of 7 to 15 digits.
_PHONE = re.compile(
    r"(?<![\w+$€£¥])(?<!\d[.,])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,5}(?:[ .-]\d{1,5}){1,5}(?!\w|[.,]\d)"
    r"|(?<![\w$€£¥])(?<!\d[.,])\+?\d{7,15}(?!\w|[.,]\d)"
)
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}|(?:19|20)\d\d ?- ?(?:19|20)\d\d")
# Words that label a role, not a person: "Rep", "Speaker 2", "Prospect" stay readable.
_ROLES = {"rep", "speaker", "prospect", "customer", "client", "agent", "caller", "host", "guest", "moderator",
          "interviewer", "interviewee", "unknown", "me", "you", "sales", "support", "team", "participant", "user"}
_SPEAKER_LIST = re.compile(r"(transcript with speakers |speakers are )(.+?)(: name the rep with --rep$|$)")


def redact_report(report: Report, names: Iterable[str] = ()) -> Report:
    """A copy of `report` with email addresses, phone numbers and names masked (see module doc);
    `names` adds people known to the caller (the reps)."""
    brands = report.plumbline.brand_names if report.plumbline is not None else ()
    names = _without_brands(_known_names(report) + _name_variants(names), brands)
    redact = _Redactor(names)
    files = tuple(_redact_file(result, redact) for result in report.files)
    findings = tuple(_redact_finding(f, redact) for f in report.findings)
    return replace(report, files=files, findings=findings)


def redact_result(result: FileResult) -> FileResult:
    """One file's result redacted on its own (names from its own sentences and speakers), for
    commands that stream results instead of building a whole Report (the audit)."""
    return redact_report(Report(plumbline=None, files=(result,))).files[0]


def redact_text(text: str, names: Iterable[str] = ()) -> str:
    """`text` with email addresses, phone numbers and the given names masked."""
    return _Redactor(_name_variants(names))(text)


def _known_names(report: Report) -> list[str]:
    from plumbline.segment import person_names

    found: list[str] = person_names(j.sentence.text for result in report.files for j in result.judgements)
    for result in report.files:
        for j in result.judgements:
            found += [text for label, text in j.sentence.entities if label == "PERSON"]
            if j.sentence.speaker:
                found.append(j.sentence.speaker)
        found += [f.speaker for f in result.findings if f.speaker]
    found += [f.speaker for f in report.findings if f.speaker]
    return _name_variants(found)


def _without_brands(names: list[str], brands: Iterable[str]) -> list[str]:
    """The names that are not the company's own: neither a brand name nor one of its words
    (NER may tag "Northwind" out of "Northwind Payroll")."""
    own = {b.casefold() for b in brands} | {w.casefold() for b in brands for w in b.split()}
    if not own:
        return names
    kept = [n for n in names if n.casefold() not in own and not all(w.casefold() in own for w in n.split())]
    return sorted(set(kept), key=lambda n: (-len(n), n))


def _name_variants(names: Iterable[str]) -> list[str]:
    """Each name, and each of its words that could be a name on its own, longest first."""
    variants = set()
    for name in names:
        name = " ".join(_EMAIL.sub(" ", name).split()).strip(" ,.;:'\"()[]")
        if not name or name.casefold() in _ROLES:
            continue
        words = [w.strip(".,;:'\"()[]") for w in name.split()]
        words = [w for w in words if len(w) >= 2 and w[:1].isalpha() and w.casefold() not in _ROLES]
        if words:
            variants.add(name)
            variants.update(words)
    return sorted(variants, key=lambda n: (-len(n), n))


class _Redactor:
    def __init__(self, names: list[str]):
        alternatives = r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)"
        self.names = re.compile(alternatives) if names else None
        # File names: any case ("call-03-dana.txt"), and "_" counts as a separator ("dana_notes").
        self.path_names = re.compile(alternatives.replace(r"\w", r"[^\W_]"), re.IGNORECASE) if names else None

    def __call__(self, text: str | None, names: re.Pattern | None = None) -> str | None:
        for _ in range(3):  # a placeholder can free a neighbour ("5550100(555) 0100"): repeat until stable
            if not text:
                return text
            before = text
            text = _EMAIL.sub(EMAIL, text)
            text = _PHONE.sub(_phone, text)
            pattern = names or self.names
            if pattern is not None:
                text = pattern.sub(NAME, text)
            if text == before:
                break
        return text

    def path(self, path: str) -> str:
        """Each folder and file name redacted on its own, its extension kept (`dana@acme.com.eml`
        is an address and a file type, not the domain `acme.com.eml`)."""
        parts = re.split(r"([/\\])", path)
        for k in range(0, len(parts), 2):
            stem, dot, ext = parts[k].rpartition(".")
            if dot and stem and re.fullmatch(r"[A-Za-z0-9]{1,8}", ext):
                parts[k] = self(stem, self.path_names) + dot + ext
            else:
                parts[k] = self(parts[k], self.path_names)
        return "".join(parts)

    def speaker(self, speaker: str | None) -> str | None:
        if speaker is None or speaker.strip().casefold().rstrip(" 0123456789") in _ROLES:
            return speaker  # "Speaker 2", "Rep": a role, not a name
        return NAME

    def error(self, error: str | None) -> str | None:
        if not error:
            return error
        error = _SPEAKER_LIST.sub(lambda m: m.group(1) + "[names]" + m.group(3), error)
        return self(error)


def _phone(match: re.Match) -> str:
    text = match.group()
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 15 or _DATE.fullmatch(text.strip()) or _DATE.search(text):
        return text
    if re.fullmatch(r"\d{1,3}(?:[ .]\d{3})+", text) and not text.startswith("+"):
        return text  # 1 000 000, 12.500.000: thousands, not a number to call
    return PHONE


def _redact_sentence(s: Sentence, redact: _Redactor) -> Sentence:
    return replace(
        s, path=redact.path(s.path), text=redact(s.text), speaker=redact.speaker(s.speaker),
        masked_text=redact(s.masked_text), entities=tuple((label, redact(text)) for label, text in s.entities),
    )


def _redact_finding(f: Finding, redact: _Redactor) -> Finding:
    """The words a rule fired on (and the summary quoting them) are the rep's text, redacted;
    the plumb-line sentences of evidence and suggestion are marketing's, kept."""
    evidence = f.evidence
    if evidence is not None:
        evidence = replace(evidence, words=tuple(redact(w) for w in evidence.words), summary=redact(evidence.summary))
    return replace(
        f, path=redact.path(f.path), message=redact(f.message), text=redact(f.text), speaker=redact.speaker(f.speaker),
        details=tuple((key, redact(value) if isinstance(value, str) else value) for key, value in f.details),
        evidence=evidence,
    )


def _redact_file(result: FileResult, redact: _Redactor) -> FileResult:
    return replace(
        result, path=redact.path(result.path), error=redact.error(result.error),
        judgements=tuple(replace(j, sentence=_redact_sentence(j.sentence, redact)) for j in result.judgements),
        findings=tuple(_redact_finding(f, redact) for f in result.findings),
    )



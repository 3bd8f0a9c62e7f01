"""Neutralise template merge tags before anything is judged.

Sales emails and call scripts are templates: `Hi {{ first_name }},` or `*|FNAME|*`. Left in,
the tag syntax becomes tokens the embedding model has never seen in a brand story, and a
sentence like "{{#if trial}}Your trial ends soon.{{/if}}" reads as noise. We replace tags
with neutral, grammatical stand-ins, chosen so the sentence embeds as a real merged email
would, without pulling it towards any story:

* name tags (`first_name`, `FNAME`, `contact.firstname`, `%%FirstName%%`) → "Alex";
  last names → "Morgan"; full names → "Alex Morgan"; the sender's own name → "Sam";
* company / account / organisation → "Acme"; job title → "manager"; city / location →
  "Springfield"; dates and days → "Tuesday"; years → "2025";
* any other value tag → its own default when it has one (`{{ x | default: "there" }}`,
  Marketo `{{lead.X:default=there}}`), else "it" — or "thing" right after a determiner or
  possessive, so "your {{ pain_point }}" reads "your thing", not "your it";
* control tags (`{{#if x}}`, `{{else}}`, `{{/if}}`, `{% if %}`, `{%- endif -%}`, Liquid and
  Handlebars comments) are removed: both branches of an if/else are the rep's words.

Hand-written templates use bracketed placeholders (`Hi [First Name],`, `[Company]`, `Thanks,
[Your Name]`) and `%FIRSTNAME%`; spaCy ends a sentence at a lone `[`, so these get stand-ins
too. Any short bracketed text starting with a letter counts (`[First Name]`, `[pain point]`,
`[insert case study]`): in sales writing brackets are placeholders, prose uses parentheses.
Markdown links (`[text](url)`, `[text][ref]`, `[ref]: url`), images, `[x]` and `[1]` are left alone.
Transcript annotations (`[laughs]`, `[inaudible]`, `[crosstalk]`) and `[sic]` are removed: nobody
said them, and a stand-in would put a word in the rep's mouth.

`stand_ins` returns the replacements as edits on the original text; every newline inside a
tag is kept, so the text keeps its line count. The loader keeps the original beside the
replaced text, so findings quote what the user wrote, at its own line and column.
"""
from __future__ import annotations

import re

_CONTROL_OPEN = re.compile(r"\{\{~?\s*(?:[#/^!>~]|else\b)|\{%|\{#")  # {{#if}} {{/if}} {{else}} {{! }} {% %} {# #}
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
MAX_TAG = 2000  # a "tag" longer than this is not one: leave the text alone
_VALUE = re.compile(
    r"\{\{\{\s*(?P<t3>[^{}]{1,80}?)\s*\}\}\}"  # {{{ raw }}}
    r"|\{\{-?\s*(?P<t2>[^{}]{1,120}?)\s*-?\}\}"  # {{ first_name }}  {{ x | default: "y" }}
    r"|\*\|(?P<mc>[A-Za-z0-9_:#-]{1,60})\|\*"  # Mailchimp *|FNAME|*
    r"|%%(?P<pct>[A-Za-z][\w .:=-]{0,60}?)%%"  # Salesforce / ExactTarget %%FirstName%%
    r"|(?<![{\w])\{\s*(?P<t1>[A-Za-z_][\w.-]{0,60})\s*\}(?!\})"  # {first_name}
    r"|(?<![%\w])%(?P<p1>[A-Za-z][A-Za-z0-9_.]{1,40})%(?![%\w])"  # %FIRSTNAME%
    r"|(?<![!\[\]\w])\[(?P<br>[A-Za-z][\w '&/.,-]{1,80}?)\](?![(\[:])"  # [First Name]
)
_ANNOTATION = re.compile(
    r"(?:long |short |brief )?(?:laugh\w*|chuckl\w*|sigh\w*|cough\w*|pause|silence|music|applause|cross ?talk"
    r"|overtalk|overlapping(?: speech| voices)?|inaudible|unintelligible|indiscernible|(?:background )?noise"
    r"|static|no audio|sic)",
    re.IGNORECASE,
)
_DEFAULT = re.compile(r"""(?:\|\s*default\s*:?\s*|:default=)\s*["']?(?P<value>[^"'|}]*)["']?""", re.IGNORECASE)
_DETERMINER = re.compile(r"\b(?:a|an|the|your|our|their|my|his|her|its|this|that|these|those)\s+$", re.IGNORECASE)

# First match wins; tested against the tag name lower-cased with " _-." removed.
_STAND_INS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern), value)
    for pattern, value in (
        (r"^(sender|owner|rep|user|my|your|from|signature|agent).*name|^(sender|owner|rep|user|agent)$", "Sam"),
        (r"fullname|^name$|^(lead|contact|recipient|subscriber|person|prospect)name$", "Alex Morgan"),
        (r"firstname|^fname$|nickname|greetingname|^first$", "Alex"),
        (r"lastname|^lname$|surname|^last$", "Morgan"),
        (r"compan|account|organi[sz]ation|^org|business|employer", "Acme"),
        (r"title$|position|role$", "manager"),
        (r"city|location|region|country|state$", "Springfield"),
        (r"year", "2025"),
        (r"date|day|time", "Tuesday"),
    )
)


def normalise(text: str) -> str:
    """Replace merge tags with neutral stand-ins; the result has the same newlines."""
    return apply(text, stand_ins(text))


Edit = tuple[int, int, str]  # (start, end, replacement) in the original text


def stand_ins(text: str) -> tuple[Edit, ...]:
    """The merge tags and placeholders of `text` as edits, in order and not overlapping."""
    if "{" not in text and "|*" not in text and "%" not in text and "[" not in text:
        return ()
    control = _control_tags(text)
    edits, spans, i = list(control), [(start, end) for start, end, _ in control], 0
    for match in _VALUE.finditer(text):
        while i < len(spans) and spans[i][1] <= match.start():
            i += 1
        if i < len(spans) and spans[i][0] < match.end():
            continue  # part of a control tag: `{{#if x}}` also reads as a value tag
        edits.append((match.start(), match.end(), _stand_in(match)))
    return tuple(sorted(edits))


def apply(text: str, edits: tuple[Edit, ...]) -> str:
    out, pos = [], 0
    for start, end, replacement in edits:
        out += [text[pos:start], replacement]
        pos = end
    return "".join(out) + text[pos:]


def _control_tags(text: str) -> list[Edit]:
    """Control tags to drop, keeping their newlines, in one pass (hostile input cannot make it quadratic)."""
    edits, search = [], 0
    next_close: dict[str, int] = {}
    while match := _CONTROL_OPEN.search(text, search):
        start, closer = match.start(), _CLOSERS[text[match.start() : match.start() + 2]]
        if next_close.get(closer, -2) < match.end() and next_close.get(closer) != -1:
            next_close[closer] = text.find(closer, match.end())
        end = next_close[closer]
        if end < 0 or end - match.end() > MAX_TAG:
            search = match.end()
            continue
        end += 2
        edits.append((start, end, _join_gap(text, start, end) + "\n" * text.count("\n", start, end)))
        search = end
    return edits


def _join_gap(text: str, start: int, end: int) -> str:
    """A removed control tag between two words must not glue them together."""
    before, after = text[start - 1 : start], text[end : end + 1]
    return " " if before and after and not before.isspace() and not after.isspace() else ""


def _stand_in(match: re.Match) -> str:
    raw = next(group for group in match.groups() if group is not None)
    newlines = "\n" * match.group().count("\n")  # `{\nfirst_name}`: the newline is outside the name
    if match.group("br") is not None and _ANNOTATION.fullmatch(raw.strip()):
        return _join_gap(match.string, match.start(), match.end()) + newlines
    return _value_for(raw, match) + newlines


def _value_for(raw: str, match: re.Match) -> str:
    default = _DEFAULT.search(raw)
    name = re.split(r"\||:\s*default", raw, maxsplit=1)[0]
    key = re.sub(r"[\s_.-]+", "", name.casefold())
    for pattern, value in _STAND_INS:
        if pattern.search(key):
            return value
    if default and default.group("value").strip():
        return default.group("value").strip()
    return _filler(match)


def _filler(match: re.Match) -> str:
    """'it' reads as a neutral object; after 'your'/'the' a noun is needed, so 'thing'."""
    before = match.string[max(0, match.start() - 12) : match.start()]
    return "thing" if _DETERMINER.search(before) else "it"

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

Every newline inside a tag is kept, so the text keeps its line count and every line its
source line. Columns after a tag on the same line shift by the tag's length change; findings
point at lines, and a sentence's column is exact whenever no tag precedes it on its line.
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
)
_DEFAULT = re.compile(r"""(?:\|\s*default\s*:?\s*|:default=)\s*["']?(?P<value>[^"'|}]*)["']?""", re.IGNORECASE)
_DETERMINER = re.compile(r"\b(?:a|an|the|your|our|their|my|his|her|its|this|that|these|those)\s+$", re.IGNORECASE)

# First match wins; tested against the tag name lower-cased with " _-." removed.
_STAND_INS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern), value)
    for pattern, value in (
        (r"^(sender|owner|rep|user|my|from|signature|agent).*name|^(sender|owner|rep|user|agent)$", "Sam"),
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
    if "{" not in text and "|*" not in text and "%%" not in text:
        return text
    return _VALUE.sub(_stand_in, _remove_control_tags(text))


def _remove_control_tags(text: str) -> str:
    """Drop control tags, keeping their newlines, in one pass (hostile input cannot make it quadratic)."""
    out, pos, search = [], 0, 0
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
        out += [text[pos:start], _join_gap(text, start, end), "\n" * text.count("\n", start, end)]
        pos = search = end
    return "".join(out) + text[pos:]


def _join_gap(text: str, start: int, end: int) -> str:
    """A removed control tag between two words must not glue them together."""
    before, after = text[start - 1 : start], text[end : end + 1]
    return " " if before and after and not before.isspace() and not after.isspace() else ""


def _stand_in(match: re.Match) -> str:
    raw = next(group for group in match.groups() if group is not None)
    newlines = "\n" * raw.count("\n")
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

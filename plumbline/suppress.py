"""Find `plumbline: ignore` comments in the raw source text, before the loaders strip comments.

Written in a comment on the flagged line or the line above it:

    <!-- plumbline: ignore -->                      HTML / Markdown comment
    [//]: # (plumbline: ignore[drift])              Markdown link-reference comment
    {# plumbline: ignore[drift,off-message] #}      Jinja / Nunjucks / Twig comment
    {% comment %} plumbline: ignore {% endcomment %} Liquid / Django comment
    {{! plumbline: ignore }}                        Handlebars / Mustache comment
    # plumbline: ignore          // plumbline: ignore   line comments in plain text

`plumbline: ignore-file` anywhere in a comment suppresses the whole file. This module only
finds the directives; `plumbline.decide` checks their rule ids and marks findings suppressed.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from plumbline.model import Message, Suppression

COMMENT = re.compile(
    r"<!--.*?-->"
    r"|\{#.*?#\}"
    r"|\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}"
    r"|\{\{!--.*?--\}\}|\{\{!.*?\}\}"
    r"|^[ \t]*\[[^\]\n]*\]:[ \t]*(?:#|<>)[^\n]*"
    r"|(?:^|(?<=[ \t]))(?:#|//)[^\n]*",
    re.DOTALL | re.MULTILINE,
)
DIRECTIVE = re.compile(r"plumbline:\s*(ignore-file|ignore)\b(?:\[([^\]\n]*)\])?", re.IGNORECASE)


def scan(text: str) -> tuple[Suppression, ...]:
    """Every directive in the comments of `text`, with 1-based line numbers (linear time)."""
    if "plumbline" not in text.lower():
        return ()
    found = []
    counted, lines = 0, 1  # newlines before offset `counted`

    def line_at(offset: int) -> int:
        nonlocal counted, lines
        lines += text.count("\n", counted, offset)
        counted = offset
        return lines

    for start, end in comments(text):
        body = text[start:end]
        if "plumbline" not in body.lower():
            continue
        directives = [(line_at(start + d.start()), d) for d in DIRECTIVE.finditer(body)]
        through = line_at(end)
        for line, directive in directives:
            rules = () if directive.group(2) is None else tuple(r.strip() for r in directive.group(2).split(","))
            found.append(Suppression(line=line, rules=rules, through=through,
                                     whole_file=directive.group(1).lower() == "ignore-file"))
    return tuple(found)


# COMMENT's alternatives, in its order: block comments as (opener, closer), then the two line forms.
_BLOCKS = (
    (re.compile(r"<!--"), re.compile(r"-->")),
    (re.compile(r"\{#"), re.compile(r"#\}")),
    (re.compile(r"\{%-?\s*comment\s*-?%\}"), re.compile(r"\{%-?\s*endcomment\s*-?%\}")),
    (re.compile(r"\{\{!--"), re.compile(r"--\}\}")),
    (re.compile(r"\{\{!"), re.compile(r"\}\}")),
)
_LINK_COMMENT = re.compile(r"^[ \t]*\[[^\]\n]*\]:[ \t]*(?:#|<>)[^\n]*", re.MULTILINE)
_LINE_COMMENT = re.compile(r"(?:^|(?<=[ \t]))(?:#|//)", re.MULTILINE)
_NEWLINE = re.compile(r"\n")


class _Next:
    """The first match at or after a position, searched again only once the position passes it.

    Positions only grow, so every character is searched a bounded number of times."""

    def __init__(self, pattern, text):
        self.pattern, self.text, self.match, self.searched = pattern, text, None, -1

    def at(self, pos: int):
        if not (0 <= self.searched <= pos and (self.match is None or self.match.start() >= pos)):
            self.match, self.searched = self.pattern.search(self.text, pos), pos
        return self.match


def comments(text: str):
    """(start, end) of each match of COMMENT, exactly as `COMMENT.finditer` gives them, in time
    linear in the text: a lazy `<!--.*?-->` rescans to the end for each opener that never closes."""
    blocks = [(_Next(opener, text), _Next(closer, text)) for opener, closer in _BLOCKS]
    link, line, newline = _Next(_LINK_COMMENT, text), _Next(_LINE_COMMENT, text), _Next(_NEWLINE, text)
    dead = [False] * len(blocks)
    pos = 0
    while pos < len(text):
        best = None
        for k, (opener, closer) in enumerate(blocks):
            if dead[k]:
                continue
            start = opener.at(pos)
            close = start and closer.at(start.end())
            if start is None or close is None:
                dead[k] = True  # no closer after this opener: none after any later opener either
                continue
            if best is None or start.start() < best[0]:
                best = (start.start(), close.end())
        match = link.at(pos)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), match.end())
        match = line.at(pos)
        if match and (best is None or match.start() < best[0]):
            end = newline.at(match.end())
            best = (match.start(), end.start() if end else len(text))
        if best is None:
            return
        yield best
        pos = best[1]


def with_suppressions(messages: Sequence[Message], text: str | None) -> list[Message]:
    """Attach the directives of the source text to each message read from it."""
    found = scan(text) if text else ()
    if not found:
        return list(messages)
    return [replace(m, suppressions=found) for m in messages]

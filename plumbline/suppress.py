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
    """Every directive in the comments of `text`, with 1-based line numbers."""
    if "plumbline" not in text.lower():
        return ()
    found = []
    for comment in COMMENT.finditer(text):
        body = comment.group(0)
        if "plumbline" not in body.lower():
            continue
        through = text.count("\n", 0, comment.end()) + 1
        for directive in DIRECTIVE.finditer(body):
            line = text.count("\n", 0, comment.start() + directive.start()) + 1
            rules = () if directive.group(2) is None else tuple(r.strip() for r in directive.group(2).split(","))
            found.append(Suppression(line=line, rules=rules, through=through,
                                     whole_file=directive.group(1).lower() == "ignore-file"))
    return tuple(found)


def with_suppressions(messages: Sequence[Message], text: str | None) -> list[Message]:
    """Attach the directives of the source text to each message read from it."""
    found = scan(text) if text else ()
    if not found:
        return list(messages)
    return [replace(m, suppressions=found) for m in messages]

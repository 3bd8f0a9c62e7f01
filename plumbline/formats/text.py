"""Plain text and Markdown: the whole file is one message by one rep.

Markdown markup that is not prose (front matter, code fences, HTML comments, headings, list
markers) is blanked out in place so line numbers stay those of the source file. Headings are
blanked whole: in a call script "## Handling pushback" is a section title, not something a
rep says.
"""
from __future__ import annotations

import re

from plumbline.model import Block, Message

EXTENSIONS = {".txt", ".md", ".markdown", ".text"}
GENERIC = True  # content sniffing (transcript, email) wins over these extensions
MERGE_TAGS = True  # templates and call scripts: {{ first_name }} becomes a neutral word

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_MD_PREFIX = re.compile(r"^(\s{0,3}(#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s?))+")
# Bold markers "**" and "__", but not a longer run: "___" in a call script is a blank to fill in.
_EMPHASIS = re.compile(r"(?<![*_])(?:\*\*|__)(?![*_])")


def sniff(head: str) -> bool:
    return False  # the fallback format; never claims a file by content


def strip_markdown(text: str) -> str:
    """Blank out non-prose Markdown, keeping every newline so line numbers survive."""
    text = blank_comments(text)
    lines = text.split("\n")
    out, in_fence = [], False
    if lines and lines[0].strip() == "---":  # YAML front matter
        for end in range(1, len(lines)):
            if lines[end].strip() == "---":
                lines = [""] * (end + 1) + lines[end + 1 :]
                break
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            out.append("")
            continue
        if in_fence:
            out.append("")
            continue
        if _MD_HEADING.match(line):
            out.append("")
            continue
        match = _MD_PREFIX.match(line)
        if match:
            line = " " * len(match.group()) + line[match.end() :]
        out.append(_EMPHASIS.sub(lambda m: " " * len(m.group()), line))
    return "\n".join(out)


def blank_comments(text: str) -> str:
    """Blank out `<!-- … -->` comments, keeping newlines, in one pass.

    Once an opening `<!--` has no `-->` after it, no later one can have either, so the scan
    stops there; a lazy `<!--.*?-->` regex would rescan to the end for every such opener."""
    out, pos = [], 0
    while (start := text.find("<!--", pos)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        end += 3
        out += [text[pos:start], re.sub(r"[^\n]", " ", text[start:end])]
        pos = end
    return "".join(out) + text[pos:] if out else text


def load(source, options) -> list[Message]:
    text = source.text
    if source.suffix in {".md", ".markdown"}:
        text = strip_markdown(text)
    if not text.strip():
        return []
    return [Message(path=source.path, blocks=(Block(text=text, line=1),), kind="text")]

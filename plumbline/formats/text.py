"""Plain text and Markdown: the whole file is one message by one rep.

Markdown markup that is not prose (front matter, code fences, HTML comments, heading and
list markers) is blanked out in place so line numbers stay those of the source file.
"""
from __future__ import annotations

import re

from plumbline.model import Block, Message

EXTENSIONS = {".txt", ".md", ".markdown", ".text"}
GENERIC = True  # content sniffing (transcript, email) wins over these extensions
MERGE_TAGS = True  # templates and call scripts: {{ first_name }} becomes a neutral word

_MD_PREFIX = re.compile(r"^(\s{0,3}(#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s?))+")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def sniff(head: str) -> bool:
    return False  # the fallback format; never claims a file by content


def strip_markdown(text: str) -> str:
    """Blank out non-prose Markdown, keeping every newline so line numbers survive."""
    text = _HTML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
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
        match = _MD_PREFIX.match(line)
        if match:
            line = " " * len(match.group()) + line[match.end() :]
        out.append(line.replace("**", "  ").replace("__", "  "))
    return "\n".join(out)


def load(source, options) -> list[Message]:
    text = source.text
    if source.suffix in {".md", ".markdown"}:
        text = strip_markdown(text)
    if not text.strip():
        return []
    return [Message(path=source.path, blocks=(Block(text=text, line=1),), kind="text")]

"""HTML emails and pages: only the text a reader sees, each line at its source line.

Why the standard library's `html.parser.HTMLParser` and not BeautifulSoup or selectolax:
findings must point at the source line of each sentence. HTMLParser reports the line and
column of every text run (after decoding entities); BeautifulSoup records `sourceline` on
tags only, not on the strings inside them (and uses this same tokenizer underneath), and
selectolax/lexbor exposes no source positions at all. The tokenizer is forgiving like a
browser's (unclosed tags, stray end tags, junk are all accepted) and needs no dependency;
we keep a small stack of open elements to know what is hidden.

Dropped: `<head>`, `<style>`, `<script>`, `<template>`, `<noscript>`, comments (including
Outlook conditional comments), and elements hidden by an inline style (`display:none`,
`visibility:hidden`, `mso-hide:all`, `opacity:0`, `font-size:0`, `max-height:0` with
`overflow:hidden`), by the `hidden` attribute, by a class that a `<style>` block hides
outside `@media` queries, or marked `aria-hidden="true"` with a preheader/preview class.
Every block-level element and `<br>` starts a new Block, so a heading or a greeting never
runs into the next paragraph. Text inside `<blockquote type="cite">` or a `gmail_quote`
element is a quoted reply. An .html file is almost always a saved or templated email, so its
lines go through the same reply rules as an email body (reply.py): quotes, forwarded
history, sign-off blocks and list footers are kept with judged=False.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from plumbline.model import Block, Message

EXTENSIONS = {".html", ".htm", ".xhtml"}
MERGE_TAGS = True  # templates: neutralise {{ first_name }} and friends before judging

_SNIFF = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)
_SKIPPED = {"head", "style", "script", "template", "noscript", "title", "svg", "math", "object", "iframe", "xml"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "html",
}
_SELF_CLOSING = {"p", "li", "td", "th", "tr", "dt", "dd", "option"}  # a second <p> closes the first
_CONTAINERS = {"table", "tbody", "thead", "ul", "ol", "dl", "div", "blockquote", "body", "html"}
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all|(?<![\w-])opacity\s*:\s*0(?:\.0*)?\s*(?:[;!]|$)"
    r"|(?<![\w-])font-size\s*:\s*0(?:px|pt|em|rem)?\s*(?:[;!]|$)",
    re.IGNORECASE,
)
_ZERO_HEIGHT = re.compile(r"max-height\s*:\s*0(?:px)?\s*(?:[;!]|$)", re.IGNORECASE)
_OVERFLOW_HIDDEN = re.compile(r"overflow\s*:\s*hidden", re.IGNORECASE)
MAX_TAG_LENGTH = 1000  # a `<` whose `>` is further than this, past another `<`, is text
_INVISIBLE_CHARS = re.compile("[\u00ad\u034f\u200b-\u200d\u2060\ufeff]")
_QUOTE_CLASSES = re.compile(r"gmail_quote|moz-cite|yahoo_quoted|protonmail_quote|divRplyFwdMsg", re.IGNORECASE)


@dataclass(frozen=True)
class VisibleLine:
    """The visible text of one block on one source line."""

    text: str
    line: int
    column: int
    block: int
    quoted: bool = False


def sniff(head: str) -> bool:
    return bool(_SNIFF.match(head))


def load(source, options) -> list[Message]:
    from plumbline.formats import reply

    lines = visible_lines(source.text)
    blocks = tuple(blocks_from_lines(lines, [v == reply.BODY for v in reply.classify(lines)]))
    return [Message(path=source.path, blocks=blocks, kind="html")] if blocks else []


def visible_lines(html: str) -> list[VisibleLine]:
    parser = _VisibleText()
    parser.feed(defuse(html))
    parser.close()
    return parser.result()


def defuse(html: str) -> str:
    """Neutralise the broken markup that makes HTMLParser quadratic, keeping every line in place.

    A `<` that no `>` follows, or that another `<` follows before a far `>`, cannot open a
    tag; the parser would rescan to the end of the file for each one, so it becomes `&lt;`
    (text, as a browser shows it). An unterminated `<!--` hides the rest of the file in a
    browser; the rest is cut, keeping its newlines.
    """
    comment = html.find("<!--")
    while comment >= 0:
        close = html.find("-->", comment + 4)
        if close < 0:
            html = html[:comment] + "\n" * html.count("\n", comment)
            break
        comment = html.find("<!--", close + 3)
    opens = [m.start() for m in re.finditer("<", html)]
    if not opens:
        return html
    out, pos, gt = [], 0, -1
    for k, at in enumerate(opens):
        if gt < at:
            gt = html.find(">", at)
            if gt < 0:
                gt = len(html)  # no `>` is left: never search again (that would be quadratic)
        following = opens[k + 1] if k + 1 < len(opens) else len(html)
        if gt == len(html) or (following < gt and gt - at > MAX_TAG_LENGTH):
            out += [html[pos:at], "&lt;"]
            pos = at + 1
    return "".join(out) + html[pos:]


def blocks_from_lines(lines: list[VisibleLine], judged: list[bool], speaker: str | None = None) -> list[Block]:
    """One Block per run of lines sharing a block id and a verdict, each line keeping its source line."""
    blocks: list[Block] = []
    start = 0
    for end in range(1, len(lines) + 1):
        if end < len(lines) and lines[end].block == lines[start].block and judged[end] == judged[start]:
            continue
        run = lines[start:end]
        blocks.append(Block(
            text="\n".join(line.text for line in run), line=run[0].line, column=run[0].column,
            speaker=speaker, judged=judged[start], line_offsets=tuple(line.line for line in run),
            line_columns=tuple(line.column for line in run),
        ))
        start = end
    return blocks


def hidden_classes(css: str) -> set[str]:
    """Classes a stylesheet hides for every reader (rules inside @media are responsive, not hidden)."""
    found: set[str] = set()
    for selectors, body in _top_level_rules(_without_comments(css)):
        if selectors.lstrip().startswith("@") or not _hides(body):
            continue
        for selector in selectors.split(","):
            match = re.fullmatch(r"\s*(?:\w+)?\.([\w-]+)\s*", selector)
            if match:
                found.add(match.group(1))
    return found


def _without_comments(css: str) -> str:
    out, pos = [], 0
    while (start := css.find("/*", pos)) >= 0:
        out.append(css[pos:start])
        end = css.find("*/", start + 2)
        pos = len(css) if end < 0 else end + 2
    return "".join(out) + css[pos:]


def _top_level_rules(css: str):
    """(prelude, body) of each rule at nesting depth 0, found in one pass over the braces."""
    depth, prelude_start, body_start = 0, 0, 0
    for brace in re.finditer(r"[{}]", css):
        if brace.group() == "{":
            if depth == 0:
                body_start = brace.end()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                yield css[prelude_start : body_start - 1], css[body_start : brace.start()]
                prelude_start = brace.end()


def _hides(style: str) -> bool:
    return bool(_HIDING_STYLE.search(style) or (_ZERO_HEIGHT.search(style) and _OVERFLOW_HIDDEN.search(style)))


class _VisibleText(HTMLParser):
    """Collects visible text runs with their positions, tracking hidden and quoted ancestors."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, hidden, quoted)
        self.open_at: dict[str, list[int]] = {}  # tag -> its indices in the stack, so closing never scans it
        self.block = 0
        self.css: list[str] = []
        self.css_read = 0  # css pieces already read into hidden_classes
        self.hidden_classes: set[str] = set()
        self.pieces: dict[tuple[int, int], list] = {}  # (block, line) -> [column, quoted, text]

    @property
    def hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK:
            self.block += 1
        if tag in _VOID:
            return
        if tag in _SELF_CLOSING:
            self._close_open(tag)
        attributes = {name: (value or "") for name, value in attrs}
        hidden = self.hidden or tag in _SKIPPED or self._hidden_by(attributes)
        quoted = (bool(self.stack) and self.stack[-1][2]) or self._quotes(tag, attributes)
        self.open_at.setdefault(tag, []).append(len(self.stack))
        self.stack.append((tag, hidden, quoted))

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK:
            self.block += 1

    def handle_endtag(self, tag):
        if tag in _BLOCK:
            self.block += 1
        if self.open_at.get(tag):
            self._truncate(self.open_at[tag][-1])
        if tag == "style":  # each stylesheet is read once, when it closes
            self.hidden_classes |= hidden_classes("\n".join(self.css[self.css_read:]))
            self.css_read = len(self.css)

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "style":
            self.css.append(data)
        if self.hidden:
            return
        line, offset = self.getpos()
        quoted = bool(self.stack) and self.stack[-1][2]
        for number, part in enumerate(_INVISIBLE_CHARS.sub("", data).split("\n")):
            column = offset + 1 if number == 0 else 1
            entry = self.pieces.setdefault((self.block, line + number), [None, quoted, ""])
            if entry[0] is None and part.strip():
                entry[0] = column + len(part) - len(part.lstrip())
            entry[2] += part

    def _close_open(self, tag):
        """Close the open `tag` unless a container (table, list, div …) opened after it."""
        if not self.open_at.get(tag):
            return
        depth = self.open_at[tag][-1]
        container = max((self.open_at[c][-1] for c in _CONTAINERS if self.open_at.get(c)), default=-1)
        if depth > container:
            self._truncate(depth)

    def _truncate(self, depth: int) -> None:
        """Pop the stack down to `depth`; each element is popped once, so this is linear overall."""
        for tag, _, _ in self.stack[depth:]:
            self.open_at[tag].pop()
        del self.stack[depth:]

    def _hidden_by(self, attributes: dict[str, str]) -> bool:
        if "hidden" in attributes or _hides(attributes.get("style", "")):
            return True
        classes = set(attributes.get("class", "").split())
        if classes & self.hidden_classes:
            return True
        preheader = any("preheader" in c.lower() or "preview" in c.lower() for c in classes)
        return attributes.get("aria-hidden", "").lower() == "true" and preheader

    @staticmethod
    def _quotes(tag: str, attributes: dict[str, str]) -> bool:
        if tag == "blockquote" and attributes.get("type", "").lower() == "cite":
            return True
        return bool(_QUOTE_CLASSES.search(attributes.get("class", "") + " " + attributes.get("id", "")))

    def result(self) -> list[VisibleLine]:
        lines = []
        for (block, line), (column, quoted, text) in sorted(self.pieces.items()):
            text = " ".join(text.split())
            if text:
                lines.append(VisibleLine(text=text, line=line, column=column, block=block, quoted=quoted))
        return lines

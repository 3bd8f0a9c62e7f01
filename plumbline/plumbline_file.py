"""The plumb-line format: a directory of Markdown files, one story per file, that marketers
edit without code. Parsing is strict so a typo fails loudly instead of silently weakening
every judgement.

    ---
    id: total-cost
    title: Total cost of ownership, not sticker price
    kind: story          # story | avoid | brand
    ---
    Prose, the way marketing tells it.   (avoid entries: description + "- example" bullets)
"""
from __future__ import annotations

import os
import re

from plumbline.model import PlumbLine, PlumbLineError, Story

KINDS = ("story", "avoid", "brand")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_KNOWN_KEYS = {"id", "title", "kind", "names"}
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def load_plumbline(path: str) -> PlumbLine:
    """Read and validate a plumb-line directory (or a single Markdown file)."""
    if os.path.isdir(path):
        files = sorted(
            os.path.join(path, name)
            for name in os.listdir(path)
            if name.lower().endswith((".md", ".markdown")) and not name.startswith((".", "_")) and name.lower() != "readme.md"
        )
    elif os.path.isfile(path):
        files = [path]
    else:
        raise PlumbLineError(f"{path}: plumb line not found (expected a directory of Markdown files)")
    if not files:
        raise PlumbLineError(f"{path}: plumb line has no Markdown (.md) files")
    entries, brand_names, seen = [], [], {}
    for file in files:
        meta, body, body_line = _read_entry(file)
        if meta["kind"] == "brand":
            brand_names.extend(meta["names"])
            continue
        if meta["id"] in seen:
            raise PlumbLineError(f"{file}: duplicate id '{meta['id']}' (also in {seen[meta['id']]})")
        seen[meta["id"]] = file
        located = examples_with_lines(body, body_line)
        entries.append(
            Story(id=meta["id"], title=meta["title"], kind=meta["kind"], body=body, path=file,
                  examples=tuple(text for text, _ in located), title_line=meta["title_line"],
                  example_lines=tuple(line for _, line in located))
        )
    if not any(e.kind == "story" for e in entries):
        raise PlumbLineError(f"{path}: plumb line has no `kind: story` entry")
    return PlumbLine(path=path, stories=tuple(entries), brand_names=tuple(dict.fromkeys(brand_names)))


def _read_entry(file: str) -> tuple[dict, str, int]:
    """The validated front matter (with `title_line`), the body, and the file line the body
    starts at (findings point marketers at the plumb-line sentence they are nearest)."""
    import yaml

    try:
        with open(file, "rb") as fh:
            raw = fh.read(1_000_001)
        if len(raw) > 1_000_000:
            raise PlumbLineError(f"{file}: plumb-line entry is over 1 MB")
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise PlumbLineError(f"{file}: not valid UTF-8") from None
    except OSError as exc:
        raise PlumbLineError(f"{file}: cannot read: {exc.strerror or exc}") from None
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise PlumbLineError(f"{file}: missing front matter (the file must start with a '---' line)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise PlumbLineError(f"{file}: front matter is not closed (no second '---' line)") from None
    front = lines[1:end]
    try:
        meta = yaml.safe_load("\n".join(front)) or {}
    except (RecursionError, ValueError):  # nested thousands deep; an integer of 5,000 digits
        raise PlumbLineError(f"{file}: front matter is not 'key: value' lines (nested too deeply or too large)") from None
    except yaml.YAMLError as exc:
        meta = _plain_front_matter(front)  # marketers write "title: Proof: 3,000 homes"
        if meta is None:
            where = getattr(exc, "problem_mark", None)
            detail = f" at line {where.line + 2}" if where else ""
            raise PlumbLineError(f"{file}: front matter is not valid YAML{detail}") from None
    if not isinstance(meta, dict):
        raise PlumbLineError(f"{file}: front matter must be 'key: value' lines")
    rest = lines[end + 1 :]
    body = "\n".join(rest).strip()
    leading = next((i for i, line in enumerate(rest) if line.strip()), 0)
    checked = _validate(file, meta, body)
    checked["title_line"] = next((i + 2 for i, line in enumerate(front) if line.startswith("title:")), 0)
    return checked, body, end + 2 + leading


def _plain_front_matter(lines: list[str]) -> dict | None:
    """Read `key: value` lines whose values contain colons (invalid YAML, obvious intent).
    Values stay strings; a `#` after whitespace starts a comment, as in YAML."""
    import yaml

    meta = {}
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z_]+", key.strip()) or line[:1].isspace():
            return None
        value = re.split(r"\s#", value, maxsplit=1)[0].strip()
        if value.startswith("["):
            try:
                meta[key.strip()] = yaml.safe_load(value)
            except (yaml.YAMLError, RecursionError, ValueError):
                return None
        else:
            meta[key.strip()] = value.strip("'\"")
    return meta


def _validate(file: str, meta: dict, body: str) -> dict:
    unknown = sorted(set(map(str, meta)) - _KNOWN_KEYS)
    if unknown:
        raise PlumbLineError(f"{file}: unknown front-matter key '{unknown[0]}' (allowed: {', '.join(sorted(_KNOWN_KEYS))})")
    kind = meta.get("kind")
    if kind not in KINDS:
        raise PlumbLineError(f"{file}: kind must be one of {', '.join(KINDS)}, not {_shown(kind)}")
    if kind == "brand":
        names = meta.get("names")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise PlumbLineError(f"{file}: a brand entry needs 'names: [Name, Other Name]'")
        return {"kind": kind, "names": [n.strip() for n in names]}
    story_id = meta.get("id")
    if not isinstance(story_id, str) or not _ID.match(story_id):
        raise PlumbLineError(f"{file}: id must be lowercase letters, digits, '-' or '_' (got {_shown(story_id)})")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PlumbLineError(f"{file}: missing title")
    if not body:
        raise PlumbLineError(f"{file}: body is empty (write the story, or the examples to avoid)")
    return {"id": story_id, "title": title.strip(), "kind": kind}


def _shown(value) -> str:
    """A value for an error message, short whatever it is (YAML aliases can nest a list a
    billion items deep in a few lines: a plain repr would never finish)."""
    import reprlib

    shown = reprlib.Repr()
    shown.maxlevel, shown.maxstring, shown.maxother = 2, 60, 60
    return shown.repr(value)


def split_examples(body: str) -> list[str]:
    """Sentences of a body: each bullet item is one example; prose is split at sentence ends."""
    return [text for text, _ in examples_with_lines(body)]


def examples_with_lines(body: str, first_line: int = 1) -> list[tuple[str, int]]:
    """`split_examples`, each with the line it starts at (`first_line` is the body's first)."""
    examples: list[tuple[str, int]] = []
    paragraph: list[tuple[str, int]] = []

    def flush():
        if paragraph:
            examples.extend(_sentences(paragraph))
            paragraph.clear()

    for number, line in enumerate(body.split("\n"), start=first_line):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            flush()
        elif _BULLET.match(line):
            flush()
            examples.append((_BULLET.sub("", line).strip().strip('"“”'), number))
        else:
            paragraph.append((stripped, number))
    flush()
    return [(text, line) for text, line in examples if len(text.split()) >= 2]


def _sentences(paragraph: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Split a paragraph (its lines, joined by spaces) at sentence ends; each sentence keeps
    the line its first character is on."""
    text, starts = "", []
    for stripped, number in paragraph:
        if text:
            text += " "
        starts.append((len(text), number))
        text += stripped
    out = []
    for match in re.finditer(r"\S.*?(?:[.!?](?=\s+[\"“A-Z0-9])|$)", text):
        line = max(number for offset, number in starts if offset <= match.start())
        out.append((match.group().strip(), line))
    return [(s, line) for s, line in out if s]

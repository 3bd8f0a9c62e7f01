"""Fuzzing the plumb-line parser: whatever a Markdown story holds, `load_plumbline` returns a
PlumbLine or raises one PlumbLineError of one line (exit code 2), in bounded time.

Found and fixed by these tests: YAML nested thousands deep (RecursionError escaped), an
integer of 5,000 digits (ValueError escaped), and YAML aliases that made the value in an
error message a billion items long (the repr never finished).
"""
from __future__ import annotations

import glob
import os
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_support import FUZZ, LINE_BREAK, SECONDS_PER_FILE, SECONDS_PER_MEGABYTE
from plumbline.model import PlumbLine, PlumbLineError
from plumbline.plumbline_file import load_plumbline

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENTRIES = sorted(glob.glob(os.path.join(REPO, "corpus", "companies", "*", "plumbline", "*.md"))
                 + glob.glob(os.path.join(REPO, "tests", "data", "ci", "plumbline", "*.md")))


def loads_or_refuses(directory, seconds: float = SECONDS_PER_FILE):
    start = time.perf_counter()
    try:
        outcome = load_plumbline(str(directory))
        assert isinstance(outcome, PlumbLine) and outcome.tells
    except PlumbLineError as exc:
        outcome = str(exc)
        assert outcome and not LINE_BREAK.search(outcome), repr(outcome)
    elapsed = time.perf_counter() - start
    assert elapsed < seconds, f"{elapsed:.1f}s"
    return outcome


def entry_dir(tmp_path_factory, *texts: bytes):
    directory = tmp_path_factory.mktemp("plumbline")
    for k, text in enumerate(texts):
        (directory / f"entry{k}.md").write_bytes(text)
    return directory


STORY = b"---\nid: total-cost\ntitle: Total cost\nkind: story\n---\nWe lower the total cost of running a fleet.\n"
YAML_TOKENS = st.sampled_from([
    "id: ", "title: ", "kind: ", "names: ", "story", "avoid", "brand", "x-y", "Total cost", "\n", " ", "  ", "\t", ":",
    "[", "]", "{", "}", ",", "&a ", "*a", "!!python/object:os.system ", "!!binary ", "? ", "- ", "#", "'", '"', "|",
    ">", "---", "...", "%YAML 1.1\n", "<<: ", "9" * 60, "0x1F", "2020-01-01", "~", "null", "\x00", "\ufeff", "é", "\r",
])
BODY_TOKENS = st.sampled_from(["We lower cost. ", "- example one\n", "1) numbered\n", "# heading\n", "\n", "\"quoted\" ",
                               "A. ", "   ", "---\n", "\x1b[31m", "{{ x }}"])


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes(tmp_path_factory, data):
    loads_or_refuses(entry_dir(tmp_path_factory, STORY, data))


@FUZZ
@given(front=st.lists(YAML_TOKENS, max_size=60), body=st.lists(BODY_TOKENS, max_size=20),
       close=st.sampled_from(["---\n", "--- \n", "", "----\n"]))
def test_generated_front_matter(tmp_path_factory, front, body, close):
    text = "---\n" + "".join(front) + "\n" + close + "".join(body)
    loads_or_refuses(entry_dir(tmp_path_factory, STORY, text.encode("utf-8", "surrogatepass")))


@FUZZ
@given(entry=st.sampled_from(ENTRIES), data=st.data())
def test_mutated_entries(tmp_path_factory, entry, data):
    raw = open(entry, "rb").read()
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw)))
        kind = data.draw(st.sampled_from(["truncate", "insert", "delete", "repeat", "encode"]))
        if kind == "truncate":
            raw = raw[:at]
        elif kind == "insert":
            raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=40)) + raw[at:]
        elif kind == "delete":
            raw = raw[:at] + raw[at + data.draw(st.integers(1, 50)):]
        elif kind == "repeat":
            raw = raw[:at] + raw[at:at + 50] * data.draw(st.integers(2, 500)) + raw[at:]
        else:
            raw = raw.decode("utf-8", "replace").encode(data.draw(st.sampled_from(["latin-1", "utf-16", "cp1252"])), "replace")
    loads_or_refuses(entry_dir(tmp_path_factory, raw))


def laughs(depth: int = 9) -> str:
    """A YAML value whose repr would be 10**depth items, in a few hundred bytes."""
    levels = ["&a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, depth)]
    return "[" + ", ".join(levels) + "]"


HOSTILE = {
    "laughs_in_id": f"---\nkind: story\ntitle: T\nid: {laughs()}\n---\nBody.\n",
    "laughs_in_kind": f"---\nid: x\ntitle: T\nkind: {laughs()}\n---\nBody.\n",
    "laughs_in_title": f"---\nid: x\nkind: story\ntitle: {laughs()}\n---\nBody.\n",
    "laughs_in_names": f"---\nkind: brand\nnames: {laughs()}\n---\nBody.\n",
    "deep_flow": "---\nid: " + "[" * 200_000 + "\n---\nBody.\n",
    "deep_mapping": "---\nid: " + "{a: " * 5_000 + "\n---\nBody.\n",
    # invalid YAML (a colon in the title) is read as plain `key: value` lines; a [list] value there
    "deep_plain_fallback": "---\nkind: story\nid: x\ntitle: Proof: 3,000 homes\nnames: " + "[" * 200_000 + "\n---\nB.\n",
    "huge_integer": "---\nkind: story\nid: x\ntitle: T\nnames: " + "9" * 100_000 + "\n---\nBody.\n",
    "python_tag": "---\nkind: !!python/object/apply:os.system ['echo hi']\nid: x\ntitle: T\n---\nBody.\n",
    "many_keys": "---\n" + "k: v\n" * 50_000 + "---\nBody.\n",
    "long_body": "---\nkind: story\nid: x\ntitle: T\n---\n" + "A. " * 300_000 + "\n",
    "unclosed_front_matter": "---\n" + "id: x\n" * 100_000,
    "over_a_megabyte": "---\nkind: story\nid: x\ntitle: T\n---\n" + "x" * 1_100_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_entries(tmp_path_factory, name):
    text = HOSTILE[name].encode()
    outcome = loads_or_refuses(entry_dir(tmp_path_factory, STORY, text), seconds=SECONDS_PER_MEGABYTE)
    if name.startswith(("laughs", "deep", "huge", "python")):
        assert isinstance(outcome, str) and len(outcome) < 500  # refused, briefly


def test_unreadable_entries(tmp_path):
    (tmp_path / "story.md").write_bytes(STORY)
    (tmp_path / "folder.md").mkdir()
    assert "folder.md: cannot read" in loads_or_refuses(tmp_path)
    os.rmdir(tmp_path / "folder.md")
    os.symlink(str(tmp_path / "missing"), str(tmp_path / "broken.md"))
    assert "broken.md: cannot read" in loads_or_refuses(tmp_path)
    assert "not found" in loads_or_refuses(tmp_path / "nowhere")
    (tmp_path / "latin1.md").write_bytes("---\nid: x\ntitle: Café\nkind: story\n---\nBody.\n".encode("latin-1"))
    os.remove(tmp_path / "broken.md")
    assert "latin1.md: not valid UTF-8" in loads_or_refuses(tmp_path)

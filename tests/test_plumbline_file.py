import pytest

from plumbline.model import PlumbLineError
from plumbline.plumbline_file import load_plumbline, split_examples

GOOD_STORY = "---\nid: total-cost\ntitle: Total cost, not sticker price\nkind: story\n---\nWe price for the whole year. Nothing is hidden.\n"
GOOD_AVOID = "---\nid: discounts\ntitle: Leading with discounts\nkind: avoid\n---\nDo not lead with price cuts.\n\n- I can take 20% off today.\n- Special price if you sign by Friday.\n"
BRAND = "---\nkind: brand\nnames: [Acme, Acme Payroll]\n---\n"


def write(folder, files):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return str(folder)


def test_loads_stories_avoids_and_brand(tmp_path):
    pl = load_plumbline(write(tmp_path / "pl", {"a.md": GOOD_STORY, "b.md": GOOD_AVOID, "brand.md": BRAND}))
    assert [s.id for s in pl.tells] == ["total-cost"]
    assert [s.id for s in pl.avoids] == ["discounts"]
    assert pl.brand_names == ("Acme", "Acme Payroll")
    assert pl.story("discounts").examples[-2:] == ("I can take 20% off today.", "Special price if you sign by Friday.")


def test_colon_in_title_and_inline_comments_are_read(tmp_path):
    text = "---\nid: proof   # stable id\ntitle: Proof: 3,000 homes, No. 1 in Ohio\nkind: story\n---\nBody.\n"
    pl = load_plumbline(write(tmp_path / "pl", {"a.md": text}))
    assert (pl.stories[0].id, pl.stories[0].title) == ("proof", "Proof: 3,000 homes, No. 1 in Ohio")


def test_split_examples_prose_and_bullets():
    assert split_examples("One thing. Two things!\n\n- a bullet item\n* another one") == [
        "One thing.", "Two things!", "a bullet item", "another one"]


BROKEN = {
    "no front matter": ("Just prose.\n", "missing front matter"),
    "not closed": ("---\nid: x\ntitle: X\nkind: story\nBody\n", "not closed"),
    "bad yaml": ("---\nid: [x\ntitle: X\n---\nBody\n", "not valid YAML"),
    "unknown kind": ("---\nid: x\ntitle: X\nkind: tale\n---\nBody\n", "kind must be one of"),
    "empty body": ("---\nid: x\ntitle: X\nkind: story\n---\n\n", "body is empty"),
    "bad id": ("---\nid: Not An Id\ntitle: X\nkind: story\n---\nBody\n", "id must be"),
    "missing title": ("---\nid: x\nkind: story\n---\nBody\n", "missing title"),
    "unknown key": ("---\nid: x\ntitle: X\nkind: story\ncolour: red\n---\nBody\n", "unknown front-matter key 'colour'"),
    "brand without names": ("---\nkind: brand\n---\n", "needs 'names"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_invalid_entry_is_one_line_error_naming_the_file(tmp_path, case):
    text, expected = BROKEN[case]
    folder = write(tmp_path / "pl", {"ok.md": GOOD_STORY, "broken.md": text})
    with pytest.raises(PlumbLineError) as err:
        load_plumbline(folder)
    message = str(err.value)
    assert "\n" not in message
    assert "broken.md" in message and expected in message


def test_duplicate_id_names_both_files(tmp_path):
    folder = write(tmp_path / "pl", {"a.md": GOOD_STORY, "b.md": GOOD_STORY})
    with pytest.raises(PlumbLineError, match=r"b\.md: duplicate id 'total-cost' \(also in .*a\.md\)"):
        load_plumbline(folder)


def test_missing_empty_and_storyless_plumb_lines(tmp_path):
    with pytest.raises(PlumbLineError, match="not found"):
        load_plumbline(str(tmp_path / "nope"))
    with pytest.raises(PlumbLineError, match="no Markdown"):
        load_plumbline(write(tmp_path / "empty", {}))
    with pytest.raises(PlumbLineError, match="no `kind: story`"):
        load_plumbline(write(tmp_path / "avoids", {"b.md": GOOD_AVOID}))


def test_binary_entry_is_rejected(tmp_path):
    folder = tmp_path / "pl"
    write(folder, {"a.md": GOOD_STORY})
    (folder / "bin.md").write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(PlumbLineError, match="bin.md: not valid UTF-8"):
        load_plumbline(str(folder))

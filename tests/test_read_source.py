"""Reading inputs: size limits, binary data and encodings give one-line errors naming the file."""
import pytest

from plumbline.formats import LoadOptions, expand_paths, load_path
from plumbline.model import InputError


def error_for(path, **options):
    with pytest.raises(InputError) as err:
        load_path(str(path), LoadOptions(**options))
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    return err.value.problem


def test_empty_binary_bad_utf8_too_big_missing(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"  \n")
    (tmp_path / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    (tmp_path / "noise.txt").write_bytes(bytes(range(1, 256)) * 4)  # no encoding reads this as text
    (tmp_path / "big.txt").write_bytes(b"word " * 1000)
    assert error_for(tmp_path / "empty.txt") == "file is empty"
    assert "binary" in error_for(tmp_path / "bin.txt")
    assert "not valid UTF-8 (byte 0x80 at offset 127) and no other encoding fits" in error_for(tmp_path / "noise.txt")
    assert "over the 100-byte limit" in error_for(tmp_path / "big.txt", max_bytes=100)
    assert "cannot read" in error_for(tmp_path / "missing.txt")


def test_utf16_with_bom_and_crlf_are_read(tmp_path):
    (tmp_path / "u16.txt").write_bytes("Hello there.\r\nSecond line.".encode("utf-16"))
    [message] = load_path(str(tmp_path / "u16.txt"))
    assert message.blocks[0].text == "Hello there.\nSecond line."


def test_transcript_without_rep_names_its_speakers(tmp_path):
    (tmp_path / "call.txt").write_text("Dana: Hi Sam.\nSam: Hello.\nDana: We help.\n")
    assert error_for(tmp_path / "call.txt") == "transcript with speakers Dana, Sam: name the rep with --rep"


def test_transcript_turns_timestamps_and_reps(tmp_path):
    (tmp_path / "call.txt").write_text(
        "[00:00:01] Dana Smith: Hi Sam, thanks for joining.\nWe cut payroll errors.\n"
        "Sam Lee (00:12): What does it cost?\nSpeaker 3 (01:02)\nI have a question too.\n")
    [message] = load_path(str(tmp_path / "call.txt"), LoadOptions(reps=("dana",)))
    turns = [(b.speaker, b.line, b.judged, b.text) for b in message.blocks]
    assert turns == [
        ("Dana Smith", 1, True, "Hi Sam, thanks for joining.\nWe cut payroll errors."),
        ("Sam Lee", 3, False, "What does it cost?"),
        ("Speaker 3", 5, False, "I have a question too."),
    ]
    assert message.blocks[0].column == len("[00:00:01] Dana Smith: ") + 1


def test_rep_pattern_selects_speakers(tmp_path):
    (tmp_path / "call.txt").write_text("Rep Ana: Hello.\nProspect: Hi.\nRep Bo: Welcome.\n")
    [message] = load_path(str(tmp_path / "call.txt"), LoadOptions(rep_pattern=r"^Rep "))
    assert [b.judged for b in message.blocks] == [True, False, True]


def test_expand_paths_walks_sorted_skips_hidden_and_keeps_missing(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    for name in ("d/b.txt", "d/a.txt", "d/sub/c.txt", "d/.hidden.txt", "d/a.txt.labels.tsv"):
        (tmp_path / name).write_text("x")
    found = list(expand_paths([str(tmp_path / "d"), str(tmp_path / "missing.txt")]))
    assert [p.replace(str(tmp_path) + "/", "") for p in found] == ["d/a.txt", "d/b.txt", "d/sub/c.txt", "missing.txt"]


def test_markdown_markup_is_blanked_keeping_lines(tmp_path):
    (tmp_path / "s.md").write_text("---\ntitle: x\n---\n# Opening\n\n- **We** remove risk.\n<!-- note -->\n```\ncode\n```\n")
    [message] = load_path(str(tmp_path / "s.md"))
    lines = message.blocks[0].text.split("\n")
    assert lines[3] == "" and lines[5].strip() == "We   remove risk."  # a heading is a title, not speech
    assert "note" not in message.blocks[0].text and "code" not in message.blocks[0].text

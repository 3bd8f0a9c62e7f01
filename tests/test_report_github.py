"""GitHub workflow commands: one annotation per finding, levels mapped, and the runner's
escaping so quoted text can neither break a line nor start a command of its own."""
import io

import pytest

from ci_support import make_project, sample_report
from plumbline.report import render
from plumbline.report.github import command, escape_data, escape_property


def test_escaping_rules():
    assert escape_data("100% sure\r\nnext") == "100%25 sure%0D%0Anext"
    assert escape_data("a: b, c") == "a: b, c"  # : and , are fine in the message
    assert escape_property("a: b, c%\n") == "a%3A b%2C c%25%0A"
    assert command("warning", "m\n::error::x", file="a,b.txt", line=3, col=None, title="t:1") == \
        "::warning file=a%2Cb.txt,line=3,title=t%3A1::m%0A::error::x"
    assert command("notice", "plain") == "::notice::plain"


@pytest.fixture
def lines(tmp_path, monkeypatch, fake_encoder):
    root = make_project(tmp_path / "repo")
    monkeypatch.chdir(root)
    out = io.StringIO()
    render(sample_report(root, fake_encoder), "github", out)
    return out.getvalue().splitlines()


def test_one_annotation_per_unsuppressed_finding(lines):
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 6  # 1 unreadable file + 5 unsuppressed findings (2 suppressed ones are not shown)
    assert commands[0] == "::error file=templates/broken.txt,title=plumbline%3A input not read::" \
                          "binary file (contains NUL bytes), not text"
    off = next(c for c in commands if "off-message" in c)
    assert off.startswith("::error file=templates/intro.txt,line=3,col=1,title=plumbline off-message::matches what "
                          "the plumb line says to avoid: Leading with discounts and deadline deals: \u201cI can take "
                          "20%25 off the first year if you sign this month.\u201d. Why: matches avoid entry")
    assert "Say instead: \u201c" in off and "plumbline/" in off  # a story sentence, with its file and line
    assert any(c.startswith("::warning file=templates/with space.html,line=4,col=4,title=plumbline drift::") for c in commands)
    injected = next(c for c in commands if "over-contact" in c)
    assert injected.startswith("::warning file=logs/touches%2C q1%3A 100%25.csv,line=3,col=1,title=plumbline over-contact::")
    assert "%0D%0A::error::injected" in injected
    assert lines[-1] == "plumbline: 4 file(s), 1 error(s), 5 finding(s), 2 suppressed"


def test_every_line_is_one_command_or_the_summary(lines):
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) or line.startswith("plumbline: ")
               for line in lines)

"""JUnit XML: one testcase per file, a failure per unsuppressed finding, an error per unreadable
file, everything escaped; read back with an independent reader (junitparser)."""
import io
import xml.etree.ElementTree as ET

import pytest

from ci_support import make_project, sample_report
from plumbline.report import render

junitparser = pytest.importorskip("junitparser", reason="junitparser is the independent JUnit reader")


@pytest.fixture
def xml_file(tmp_path, monkeypatch, fake_encoder):
    root = make_project(tmp_path / "repo")
    monkeypatch.chdir(root)
    path = tmp_path / "plumbline.xml"
    with open(path, "w", encoding="utf-8") as fh:
        render(sample_report(root, fake_encoder), "junit", fh)
    return path


def test_read_by_junitparser(xml_file):
    xml = junitparser.JUnitXml.fromfile(str(xml_file))
    (suite,) = list(xml)
    cases = {case.name: case for case in suite}
    assert set(cases) == {"templates/broken.txt", "templates/intro.txt", "templates/known.txt",
                          "templates/with space.html", "logs/touches, q1: 100%.csv"}
    def kinds(name):
        return sorted((type(r).__name__, r.type) for r in cases[name].result)
    assert kinds("templates/intro.txt") == [("Failure", "discount-language"), ("Failure", "drift"),
                                            ("Failure", "off-message")]
    assert kinds("templates/broken.txt") == [("Error", "input-error")]
    assert kinds("templates/known.txt") == []  # baselined: passes
    assert kinds("templates/with space.html") == [("Failure", "drift")]  # the commented one is suppressed
    assert cases["templates/intro.txt"].classname == "plumbline.check"
    off = next(r for r in cases["templates/intro.txt"].result if r.type == "off-message")
    assert "I can take 20% off the first year" in off.message and "templates/intro.txt:3:1" in off.text
    assert (suite.tests, suite.failures, suite.errors) == (5, 5, 1)  # 3 + 1 + the contact finding; the unreadable file
    suite_counts = (suite.tests, suite.failures, suite.errors)
    suite.update_statistics()  # junitparser's own count agrees with ours
    assert (suite.tests, suite.failures, suite.errors) == suite_counts


def test_everything_is_escaped(xml_file):
    text = xml_file.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text.encode("utf-8"))  # well-formed, control characters included
    nasty = root.find(".//testcase[@name='logs/touches, q1: 100%.csv']/failure")
    assert "<x> & ]]>" in nasty.text and "\x07" not in nasty.text and "\x1b" not in nasty.text
    assert "::error::injected" in nasty.get("message")
    quoted = root.find(".//testcase[@name='templates/with space.html']/failure")
    assert '"VIP"' in quoted.get("message") and "100% free" in quoted.text


def test_empty_report_is_valid():
    from plumbline.model import Report

    out = io.StringIO()
    render(Report(plumbline=None, files=()), "junit", out)
    root = ET.fromstring(out.getvalue().encode("utf-8"))
    assert root.tag == "testsuites" and root.get("tests") == "0" and root.get("failures") == "0"

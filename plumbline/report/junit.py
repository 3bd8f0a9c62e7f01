"""JUnit XML for CI systems that show test results (GitLab, Jenkins, Azure, CircleCI).

One testcase per input file; a <failure> per unsuppressed finding, an <error> for a file that
could not be read. Built with xml.etree so every quoted sentence is escaped, and characters XML
1.0 cannot carry at all (control characters) are replaced."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from plumbline.baseline import relative_path
from plumbline.model import Finding, Report
from plumbline.report import describe

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", text)


def render(report: Report, out: TextIO, **_) -> None:
    suite = ET.Element("testsuite", name=f"plumbline {report.tool}")
    cases = {}
    for result in report.files:
        case = cases[result.path] = _testcase(suite, result.path, report.tool)
        if result.error:
            ET.SubElement(case, "error", type="input-error", message=xml_text(result.error)).text = xml_text(
                f"{relative_path(result.path)}: {result.error}")
    for f in report.all_findings:
        if f.suppressed:
            continue
        case = cases.get(f.path)
        if case is None:
            case = cases[f.path] = _testcase(suite, f.path, report.tool)
        _failure(case, f)
    for result in report.files:  # after failures, as the JUnit schema orders a testcase's children
        if result.notes:  # how the file was read, messages not judged and why
            ET.SubElement(cases[result.path], "system-out").text = xml_text(
                "\n".join(f"note: {n}" for n in result.notes))
    counts = {kind: len(suite.findall(f"testcase/{kind}")) for kind in ("failure", "error")}
    stats = {"tests": str(len(cases)), "failures": str(counts["failure"]), "errors": str(counts["error"]),
             "skipped": "0", "time": "0"}
    suite.attrib.update(stats)
    root = ET.Element("testsuites", name="plumbline", **{k: v for k, v in stats.items() if k != "skipped"})
    root.append(suite)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")


def _testcase(suite: ET.Element, path: str, tool: str) -> ET.Element:
    shown = xml_text(relative_path(path))
    return ET.SubElement(suite, "testcase", name=shown, classname=f"plumbline.{tool}", file=shown, time="0")


def _failure(case: ET.Element, f: Finding) -> None:
    where = f"{relative_path(f.path)}:{f.line}:{f.column}"
    message = f"{f.rule} ({f.severity}) at line {f.line}: {describe(f, explain=True)}"
    body = f"{where}: {f.severity}: {f.rule}: {describe(f, explain=True)}"
    ET.SubElement(case, "failure", type=f.rule, message=xml_text(message)).text = xml_text(body)

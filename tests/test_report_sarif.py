"""SARIF output: valid against the official SARIF 2.1.0 schema, read by an independent consumer
(sarif-tools), with rule metadata, relative locations, stable fingerprints, suppressions and
unreadable files as tool execution notifications."""
import io
import json
import os
import shutil
import subprocess

import pytest

from ci_support import DATA, DRIFT, GOOD, make_project, sample_report, write
from plumbline.report import render
from plumbline.rules import all_rules

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema validates SARIF against the official schema")


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = make_project(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


def sarif(report) -> dict:
    out = io.StringIO()
    render(report, "sarif", out)
    return json.loads(out.getvalue())


def test_valid_against_the_official_schema(project, fake_encoder):
    log = sarif(sample_report(project, fake_encoder))
    with open(os.path.join(DATA, "sarif-schema-2.1.0.json"), encoding="utf-8") as fh:
        schema = json.load(fh)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_driver_and_rule_metadata(project, fake_encoder):
    run = sarif(sample_report(project, fake_encoder))["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "plumbline" and driver["version"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) >= {r.id for r in all_rules()} >= {"drift", "off-message", "discount-language"}
    drift = rules["drift"]
    assert drift["shortDescription"]["text"] == "A substantive claim that matches no story in the plumb line."
    assert drift["fullDescription"]["text"].startswith(drift["shortDescription"]["text"])
    assert "Flagged:" in drift["help"]["text"] and "plumbline: ignore[drift]" in drift["help"]["markdown"]
    assert drift["defaultConfiguration"]["level"] == "warning"
    assert rules["off-message"]["defaultConfiguration"]["level"] == "error"
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


class _Metadata:
    def __init__(self, urls):
        self.urls = urls

    def get_all(self, name):
        return self.urls if name == "Project-URL" else None


@pytest.mark.parametrize("urls, expected", [
    ([], None),  # nothing declared: no informationUri rather than an invented one
    (["Documentation, https://docs.example.org/plumbline"], None),
    (["Homepage, https://example.org/plumbline", "Repository, https://github.com/example/plumbline"],
     "https://github.com/example/plumbline"),
    (["Source Code, https://git.example.org/plumbline"], "https://git.example.org/plumbline"),
])
def test_information_uri_is_the_declared_repository_or_absent(project, fake_encoder, monkeypatch, urls, expected):
    import importlib.metadata

    report = sample_report(project, fake_encoder)
    monkeypatch.setattr(importlib.metadata, "metadata", lambda name: _Metadata(urls))
    log = sarif(report)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver.get("informationUri") == expected
    with open(os.path.join(DATA, "sarif-schema-2.1.0.json"), encoding="utf-8") as fh:
        schema = json.load(fh)
    assert not list(jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(log))


def test_information_uri_follows_pyproject():
    """What this checkout's pyproject.toml declares, and nothing when it declares no [project.urls]."""
    import tomllib

    from plumbline.report.sarif import information_uri

    with open(os.path.join(os.path.dirname(DATA), "..", "..", "pyproject.toml"), "rb") as fh:
        declared = tomllib.load(fh)["project"].get("urls", {})
    assert information_uri() in ({None} if not declared else set(declared.values()))


def test_results_locations_and_suppressions(project, fake_encoder):
    run = sarif(sample_report(project, fake_encoder))["runs"][0]
    by_rule_line = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                     r["locations"][0]["physicalLocation"]["region"]["startLine"]): r for r in run["results"]}
    off = by_rule_line[("off-message", "templates/intro.txt", 3)]
    assert off["level"] == "error" and "I can take 20% off" in off["message"]["text"]
    location = off["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert location["region"] == {"startLine": 3, "startColumn": 1}
    assert by_rule_line[("discount-language", "templates/intro.txt", 3)]["level"] == "warning"
    commented = by_rule_line[("drift", "templates/with%20space.html", 2)]
    assert commented["suppressions"][0]["kind"] == "inSource"
    baselined = by_rule_line[("drift", "templates/known.txt", 1)]
    assert baselined["suppressions"][0]["kind"] == "external"
    assert "suppressions" not in off
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "error" and "templates/broken.txt" in notification["message"]["text"]
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "templates/broken.txt"


def test_fingerprints_ignore_line_numbers(project, fake_encoder):
    def fingerprints():
        from plumbline.judge import JudgeSettings
        from plumbline.pipeline import check, prepare_judge
        from plumbline.plumbline_file import load_plumbline

        plumbline = load_plumbline("plumbline")
        settings = JudgeSettings(judge="thresholds")
        report = check(["templates"], plumbline, settings=settings,
                       judge=prepare_judge(plumbline, settings, encoder=fake_encoder))
        return {(r["ruleId"], r["partialFingerprints"]["plumbline/v1"]) for r in sarif(report)["runs"][0]["results"]}

    write(project, "templates/a.txt", GOOD + DRIFT)
    before = fingerprints()
    write(project, "templates/a.txt", "Hi Alex,\n\n\n" + GOOD + "\n" + DRIFT)  # same sentences, new lines
    assert fingerprints() == before
    write(project, "templates/a.txt", GOOD + DRIFT + "\n" + DRIFT)  # a repeat gets its own occurrence number
    repeated = sorted(fp for _, fp in fingerprints())
    assert len(repeated) == 2 and repeated[0].split(":")[0] == repeated[1].split(":")[0]
    assert {fp.split(":")[1] for fp in repeated} == {"1", "2"}


def test_independent_consumer_reads_it(project, fake_encoder, tmp_path):
    """sarif-tools (Microsoft's SARIF summariser) loads and summarises the file."""
    command = shutil.which("sarif")
    if command is None:
        pytest.skip("sarif-tools is not installed (pip install sarif-tools)")
    path = tmp_path / "plumbline.sarif"
    with open(path, "w", encoding="utf-8") as fh:
        render(sample_report(project, fake_encoder), "sarif", fh)
    result = subprocess.run([command, "summary", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "error: 1" in result.stdout and "warning: " in result.stdout
    assert "off-message" in result.stdout and "Traceback" not in result.stderr


def test_cli_writes_sarif_to_output(project, fake_encoder, monkeypatch):
    from ci_support import run_check, use_fake_encoder

    use_fake_encoder(monkeypatch, fake_encoder)
    write(project, "templates/a.txt", DRIFT)
    result = run_check("templates", "--format", "sarif", "--output", "out.sarif")
    assert result.exit_code == 1 and result.stdout == ""
    log = json.loads(open("out.sarif", encoding="utf-8").read())
    assert log["version"] == "2.1.0" and log["runs"][0]["results"][0]["ruleId"] == "drift"


def test_related_locations_point_at_the_plumb_line(project, fake_encoder, tmp_path):
    """Evidence and suggestion become relatedLocations at the plumb-line file and line, linked
    from the message; the log stays valid and sarif-tools still reads it."""
    log = sarif(sample_report(project, fake_encoder))
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] in ("drift", "off-message")]
    assert results and all(r.get("relatedLocations") for r in results)
    for result in results:
        ids = [loc["id"] for loc in result["relatedLocations"]]
        assert ids == list(range(1, len(ids) + 1))
        for loc in result["relatedLocations"]:
            assert f"]({loc['id']})" in result["message"]["text"]  # an embedded link to it
            physical = loc["physicalLocation"]
            uri, line = physical["artifactLocation"]["uri"], physical["region"]["startLine"]
            assert uri.startswith("plumbline/") and physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            with open(os.path.join(project, uri), encoding="utf-8") as fh:
                written = fh.read().split("\n")[line - 1]
            assert written.strip() and not written.startswith(("---", "id:", "kind:"))
    with open(os.path.join(DATA, "sarif-schema-2.1.0.json"), encoding="utf-8") as fh:
        schema = json.load(fh)
    assert not list(jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(log))
    command = shutil.which("sarif")
    if command is None:
        pytest.skip("sarif-tools is not installed (pip install sarif-tools)")
    path = tmp_path / "related.sarif"
    path.write_text(json.dumps(log), encoding="utf-8")
    for sub in ("summary", "ls"):
        result = subprocess.run([command, sub, str(path)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr

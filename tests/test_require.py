"""Required stories (issue 18, item 4): `[[require]]` and `min_stories` in plumbline.toml make a
`missing-story` finding on a message that does not tell them."""
from __future__ import annotations

import json

import pytest

from ci_support import DRIFT, GOOD, make_project, run_check, use_fake_encoder, write

CONFIG = '''plumbline = "plumbline"
judge = "thresholds"

[[require]]
glob = "templates/outbound/*"
stories = ["payroll-compliance"]
'''


@pytest.fixture
def project(tmp_path, monkeypatch, fake_encoder):
    use_fake_encoder(monkeypatch, fake_encoder)
    root = make_project(tmp_path / "repo", CONFIG)
    monkeypatch.chdir(root)
    write(root, "templates/outbound/tells.txt", GOOD)
    write(root, "templates/outbound/tells-nothing.txt", DRIFT)
    write(root, "templates/replies/elsewhere.txt", DRIFT)
    return root


def missing(result) -> dict[str, list[dict]]:
    data = json.loads(result.stdout)
    return {r["path"]: [f for f in r["findings"] if f["rule"] == "missing-story"] for r in data["files"]}


def test_fires_on_a_template_that_tells_no_required_story_and_not_on_one_that_does(project):
    result = run_check("templates", "--format", "json")
    found = missing(result)
    assert found["templates/outbound/tells.txt"] == []
    [finding] = found["templates/outbound/tells-nothing.txt"]
    assert finding["severity"] == "warning" and finding["story"] == "payroll-compliance"
    assert "Payroll" in finding["message"] and finding["suggestion"]["entry"] == "payroll-compliance"
    assert found["templates/replies/elsewhere.txt"] == []  # the glob does not cover it


def test_min_stories_everywhere_and_severity_from_config(project):
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "thresholds"\nmin_stories = 1\n'
                                      '[severities]\nmissing-story = "error"\ndrift = "info"\n')
    found = missing(run_check("templates", "--format", "json"))
    assert found["templates/outbound/tells.txt"] == []
    assert [f["severity"] for f in found["templates/replies/elsewhere.txt"]] == ["error"]
    text = run_check("templates", "--fail-on", "error")
    assert text.exit_code == 1 and "missing-story" in text.stdout


@pytest.mark.parametrize("config, says", [
    ('[[require]]\nglob = "*"\nstories = ["no-such-story"]\n', "no story 'no-such-story'"),
    ('[[require]]\nstories = ["payroll-compliance"]\n', "needs a glob"),
    ('[[require]]\nglob = "*"\nstory = ["payroll-compliance"]\n', "require[1].story"),
    ('[[require]]\nglob = "*"\nstories = ["payroll-compliance"]\nmin_stories = 2\n', "only 1 stories"),
    ('min_stories = -1\n', "min_stories"),
])
def test_config_errors_name_the_key(project, config, says):
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "thresholds"\n' + config)
    result = run_check("templates")
    assert result.exit_code == 2 and says in result.stderr, result.stderr

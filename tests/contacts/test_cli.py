"""`plumbline contacts` through click: exit codes, JSON output, --config and --set."""
from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from contact_helpers import CASES, write

from plumbline.cli import main

FIRES = os.path.join(CASES, "over_contact_all_at_limit.csv")
QUIET = os.path.join(CASES, "over_contact_all_below.csv")


@pytest.fixture(autouse=True)
def no_model(monkeypatch):
    """The CLI's repeat-pitch would load the real model; these logs have no bodies, so fail loudly if it tries."""
    import plumbline.contacts as contacts

    def refuse():
        raise AssertionError("the model must not load for logs without bodies")

    monkeypatch.setattr(contacts, "default_encoder", refuse)


def invoke(*args):
    return CliRunner().invoke(main, ["contacts", *args])


def test_exit_codes_follow_fail_on():
    assert invoke(QUIET).exit_code == 0
    assert invoke(FIRES).exit_code == 1
    assert invoke(FIRES, "--fail-on", "error").exit_code == 0
    assert invoke(FIRES, "--fail-on", "never").exit_code == 0


def test_json_output_lists_findings_with_path_and_line(tmp_path):
    out = tmp_path / "report.json"
    result = invoke(FIRES, "--format", "json", "--output", str(out))
    assert result.exit_code == 1, result.output
    data = json.loads(out.read_text())
    (finding,) = data["findings"]
    assert (finding["rule"], finding["path"], finding["line"], finding["severity"]) == ("over-contact", FIRES, 6, "warning")
    assert "limit 4 in 7d" in finding["message"]
    assert data["files"][0]["path"] == FIRES and data["summary"]["messages"] == 5


def test_config_file_and_set_flags(tmp_path):
    config = write(tmp_path, "plumbline.toml", '[contacts]\nmax_touches = 5\n\n[contacts.severity]\n"over-contact" = "error"\n')
    assert invoke(FIRES, "--config", config).exit_code == 0  # 5 touches are now allowed
    result = invoke(FIRES, "--config", config, "--set", "max_touches=4", "--fail-on", "error", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.output)["findings"][0]["severity"] == "error"


def test_pyproject_tool_table(tmp_path):
    config = write(tmp_path, "pyproject.toml", '[tool.plumbline.contacts]\nwindow = "2d"\n')
    assert invoke(FIRES, "--config", config).exit_code == 0


@pytest.mark.parametrize("args, says", [
    (["--set", "max_touchez=3"], "contacts.max_touchez"),
    (["--set", "window=7"], "contacts.window"),
    (["--set", "nonsense"], "KEY=VALUE"),
])
def test_bad_settings_exit_2_naming_the_key(args, says):
    result = invoke(FIRES, *args)
    assert result.exit_code == 2 and says in result.output


def test_bad_config_file_exits_2(tmp_path):
    config = write(tmp_path, "bad.toml", "[contacts]\nmax_touches = 'many'\n")
    result = invoke(FIRES, "--config", config)
    assert result.exit_code == 2 and "contacts.max_touches" in result.output
    broken = write(tmp_path, "broken.toml", "[contacts\n")
    assert invoke(FIRES, "--config", broken).exit_code == 2


def test_missing_path_and_unreadable_inputs_exit_2(tmp_path):
    assert invoke(str(tmp_path / "nope.csv")).exit_code == 2
    memo = write(tmp_path, "memo.csv", "just some prose\n")
    result = invoke(memo)
    assert result.exit_code == 2 and "no column 'timestamp'" in result.output


def test_text_output_names_file_line_and_rule():
    result = invoke(FIRES)
    assert f"{FIRES}:6:1: over-contact ana@acme.com: 5 touches within 7d" in result.output

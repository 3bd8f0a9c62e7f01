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


AS_WRITTEN = os.path.join(CASES, "offsets_and_names_as_written.csv")


def test_json_details_are_typed_and_times_keep_the_logs_offset():
    result = invoke(AS_WRITTEN, "--format", "json")
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.output)["findings"]
    details = finding["details"]
    assert details["count"] == 5 and details["episode_touches"] == 1  # numbers, not "5"
    assert details["contact"] == "Maya.Okafor@Brightline.example" and details["account"] == "Brightline Foods"
    assert details["first"] == details["last"] == "2025-02-07T23:30:00-06:00"  # the touch over the limit
    assert "2025-02-03 08:15-06:00 email/sales/Theo.Grant@seller.example" in details["touches"]
    assert "2025-02-07 23:30-06:00 email/sales/Theo.Grant@seller.example" in finding["message"]


def test_timezone_flag_shows_every_time_in_one_zone():
    result = invoke(AS_WRITTEN, "--format", "json", "--timezone", "UTC")
    details = json.loads(result.output)["findings"][0]["details"]
    assert details["first"] == "2025-02-08T05:30:00Z" and "2025-02-03 14:15Z email" in details["touches"]
    tokyo = json.loads(invoke(AS_WRITTEN, "--format", "json", "--timezone", "Asia/Tokyo").output)["findings"][0]
    assert "2025-02-08 14:30+09:00 email" in tokyo["message"]
    bad = invoke(AS_WRITTEN, "--timezone", "Mars/Olympus")
    assert bad.exit_code == 2 and "unknown time zone 'Mars/Olympus'" in bad.output


def test_opt_out_finding_says_what_the_limit_is(tmp_path):
    log = write(tmp_path, "optout.csv", "timestamp,contact,channel,team,sender,opted_out\n"
                                        "2025-01-10T09:00:00Z,ines@harbor.example,email,sales,a@seller.example,yes\n"
                                        "2025-01-12T09:00:00Z,ines@harbor.example,call,sales,a@seller.example,\n")
    result = invoke(log, "--format", "json")
    (finding,) = json.loads(result.output)["findings"]
    assert finding["rule"] == "contact-after-opt-out"
    assert "limit: none" not in finding["message"] and "no touch is allowed after an opt-out" in finding["message"]
    assert finding["details"]["count"] == 1 and finding["details"]["opted_out"] == "2025-01-10T09:00:00Z"

"""plumbline.toml / [tool.plumbline]: discovery, validation (one-line errors, exit 2), flags
over file values, severities reaching findings, and the plumb-line cache surviving config."""
import json
import os

import pytest

from ci_support import DISCOUNT, DRIFT, GOOD, make_project, run_check, use_fake_encoder, write
from plumbline.config import Config, find_config, load_config, parse
from plumbline.model import ConfigError


@pytest.fixture
def project(tmp_path, monkeypatch, fake_encoder):
    root = make_project(tmp_path / "repo")
    write(root, "templates/good.txt", GOOD)
    write(root, "templates/drift.txt", DRIFT)
    use_fake_encoder(monkeypatch, fake_encoder)
    monkeypatch.chdir(root)
    return root


def test_discovery_walks_up_to_the_repository_root(tmp_path):
    root = tmp_path / "repo"
    deep = root / "a" / "b"
    deep.mkdir(parents=True)
    (root / ".git").mkdir()
    assert find_config(str(deep)) == Config()
    write(root, "pyproject.toml", '[project]\nname = "x"\n')  # no [tool.plumbline]: passed over
    assert find_config(str(deep)) == Config()
    write(root, "pyproject.toml", '[tool.plumbline]\nplumbline = "brand"\nreps = ["Dana"]\n')
    config = find_config(str(deep))
    assert config.source == str(root / "pyproject.toml")
    assert config.plumbline == str(root / "brand") and config.reps == ("Dana",)
    write(root / "a", "plumbline.toml", 'fail_on = "error"\n')  # nearer wins
    assert find_config(str(deep)).fail_on == "error"
    write(tmp_path, "plumbline.toml", 'fail_on = "info"\n')  # above the repository root: never read
    os.remove(root / "a" / "plumbline.toml")
    assert find_config(str(deep)).fail_on is None


def test_plumbline_toml_wins_over_pyproject_in_the_same_directory(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.plumbline]\nfail_on = "info"\n')
    write(tmp_path, "plumbline.toml", 'fail_on = "error"\n')
    (tmp_path / ".git").mkdir()
    assert find_config(str(tmp_path)).fail_on == "error"


def test_every_key_parses(tmp_path):
    path = write(tmp_path, "plumbline.toml", """
plumbline = "brand"
reps = ["Dana Whitfield", "Marco"]
rep_pattern = "^(Dana|Marco)"
min_confidence = 0.6
judge = "thresholds"
judge_model = "models/judge.json"
story_threshold = 0.5
avoid_threshold = 0.6
include = ["*.html"]
exclude = ["*/drafts/*"]
fail_on = "error"
fail_on_unreadable = false
format = "sarif"
model = "all-MiniLM-L6-v2"
backend = "torch"
max_bytes = 1000000
baseline = "plumbline-baseline.json"
[severities]
drift = "error"
discount-language = "info"
[contacts]
max_touches = 5
anything = "is passed through untouched"
""")
    config = load_config(path)
    assert config.judge_model == os.path.join(str(tmp_path), "models", "judge.json")
    assert config.baseline == os.path.join(str(tmp_path), "plumbline-baseline.json")
    assert config.model == "all-MiniLM-L6-v2"  # a name, not a path: kept as written
    assert config.fail_on_unreadable is False and config.flag_values()["fail_on_unreadable"] is False
    assert config.severities == {"drift": "error", "discount-language": "info"}
    assert config.contacts == {"max_touches": 5, "anything": "is passed through untouched"}
    assert config.flag_values()["include"] == ["*.html"]
    assert "severities" not in config.flag_values() and "contacts" not in config.flag_values()


@pytest.mark.parametrize("text, key", [
    ('min_confidense = 0.5\n', "min_confidense"),
    ('min_confidence = "high"\n', "min_confidence"),
    ('min_confidence = 2\n', "min_confidence"),
    ('reps = "Dana"\n', "reps"),
    ('fail_on = "sometimes"\n', "fail_on"),
    ('fail_on_unreadable = "yes"\n', "fail_on_unreadable"),
    ('fail_on_unreadable = 1\n', "fail_on_unreadable"),
    ('format = "pdf"\n', "format"),
    ('max_bytes = 0\n', "max_bytes"),
    ('max_bytes = true\n', "max_bytes"),
    ('rep_pattern = "("\n', "rep_pattern"),
    ('[severities]\ndrift = "fatal"\n', "severities.drift"),
    ('[severities]\ndrfit = "error"\n', "severities.drfit"),
    ('[severities]\nover-contact = "error"\n', "severities.over-contact"),
    ('contacts = 3\n', "contacts"),
])
def test_bad_values_are_one_line_errors_naming_key_and_file(tmp_path, text, key):
    path = write(tmp_path, "plumbline.toml", text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert path in message and f"'{key}'" in message and "\n" not in message


def test_invalid_toml_and_missing_table(tmp_path):
    with pytest.raises(ConfigError, match=r"not valid TOML"):
        load_config(write(tmp_path, "plumbline.toml", "fail_on = \n"))
    with pytest.raises(ConfigError, match=r"no \[tool.plumbline\]"):
        load_config(write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n"))
    with pytest.raises(ConfigError, match=r"pyproject.toml \[tool.plumbline\]: unknown key 'colour'"):
        parse({"colour": "red"}, str(tmp_path / "pyproject.toml"), f"{tmp_path / 'pyproject.toml'} [tool.plumbline]")


def test_cli_config_error_exits_2_with_one_line(project):
    write(project, "plumbline.toml", 'plumbline = "plumbline"\nthreshold = 0.5\n')
    result = run_check("templates")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "plumbline.toml" in result.stderr and "'threshold'" in result.stderr
    explicit = run_check("--config", "nowhere.toml", "templates")
    assert explicit.exit_code == 2 and "nowhere.toml: cannot read" in explicit.stderr


def test_config_supplies_defaults_and_flags_win(project):
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "thresholds"\nformat = "json"\n'
                                     'fail_on = "never"\n[severities]\ndrift = "error"\n')
    result = run_check("templates")  # no --plumbline: it comes from the file
    assert result.exit_code == 0, result.output  # fail_on = never
    report = json.loads(result.stdout)
    drift = [f for r in report["files"] for f in r["findings"] if f["rule"] == "drift"]
    assert drift and {f["severity"] for f in drift} == {"error"}  # severities reach the judge
    flagged = run_check("templates", "--format", "text", "--fail-on", "error")
    assert flagged.exit_code == 1 and "drift claim matches no story" in flagged.stdout


def test_unreadable_input_fails_the_run_by_default(project):
    """An input that could not be judged fails CI (exit 1, like a finding) unless told not to."""
    write(project, "ok/good.txt", GOOD)
    assert run_check("ok").exit_code == 0
    with open(os.path.join(project, "ok", "broken.txt"), "wb") as fh:
        fh.write(b"\x00\x01binary")
    failed = run_check("ok")
    assert failed.exit_code == 1 and "broken.txt" in failed.stdout and "binary" in failed.stdout
    assert run_check("ok", "--no-fail-on-unreadable").exit_code == 0
    assert run_check("ok", "--fail-on", "never").exit_code == 1  # findings and unreadable inputs are apart
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "thresholds"\nfail_on_unreadable = false\n')
    assert run_check("ok").exit_code == 0
    assert run_check("ok", "--fail-on-unreadable").exit_code == 1  # the flag wins over the file


def test_exit_code_counts_unreadable_inputs_only_when_asked():
    from plumbline.decide import EXIT_FINDINGS, EXIT_OK, exit_code
    from plumbline.model import FileResult, PlumbLine, Report

    report = Report(plumbline=PlumbLine("p", ()), files=(FileResult(path="a.txt", error="binary file"),))
    assert exit_code(report, "warning") == EXIT_OK
    assert exit_code(report, "warning", fail_on_unreadable=True) == EXIT_FINDINGS


def test_explicit_config_file_and_relative_paths(project, tmp_path):
    elsewhere = tmp_path / "ci"
    write(elsewhere, "settings.toml", f'plumbline = "{os.path.join(project, "plumbline")}"\n'
                                      'judge = "thresholds"\nexclude = ["*drift*"]\n')
    result = run_check("--config", str(elsewhere / "settings.toml"), "templates")
    assert result.exit_code == 0, result.output  # drift.txt excluded by the file's glob
    assert "1 file(s)" in result.stdout
    overridden = run_check("--config", str(elsewhere / "settings.toml"), "templates", "--exclude", "*none*")
    assert overridden.exit_code == 1 and "2 file(s)" in overridden.stdout


def test_severity_config_for_discount_language(project):
    write(project, "templates/discount.txt", DISCOUNT)
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "thresholds"\n'
                                     '[severities]\ndiscount-language = "info"\noff-message = "info"\n')
    result = run_check("templates/discount.txt", "--format", "json")
    findings = json.loads(result.stdout)["files"][0]["findings"]
    assert findings and {f["severity"] for f in findings} == {"info"}
    assert result.exit_code == 0  # fail_on defaults to warning


def test_second_run_does_not_re_embed_the_plumb_line(project, fake_encoder):
    """The embedding cache is keyed by model and texts only: config values cannot break it."""
    from plumbline.judge import JudgeSettings
    from plumbline.pipeline import prepare_judge
    from plumbline.plumbline_file import load_plumbline

    plumbline = load_plumbline("plumbline")
    prepare_judge(plumbline, JudgeSettings(judge="thresholds"), encoder=fake_encoder)
    assert fake_encoder.calls == 1
    prepare_judge(load_plumbline(os.path.abspath("plumbline")),
                  JudgeSettings(judge="thresholds", min_confidence=0.9, severities={"drift": "error"},
                                story_threshold=0.7), encoder=fake_encoder)
    assert fake_encoder.calls == 1  # read from the disk cache
    # through the command line, with settings from a config file, each run embeds only its sentences
    write(project, "plumbline.toml", 'plumbline = "plumbline"\njudge = "thresholds"\nstory_threshold = 0.3\n'
                                     '[severities]\ndrift = "info"\n')
    run_check("templates/good.txt")
    assert fake_encoder.calls == 2
    write(project, "plumbline.toml", 'plumbline = "./plumbline/"\njudge = "thresholds"\nmin_confidence = 0.5\n')
    run_check("templates/good.txt")
    assert fake_encoder.calls == 3
    run_check("templates/good.txt", "--no-cache")
    assert fake_encoder.calls == 5  # without the cache the plumb line is embedded again


TOUCHES = """timestamp,contact,channel,team,sender
2024-05-06T09:00:00+00:00,ana@acme.com,email,sales,rep1@vendor.com
2024-05-07T09:00:00+00:00,ana@acme.com,call,sales,rep1@vendor.com
2024-05-08T09:00:00+00:00,ana@acme.com,sms,sales,rep1@vendor.com
2024-05-09T09:00:00+00:00,ana@acme.com,linkedin,sales,rep1@vendor.com
2024-05-12T09:00:00+00:00,ana@acme.com,meeting,sales,rep1@vendor.com
"""


def test_contacts_reads_its_table_from_the_discovered_config(project):
    """The [contacts] table is passed through untouched to `plumbline contacts`, which validates it."""
    from click.testing import CliRunner

    from plumbline.cli import main

    log = write(project, "touches.csv", TOUCHES)
    assert CliRunner().invoke(main, ["contacts", log]).exit_code == 1  # 5 touches in 7 days: over the default 4
    write(project, "plumbline.toml", 'plumbline = "plumbline"\nfail_on = "error"\n[contacts]\nmax_touches = 5\n')
    assert CliRunner().invoke(main, ["contacts", log, "--fail-on", "warning"]).exit_code == 0
    write(project, "plumbline.toml", '[contacts]\nmax_touchez = 5\n')
    result = CliRunner().invoke(main, ["contacts", log])
    assert result.exit_code == 2 and "contacts.max_touchez" in result.output


def test_a_repository_wide_run_never_judges_the_plumb_line(project):
    result = run_check(".", "--format", "json")
    paths = [f["path"] for f in json.loads(result.stdout)["files"]]
    assert sorted(paths) == [os.path.join(".", "templates", "drift.txt"), os.path.join(".", "templates", "good.txt")]
    named = run_check("plumbline/filing-risk.md", "templates/good.txt", "--format", "json")
    assert [f["path"] for f in json.loads(named.stdout)["files"]] == ["templates/good.txt"]

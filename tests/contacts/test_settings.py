"""ContactSettings: unknown keys and wrong types are errors that name the key; flags merge over files."""
from __future__ import annotations

from datetime import timedelta

import pytest

from plumbline.contacts.settings import ContactSettings, format_duration, parse_duration
from plumbline.model import ConfigError


def test_defaults_are_documented_values():
    s = ContactSettings()
    assert (s.window, s.max_touches, s.max_touches_per_channel) == (timedelta(days=7), 4, 3)
    assert (s.account_window, s.account_max_senders, s.account_max_touches) == (timedelta(days=7), 3, 20)
    assert s.collision_gap == timedelta(hours=24)
    assert (s.repeat_window, s.repeat_similarity) == (timedelta(days=30), 0.9)
    assert s.columns.timestamp == "timestamp" and s.columns.contact == "contact"


def test_from_mapping_reads_every_kind_of_value():
    s = ContactSettings.from_mapping({
        "window": "10d", "max_touches": 6, "repeat_similarity": 0.8, "timezone": "Europe/Paris",
        "sales_teams": ["Sales", "SDR"], "columns": {"contact": "Email"}, "severity": {"over-contact": "error"},
    }, "x.toml")
    assert s.window == timedelta(days=10) and s.max_touches == 6 and s.repeat_similarity == 0.8
    assert s.sales_teams == ("sales", "sdr") and s.columns.contact == "Email" and s.columns.timestamp == "timestamp"
    assert s.severity_of("over-contact", "warning") == "error"


@pytest.mark.parametrize("data, named", [
    ({"max_touchez": 4}, "contacts.max_touchez"),
    ({"max_touches": "five"}, "contacts.max_touches"),
    ({"max_touches": 0}, "contacts.max_touches"),
    ({"max_touches": True}, "contacts.max_touches"),
    ({"window": 7}, "contacts.window"),
    ({"window": "7 days"}, "contacts.window"),
    ({"repeat_similarity": 1.5}, "contacts.repeat_similarity"),
    ({"timezone": 3}, "contacts.timezone"),
    ({"sales_teams": "sales"}, "contacts.sales_teams"),
    ({"columns": {"contakt": "Email"}}, "contacts.columns.contakt"),
    ({"columns": {"contact": ""}}, "contacts.columns.contact"),
    ({"columns": "Email"}, "contacts.columns"),
    ({"severity": {"over-contacts": "error"}}, "contacts.severity.over-contacts"),
    ({"severity": {"over-contact": "loud"}}, "contacts.severity.over-contact"),
])
def test_bad_values_are_config_errors_naming_the_key(data, named):
    with pytest.raises(ConfigError) as err:
        ContactSettings.from_mapping(data, "plumbline.toml")
    assert named in str(err.value) and "plumbline.toml" in str(err.value)


def test_merged_puts_flags_over_the_file_key_by_key():
    base = ContactSettings.from_mapping({"max_touches": 6, "columns": {"contact": "Email"}}, "f.toml")
    merged = base.merged({"window": "3d", "columns": {"timestamp": "When"}}, "--set")
    assert merged.max_touches == 6 and merged.window == timedelta(days=3)
    assert (merged.columns.contact, merged.columns.timestamp) == ("Email", "When")


def test_off_disables_a_rule():
    s = ContactSettings.from_mapping({"severity": {"repeat-pitch": "off"}}, "f.toml")
    assert not s.enabled("repeat-pitch") and s.enabled("over-contact")


def test_durations_round_trip():
    assert parse_duration("90m", "k") == timedelta(minutes=90)
    assert parse_duration("2w", "k") == timedelta(days=14)
    assert [format_duration(parse_duration(v, "k")) for v in ("7d", "24h", "36h", "90m")] == ["7d", "24h", "36h", "90m"]


def test_a_bad_timezone_is_a_config_error(tmp_path):
    from plumbline.contacts import check_contacts

    log = tmp_path / "log.csv"
    log.write_text("timestamp,contact\n2024-05-01T00:00:00Z,a@b.com\n")
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        check_contacts([str(log)], ContactSettings(timezone="Mars/Olympus"))

"""`plumbline contacts`: find prospects contacted too often, by too many people, after opting out."""
from __future__ import annotations

import sys

import click

from plumbline.cli.options import config_option, output_options, write_report
from plumbline.decide import EXIT_USAGE


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@config_option  # the [contacts] table of plumbline.toml, or [tool.plumbline.contacts] in pyproject.toml
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override one setting, over --config (repeatable): --set max_touches=5 --set window=10d "
                   "--set columns.contact=Email.")
@click.option("--timezone", "display_timezone", metavar="ZONE",
              help="Show every time in this zone (IANA name like America/Chicago, or UTC). "
                   "[default: as the log wrote each time; times without an offset in the `timezone` setting]")
@output_options
def contacts(paths, config, overrides, display_timezone, fmt, output, fail_on):
    """Check touch logs in PATHS (CSV, JSONL, .eml, .mbox files or directories) for over-contact,
    account saturation, marketing/sales collisions, repeated pitches and touches after opt-out.

    Exit code: 0 no finding at or above --fail-on, 1 findings, 2 usage or config error, or no
    input could be read."""
    from plumbline.contacts import check_contacts
    from plumbline.decide import exit_code
    from plumbline.model import ConfigError

    try:
        settings = load_settings(config, overrides)
        if display_timezone is not None:
            settings = settings.merged({"display_timezone": display_timezone}, "--timezone")
        report = check_contacts(paths, settings)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    write_report(report, fmt, output)
    if report.files and all(result.error for result in report.files):
        click.echo("error: no input could be read as a touch log", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(exit_code(report, fail_on))


def load_settings(config, overrides: tuple[str, ...]):
    """File values first (the [contacts] table of the config file), then --set values on top;
    both validated by ContactSettings."""
    from plumbline.contacts.settings import ContactSettings

    settings = ContactSettings()
    if config.contacts:
        settings = ContactSettings.from_mapping(config.contacts, f"{config.source} [contacts]")
    if overrides:
        settings = settings.merged(parse_overrides(overrides), "--set")
    return settings


def parse_overrides(overrides: tuple[str, ...]) -> dict:
    """KEY=VALUE pairs; VALUE is read as TOML (5, 0.8, "7d", ["a", "b"]) or else taken as text."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    from plumbline.model import ConfigError

    out: dict = {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        table, dot, name = key.partition(".")
        if dot:
            if not isinstance(out.get(table), dict):
                out[table] = {}
            out[table][name] = value
        else:
            out[key] = value
    return out

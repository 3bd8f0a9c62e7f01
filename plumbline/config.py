"""plumbline.toml, or [tool.plumbline] in pyproject.toml: found, read and validated here.

The file is found by walking up from the working directory to the repository root (the first
directory holding .git or .hg); in each directory `plumbline.toml` wins over `pyproject.toml`,
and a pyproject.toml without [tool.plumbline] is passed over. Every value is checked here, so a
misspelt key or a wrong type stops the run with one line that names the key and the file.
Relative paths in the file are relative to the file's directory. The command line turns the
values into click defaults (`plumbline.cli.options.config_option`), so a flag always wins.

The [contacts] table belongs to `plumbline contacts`; it is kept as written and validated by
the contacts settings, not here.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping

from plumbline.model import SEVERITIES, ConfigError

CONFIG_FILE = "plumbline.toml"
PYPROJECT = "pyproject.toml"
ROOT_MARKERS = (".git", ".hg")


@dataclass(frozen=True)
class Config:
    """Settings from a config file; None or empty means "not set: use the command's default"."""

    source: str | None = None  # the file these came from
    plumbline: str | None = None
    reps: tuple[str, ...] = ()
    rep_pattern: str | None = None
    rep_domains: tuple[str, ...] = ()
    strict: bool | None = None
    encoding: str | None = None
    export_columns: tuple[str, ...] = ()  # "field=column" for CRM email exports, as --export-column takes them
    severities: Mapping[str, str] = field(default_factory=dict)
    min_confidence: float | None = None
    judge: str | None = None
    judge_model: str | None = None
    story_threshold: float | None = None
    avoid_threshold: float | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: str | None = None
    fail_on_unreadable: bool | None = None
    format: str | None = None
    model: str | None = None
    backend: str | None = None
    device: str | None = None
    max_bytes: int | None = None
    baseline: str | None = None
    contacts: Mapping[str, Any] = field(default_factory=dict)
    min_stories: int | None = None  # every message tells at least this many stories
    require: tuple = ()  # plumbline.judge.require.Requirement, one per [[require]] table

    def requirements(self) -> tuple:
        """[[require]] tables, then `min_stories` as a requirement on every message."""
        from plumbline.judge.require import Requirement

        every = (Requirement("*", (), self.min_stories, os.path.dirname(self.source or "")),) if self.min_stories else ()
        return tuple(self.require) + every

    def flag_values(self) -> dict[str, Any]:
        """The values set in the file that a command-line flag of the same name can override."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in NOT_FLAGS and value is not None and value != ():
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


NOT_FLAGS = {"source", "severities", "contacts", "min_stories", "require"}


def _string(key, value, ctx):
    if not isinstance(value, str) or not value.strip():
        raise ctx.error(key, f"must be a non-empty string, got {_show(value)}")
    return value


def _path(key, value, ctx):
    return ctx.resolve(_string(key, value, ctx))


def _model(key, value, ctx):
    value = _string(key, value, ctx)
    resolved = ctx.resolve(value)
    return resolved if os.path.exists(resolved) else value  # a directory, or a model name


def _strings(key, value, ctx):
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ctx.error(key, f"must be a list of non-empty strings, got {_show(value)}")
    return tuple(value)


def _number(low: float, high: float):
    def check(key, value, ctx):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ctx.error(key, f"must be a number from {low:g} to {high:g}, got {_show(value)}")
        return float(value)

    return check


def _bool(key, value, ctx):
    if not isinstance(value, bool):
        raise ctx.error(key, f"must be true or false, got {_show(value)}")
    return value


def _positive_int(key, value, ctx):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ctx.error(key, f"must be a positive integer (bytes), got {_show(value)}")
    return value


def _choice(choices: Callable[[], tuple[str, ...]]):
    def check(key, value, ctx):
        allowed = choices()
        if value not in allowed:
            raise ctx.error(key, f"must be one of {', '.join(allowed)}, got {_show(value)}")
        return value

    return check


def _pattern(key, value, ctx):
    value = _string(key, value, ctx)
    try:
        re.compile(value)
    except re.error as exc:
        raise ctx.error(key, f"is not a valid regular expression ({exc})") from None
    return value


def _domains(key, value, ctx):
    domains = tuple(d.strip().lstrip("@").casefold() for d in _strings(key, value, ctx))
    for domain in domains:
        if "@" in domain or " " in domain or "." not in domain:
            raise ctx.error(key, f"must list mail domains like \"northwind.com\", got {_show(domain)}")
    return domains


def _encoding(key, value, ctx):
    from plumbline.formats.encoding import valid_encoding

    try:
        return valid_encoding(_string(key, value, ctx))
    except ValueError as exc:
        raise ctx.error(key, str(exc)) from None


def _export_columns(key, value, ctx):
    from plumbline.formats.export_columns import validate

    if not isinstance(value, dict):
        raise ctx.error(key, f"must be a table of field = \"column name\", got {_show(value)}")
    try:
        return tuple(f"{field}={column}" for field, column in validate(value, f"{ctx.where}: key '{key}'"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _severities(key, value, ctx):
    from plumbline.rules import message_rule_ids, rule_ids

    if not isinstance(value, dict):
        raise ctx.error(key, f"must be a table of rule = severity, got {_show(value)}")
    known = message_rule_ids()
    for rule, severity in value.items():
        if rule in rule_ids() and rule not in known:
            raise ctx.error(f"{key}.{rule}", "is a contact rule: set it in [contacts] severity")
        if rule not in known:
            raise ctx.error(f"{key}.{rule}", f"is not a rule (rules are {', '.join(known)})")
        if severity not in SEVERITIES:
            raise ctx.error(f"{key}.{rule}", f"must be one of {', '.join(SEVERITIES)}, got {_show(severity)}")
    return dict(value)


def _count(key, value, ctx):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ctx.error(key, f"must be a whole number, 0 or more, got {_show(value)}")
    return value


REQUIRE_KEYS = ("glob", "stories", "min_stories")


def _require(key, value, ctx):
    """[[require]] tables: glob (required), stories (story ids), min_stories (default 1)."""
    from plumbline.judge.require import Requirement

    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ctx.error(key, "must be [[require]] tables")
    out = []
    for n, table in enumerate(value, start=1):
        where = f"{key}[{n}]"
        unknown = sorted(set(table) - set(REQUIRE_KEYS))
        if unknown:
            raise ctx.error(f"{where}.{unknown[0]}", f"is not a [[require]] key (keys are {', '.join(REQUIRE_KEYS)})")
        if "glob" not in table:
            raise ctx.error(where, "needs a glob (which messages it applies to)")
        glob = _string(f"{where}.glob", table["glob"], ctx)
        stories = _strings(f"{where}.stories", table["stories"], ctx) if "stories" in table else ()
        count = _count(f"{where}.min_stories", table.get("min_stories", 1), ctx)
        if stories and count > len(stories):
            raise ctx.error(f"{where}.min_stories", f"is {count}, but only {len(stories)} stories are listed")
        out.append(Requirement(glob, stories, count, ctx.directory))
    return tuple(out)


def _table(key, value, ctx):
    if not isinstance(value, dict):
        raise ctx.error(key, f"must be a table, got {_show(value)}")
    return value


def _formats():
    from plumbline.report import available_formats

    return tuple(available_formats())


def _fail_on():
    from plumbline.decide import FAIL_ON_CHOICES

    return FAIL_ON_CHOICES


def _judges():
    return ("model", "thresholds")


def _backends():
    from plumbline.embed import BACKENDS

    return BACKENDS


def _devices():
    from plumbline.embed.device import DEVICES

    return DEVICES


CHECKS: dict[str, Callable] = {
    "plumbline": _path,
    "reps": _strings,
    "rep_pattern": _pattern,
    "rep_domains": _domains,
    "strict": _bool,
    "encoding": _encoding,
    "export_columns": _export_columns,
    "severities": _severities,
    "min_confidence": _number(0, 1),
    "judge": _choice(_judges),
    "judge_model": _path,
    "story_threshold": _number(-1, 1),
    "avoid_threshold": _number(-1, 1),
    "include": _strings,
    "exclude": _strings,
    "fail_on": _choice(_fail_on),
    "fail_on_unreadable": _bool,
    "format": _choice(_formats),
    "model": _model,
    "backend": _choice(_backends),
    "device": _choice(_devices),
    "max_bytes": _positive_int,
    "baseline": _path,
    "contacts": _table,
    "min_stories": _count,
    "require": _require,
}


@dataclass(frozen=True)
class _Reading:
    """Where the values come from, for error messages and relative paths."""

    where: str  # "plumbline.toml" or "pyproject.toml [tool.plumbline]", as shown to the user
    directory: str

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: key '{key}' {problem}")

    def resolve(self, path: str) -> str:
        return os.path.normpath(os.path.join(self.directory, os.path.expanduser(path)))


def parse(table: Mapping[str, Any], source: str, where: str | None = None) -> Config:
    """Validate one table of settings (the whole plumbline.toml, or [tool.plumbline])."""
    reading = _Reading(where or source, os.path.dirname(os.path.abspath(source)))
    values = {}
    for key, value in table.items():
        if key not in CHECKS:
            raise ConfigError(f"{reading.where}: unknown key '{key}' (keys are {', '.join(sorted(CHECKS))})")
        values[key] = CHECKS[key](key, value, reading)
    return Config(source=source, **values)


def load_config(path: str) -> Config:
    """Read a config file named on the command line (plumbline.toml or pyproject.toml)."""
    data = _read_toml(path)
    if os.path.basename(path) == PYPROJECT:
        tool = data.get("tool")
        table = tool.get("plumbline") if isinstance(tool, dict) else None
        if table is None:
            raise ConfigError(f"{path}: has no [tool.plumbline] table")
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.plumbline] must be a table")
        return parse(table, path, f"{path} [tool.plumbline]")
    return parse(data, path)


def find_config(start: str | None = None) -> Config:
    """The nearest config file above `start` (default: the working directory), or an empty Config."""
    directory = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(directory, CONFIG_FILE)
        if os.path.isfile(candidate):
            return load_config(candidate)
        candidate = os.path.join(directory, PYPROJECT)
        if os.path.isfile(candidate):
            data = _read_toml(candidate)
            if isinstance(data.get("tool"), dict) and "plumbline" in data["tool"]:
                return load_config(candidate)
        parent = os.path.dirname(directory)
        if parent == directory or any(os.path.exists(os.path.join(directory, m)) for m in ROOT_MARKERS):
            return Config()
        directory = parent


def _read_toml(path: str) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({str(exc).splitlines()[0]})") from None


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

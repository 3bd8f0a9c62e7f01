"""Flags shared by several commands, declared once."""
from __future__ import annotations

import click


_INPUT = "plumbline.input"  # ctx.meta key: input settings that commands read through load_options


def _remember(ctx, param, value):
    ctx.meta.setdefault(_INPUT, {})[param.name] = value
    return value


def input_options(func):
    """How inputs are read: which speakers and senders are reps, encoding, file size limit.

    --rep-domain, --strict, --encoding and --export-column reach the command through `load_options` and
    `strict_reps`, not as parameters, so a new input setting does not change every command's
    signature."""
    # applied last to first, so --help lists --rep first and --max-bytes last
    func = click.option("--max-bytes", type=click.IntRange(min=1), default=None, help="Skip (and report) files larger than this. [default: 20 MiB]")(func)
    func = click.option("--export-column", "export_columns", multiple=True, metavar="FIELD=NAME", expose_value=False,
                        callback=_remember, help="In CRM email exports (.csv, .jsonl), the column holding FIELD: body, html_body, "
                                                 "sender, sender_name, recipient, date, subject, id (repeatable). [default: guessed from the header]")(func)
    func = click.option("--encoding", metavar="CODEC", expose_value=False, callback=_remember,
                        help="Read text inputs in this encoding (e.g. cp1252). [default: UTF-8, else detected]")(func)
    func = click.option("--strict", is_flag=True, expose_value=False, callback=_remember,
                        help="Fail (exit 2) when a --rep, --rep-pattern or --rep-domain matches no speaker or sender in the run, instead of warning.")(func)
    func = click.option("--rep-domain", "rep_domains", multiple=True, metavar="DOMAIN", expose_value=False, callback=_remember,
                        help="Mail sent from this domain (or a subdomain) is a rep's (repeatable); mail from anyone else is not judged.")(func)
    func = click.option("--rep-pattern", metavar="REGEX", help="Judge the turns of speakers whose name matches this regular expression.")(func)
    func = click.option("--rep", "reps", multiple=True, metavar="NAME", help="A speaker or email sender whose words are judged (repeatable). Full or first name, any case.")(func)
    return func


def load_options(reps, rep_pattern, max_bytes):
    import re

    from plumbline.formats import DEFAULT_MAX_BYTES, LoadOptions
    from plumbline.formats.encoding import valid_encoding

    if rep_pattern:
        try:
            re.compile(rep_pattern)
        except re.error as exc:
            raise click.BadParameter(f"not a valid regular expression: {exc}", param_hint="--rep-pattern")
    meta = click.get_current_context().meta.get(_INPUT, {})
    encoding = meta.get("encoding")
    if encoding:
        try:
            encoding = valid_encoding(encoding)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--encoding")
    domains = tuple(_domain(d) for d in meta.get("rep_domains") or ())
    return LoadOptions(reps=tuple(reps), rep_pattern=rep_pattern, max_bytes=max_bytes or DEFAULT_MAX_BYTES,
                       encoding=encoding, rep_domains=domains, columns=_columns(meta.get("export_columns") or ()))


def _columns(values) -> tuple[tuple[str, str], ...]:
    from plumbline.formats.export_columns import validate

    pairs = {}
    for value in values:
        field, sep, column = value.partition("=")
        if not sep:
            raise click.BadParameter(f"expected FIELD=NAME, got {value!r}", param_hint="--export-column")
        pairs[field.strip()] = column.strip()
    try:
        return validate(pairs, "--export-column")
    except ValueError as exc:
        raise click.BadParameter(str(exc).removeprefix("--export-column: "), param_hint="--export-column")


def _domain(value: str) -> str:
    domain = value.strip().lstrip("@").casefold()
    if not domain or "@" in domain or " " in domain or "." not in domain:
        raise click.BadParameter(f"not a mail domain: {value!r} (expected like northwind.com)", param_hint="--rep-domain")
    return domain


def strict_reps() -> bool:
    return bool(click.get_current_context().meta.get(_INPUT, {}).get("strict"))


def report_reps(tracker) -> None:
    """Say on stderr what the run's RepTracker found; under --strict a selector that named nobody
    ends the run with exit 2 (after the report is written)."""
    from plumbline.decide import EXIT_USAGE

    for line in tracker.notes():
        click.echo(f"note: {line}", err=True)
    problems = tracker.problems()
    for line in problems:
        click.echo(f"{'error' if strict_reps() else 'warning'}: {line}", err=True)
    if problems and strict_reps():
        raise SystemExit(EXIT_USAGE)


def output_options(func):
    """Where and how the report is written, and which findings fail the run."""
    from plumbline.decide import FAIL_ON_CHOICES
    from plumbline.report import available_formats

    func = click.option("--format", "fmt", type=click.Choice(available_formats()), default="text", show_default=True, help="Output format.")(func)
    func = click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None, help="Write the report to FILE instead of standard output.")(func)
    func = click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), default="warning", show_default=True, help="Exit 1 when a finding has at least this severity.")(func)
    return func


def write_report(report, fmt: str, output: str | None) -> None:
    from plumbline.report import render

    if output:
        with open(output, "w", encoding="utf-8", newline="\n") as out:
            render(report, fmt, out)
    else:
        import sys

        render(report, fmt, sys.stdout)
        sys.stdout.flush()


# Config keys whose command-line parameter has another name; every other key is its own name.
CONFIG_PARAMS = {"plumbline": "plumbline_path", "format": "fmt", "judge": "judge_kind", "model": "model_name"}


def config_option(func):
    """`--config FILE`, eager: read FILE, or the nearest plumbline.toml / [tool.plumbline], and make
    its values this command's defaults, so a flag on the command line still wins. The command
    receives the validated `plumbline.config.Config` as `config`."""
    return click.option(
        "--config", "config", metavar="FILE", is_eager=True, callback=_load_config,
        help="Settings file (plumbline.toml, or pyproject.toml with [tool.plumbline]). "
             "[default: the nearest one above the working directory, up to the repository root]",
    )(func)


def _load_config(ctx, param, value):
    from plumbline.config import find_config, load_config
    from plumbline.decide import EXIT_USAGE
    from plumbline.model import ConfigError

    try:
        config = load_config(value) if value else find_config()
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(EXIT_USAGE)
    names = {p.name for p in ctx.command.params}
    defaults = {CONFIG_PARAMS.get(key, key): v for key, v in config.flag_values().items()}
    ctx.default_map = {**(ctx.default_map or {}), **{k: v for k, v in defaults.items() if k in names}}
    return config


def selection_options(func):
    """Which files under a directory argument are read (files named directly always are)."""
    func = click.option("--include", multiple=True, metavar="GLOB", help="Only read files under a directory that match GLOB (path or file name; repeatable).")(func)
    func = click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files under a directory that match GLOB (path or file name; repeatable).")(func)
    return func


def judge_options(func):
    """Which judge, embedding model and runtime; shared by check and audit."""
    from plumbline.embed import BACKENDS, DEVICES

    options = [
        click.option("--judge", "judge_kind", type=click.Choice(["model", "thresholds"]), default="model", show_default=True, help="The trained judge, or plain cosine thresholds."),
        click.option("--judge-model", metavar="FILE", help="A judge trained with `plumbline train` (default: the bundled models/judge.json)."),
        click.option("--story-threshold", type=float, default=0.45, show_default=True, help="Thresholds judge: aligned at or above this cosine similarity."),
        click.option("--avoid-threshold", type=float, default=0.55, show_default=True, help="Thresholds judge: off-message at or above this cosine similarity."),
        click.option("--model", "model_name", metavar="NAME|DIR", help="Sentence-transformers model (local directory or locally cached name). [default: all-MiniLM-L6-v2, bundled]"),
        click.option("--backend", type=click.Choice(BACKENDS), default="torch", show_default=True, help="Embedding runtime."),
        click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True, help="Where the torch runtimes embed: a CUDA GPU when there is one (auto), the CPU, or a GPU (cuda: an error without one). The ONNX backends run on the CPU."),
        click.option("--no-cache", is_flag=True, help="Do not read or write the plumb-line embedding cache."),
    ]
    for option in reversed(options):
        func = option(func)
    return func

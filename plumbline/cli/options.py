"""Flags shared by several commands, declared once."""
from __future__ import annotations

import click


def input_options(func):
    """How inputs are read: which speakers are reps, file size limit."""
    func = click.option("--rep", "reps", multiple=True, metavar="NAME", help="A speaker whose turns are judged (repeatable). Full or first name, any case.")(func)
    func = click.option("--rep-pattern", metavar="REGEX", help="Judge the turns of speakers whose name matches this regular expression.")(func)
    func = click.option("--max-bytes", type=click.IntRange(min=1), default=None, help="Skip (and report) files larger than this. [default: 20 MiB]")(func)
    return func


def load_options(reps, rep_pattern, max_bytes):
    import re

    from plumbline.formats import DEFAULT_MAX_BYTES, LoadOptions

    if rep_pattern:
        try:
            re.compile(rep_pattern)
        except re.error as exc:
            raise click.BadParameter(f"not a valid regular expression: {exc}", param_hint="--rep-pattern")
    return LoadOptions(reps=tuple(reps), rep_pattern=rep_pattern, max_bytes=max_bytes or DEFAULT_MAX_BYTES)

"""`plumbline segment`: show exactly which sentences would be judged, as a labelling template."""
from __future__ import annotations

import sys

import click

from plumbline.cli.options import input_options, load_options, report_reps


@click.command()
@click.argument("paths", nargs=-1, required=True)
@input_options
def segment(paths, reps, rep_pattern, max_bytes):
    """Print the sentences of PATHS as `line<TAB>label<TAB>story<TAB>text` rows (labels empty).

    Prospect turns are listed with the label `prospect` so a labelled file accounts for every line."""
    from plumbline.formats import expand_paths, load_path
    from plumbline.model import InputError
    from plumbline.segment import segment_messages, text_units

    from plumbline.formats.reps import RepTracker

    options = load_options(reps, rep_pattern, max_bytes)
    tracker = RepTracker(options)
    failed = False
    for path in expand_paths(paths):
        try:
            messages = load_path(path, options)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        tracker.add(messages)
        if len(list(expand_paths(paths))) > 1:
            click.echo(f"# {path}")
        click.echo("line\tlabel\tstory\ttext")
        rows = [(s.line, "", s.text) for s in segment_messages(messages)]
        for message in messages:
            for block in message.blocks:
                if block.speaker is not None and not block.judged:
                    for start, unit in text_units(block.text):
                        rows.append((block.source_line(block.text.count("\n", 0, start)), "prospect", " ".join(unit.split())))
        for line, label, text in sorted(rows, key=lambda r: r[0]):
            click.echo(f"{line}\t{label}\t\t{text}")
    report_reps(tracker)
    sys.exit(1 if failed else 0)

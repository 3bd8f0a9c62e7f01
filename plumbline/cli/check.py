"""`plumbline check`: judge files against a plumb line, print findings, set the exit code."""
from __future__ import annotations

import sys

import click

from plumbline.cli.options import (config_option, input_options, judge_options, load_options, output_options,
                                   report_reps, selection_options, write_report)
from plumbline.decide import EXIT_USAGE, FAIL_ON_UNREADABLE


@click.command()
@click.argument("paths", nargs=-1, required=True)
@config_option
@click.option("--plumbline", "plumbline_path", required=True, metavar="DIR", help="The plumb line: a directory of Markdown stories.")
@input_options
@selection_options
@output_options
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True, help="Report drift/off-message only at or above this calibrated probability.")
@judge_options
@click.option("--baseline", metavar="FILE", type=click.Path(dir_okay=False), help="Report only findings that are not in this baseline (written by --write-baseline).")
@click.option("--write-baseline", metavar="FILE", type=click.Path(dir_okay=False), help="Record today's findings in FILE as the baseline, and pass.")
@click.option("--fail-on-unreadable/--no-fail-on-unreadable", default=FAIL_ON_UNREADABLE, show_default=True,
              help="Exit 1 when an input could not be read or judged (binary, not UTF-8, too large, malformed, "
                   "a transcript without a matching --rep), even with no finding.")
@click.option("--redact", is_flag=True, help="Mask email addresses, phone numbers and people's names in the report (for sharing outside the team).")
def check(paths, config, plumbline_path, reps, rep_pattern, max_bytes, include, exclude, fmt, output, fail_on,
          min_confidence, judge_kind, judge_model, story_threshold, avoid_threshold, model_name, backend, device,
          no_cache, baseline, write_baseline, fail_on_unreadable, redact):
    """Judge every sentence a rep says in PATHS (files, directories, or - for stdin).

    Settings come from plumbline.toml or [tool.plumbline] in pyproject.toml (see --config);
    flags override them. Exit code: 0 no finding at or above --fail-on, 1 findings (or an
    unreadable input, unless --no-fail-on-unreadable), 2 usage, config, baseline,
    suppression-comment, plumb-line or model error."""
    from plumbline.baseline import load as load_baseline
    from plumbline.decide import exit_code
    from plumbline.embed import ModelError
    from plumbline.formats.reps import RepTracker
    from plumbline.judge import JudgeSettings
    from plumbline.judge.classifier import JudgeModelError, load
    from plumbline.model import ConfigError, PlumbLineError, Report
    from plumbline.pipeline import input_files, iter_results, prepare_judge
    from plumbline.plumbline_file import load_plumbline

    options = load_options(reps, rep_pattern, max_bytes)
    settings = JudgeSettings(judge=judge_kind, min_confidence=min_confidence, severities=dict(config.severities),
                             story_threshold=story_threshold, avoid_threshold=avoid_threshold,
                             requirements=config.requirements())
    try:
        known = load_baseline(baseline) if baseline and not write_baseline else None
        plumbline = load_plumbline(plumbline_path)
        if settings.requirements:
            from plumbline.judge.require import check_known

            check_known(settings.requirements, plumbline)
        trained = load(judge_model) if judge_model else None
        judge = prepare_judge(plumbline, settings, model_name=model_name, backend=backend, device=device,
                              judge_model=trained, use_cache=not no_cache)
        stdin = sys.stdin.buffer.read(options.max_bytes + 1) if "-" in paths else None  # over the limit: reported
        inputs = input_files(paths, include, exclude, plumbline_path)
        tracker = RepTracker(options)
        speakers: dict[str, None] = {}  # everyone who speaks in a transcript, rep or not: names for --redact

        def loaded(messages):
            tracker.add(messages)
            if redact:
                speakers.update((b.speaker, None) for m in messages for b in m.blocks if b.speaker)

        report = Report(plumbline=plumbline, files=tuple(iter_results(judge, inputs, options, stdin_bytes=stdin,
                                                                      on_loaded=loaded)), tool="check")
    except (ConfigError, PlumbLineError, ModelError, JudgeModelError) as exc:
        _usage_error(exc)
    report = _apply_baseline(report, known, write_baseline)
    if redact:
        from plumbline.redact import redact_report

        write_report(redact_report(report, names=(*options.reps, *speakers)), fmt, output)
    else:
        write_report(report, fmt, output)
    report_reps(tracker)
    sys.exit(exit_code(report, fail_on, fail_on_unreadable))


def _apply_baseline(report, known, write_to):
    from plumbline.baseline import write
    from plumbline.decide import apply_baseline

    if write_to:
        try:
            known = write(report, write_to)
        except OSError as exc:
            _usage_error(f"baseline {write_to}: cannot write: {exc.strerror or exc}")
        click.echo(f"wrote {sum(known.values())} finding(s) to baseline {write_to}", err=True)
    return apply_baseline(report, known) if known else report


def _usage_error(problem) -> None:
    click.echo(f"error: {problem}", err=True)
    sys.exit(EXIT_USAGE)

"""`plumbline lint-plumbline`: check a plumb line the way `check` checks messages, so it can
run in CI on the repository where marketing keeps the plumb line."""
from __future__ import annotations

import sys

import click

from plumbline.cli.options import config_option, input_options, load_options, output_options, write_report
from plumbline.decide import EXIT_USAGE


@click.command("lint-plumbline")
@click.argument("plumbline_path", metavar="DIR")
@config_option
@click.option("--messages", multiple=True, metavar="PATH",
              help="Messages to judge (repeatable): stories none of them tells are reported.")
@input_options
@output_options
@click.option("--model", "model_name", metavar="NAME|DIR", help="Sentence-transformers model. [default: all-MiniLM-L6-v2, bundled]")
@click.option("--backend", type=click.Choice(["torch", "onnx", "onnx-int8"]), default="torch", show_default=True, help="Embedding runtime.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the embedding cache.")
def lint_plumbline(plumbline_path, config, messages, reps, rep_pattern, max_bytes, fmt, output, fail_on, model_name,
                   backend, no_cache):
    """Check the plumb line in DIR before it ships: stories too close to tell apart, avoid
    examples that read as a story, stories too short to match paraphrases, no brand entry, and
    (with --messages) stories no message tells.

    Exit code: 0 no finding at or above --fail-on, 1 findings, 2 usage, config, plumb-line or
    model error."""
    from plumbline.decide import exit_code
    from plumbline.embed import ModelError
    from plumbline.judge import JudgeSettings
    from plumbline.lint import LintSettings, lint_plumbline as lint
    from plumbline.model import ConfigError, PlumbLineError
    from plumbline.pipeline import iter_results, prepare_judge
    from plumbline.plumbline_file import load_plumbline

    try:
        plumbline = load_plumbline(plumbline_path)
        judge = prepare_judge(plumbline, JudgeSettings(judge="model" if messages else "thresholds",
                                                       severities=dict(config.severities)),
                              model_name=model_name, backend=backend, use_cache=not no_cache)
        coverage, judged = None, 0
        if messages:
            from plumbline.formats import expand_paths

            coverage = {}
            for result in iter_results(judge, expand_paths(messages), load_options(reps, rep_pattern, max_bytes)):
                judged += result.messages
                for story in result.coverage:
                    coverage[story] = coverage.get(story, 0) + 1
        report = lint(plumbline, judge.index, LintSettings(dict(config.severities)), coverage, judged)
    except (ConfigError, PlumbLineError, ModelError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    write_report(report, fmt, output)
    sys.exit(exit_code(report, fail_on))

"""`plumbline check`: judge files against a plumb line, print findings, set the exit code."""
from __future__ import annotations

import sys

import click

from plumbline.cli.options import input_options, load_options, output_options, write_report
from plumbline.decide import EXIT_USAGE
from plumbline.embed import BACKENDS


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--plumbline", "plumbline_path", required=True, metavar="DIR", help="The plumb line: a directory of Markdown stories.")
@input_options
@output_options
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True, help="Report drift/off-message only at or above this calibrated probability.")
@click.option("--judge", "judge_kind", type=click.Choice(["model", "thresholds"]), default="model", show_default=True, help="The trained judge, or plain cosine thresholds.")
@click.option("--judge-model", metavar="FILE", help="A judge trained with `plumbline train` (default: the bundled models/judge.json).")
@click.option("--story-threshold", type=float, default=0.45, show_default=True, help="Thresholds judge: aligned at or above this cosine similarity.")
@click.option("--avoid-threshold", type=float, default=0.55, show_default=True, help="Thresholds judge: off-message at or above this cosine similarity.")
@click.option("--model", "model_name", metavar="NAME|DIR", help="Sentence-transformers model (local directory or locally cached name). [default: all-MiniLM-L6-v2, bundled]")
@click.option("--backend", type=click.Choice(BACKENDS), default="torch", show_default=True, help="Embedding runtime.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the plumb-line embedding cache.")
def check(paths, plumbline_path, reps, rep_pattern, max_bytes, fmt, output, fail_on, min_confidence, judge_kind,
          judge_model, story_threshold, avoid_threshold, model_name, backend, no_cache):
    """Judge every sentence a rep says in PATHS (files, directories, or - for stdin).

    Exit code: 0 no finding at or above --fail-on, 1 findings, 2 usage, config,
    plumb-line or model error."""
    from plumbline.decide import exit_code
    from plumbline.embed import ModelError
    from plumbline.judge import JudgeSettings
    from plumbline.judge.classifier import JudgeModelError, load
    from plumbline.model import PlumbLineError, Report
    from plumbline.pipeline import iter_results, prepare_judge
    from plumbline.plumbline_file import load_plumbline
    from plumbline.formats import expand_paths

    options = load_options(reps, rep_pattern, max_bytes)
    settings = JudgeSettings(judge=judge_kind, min_confidence=min_confidence,
                             story_threshold=story_threshold, avoid_threshold=avoid_threshold)
    try:
        plumbline = load_plumbline(plumbline_path)
        trained = load(judge_model) if judge_model else None
        judge = prepare_judge(plumbline, settings, model_name=model_name, backend=backend, judge_model=trained,
                              use_cache=not no_cache)
    except (PlumbLineError, ModelError, JudgeModelError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    stdin = sys.stdin.buffer.read() if "-" in paths else None
    results = tuple(iter_results(judge, expand_paths(paths), options, stdin_bytes=stdin))
    report = Report(plumbline=plumbline, files=results, tool="check")
    write_report(report, fmt, output)
    sys.exit(exit_code(report, fail_on))

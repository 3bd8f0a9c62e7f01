"""`plumbline audit`: judge a whole export in batches, with a progress bar, resumable, and
write a report people read (HTML), plus CSV and JSON for spreadsheets and dashboards."""
from __future__ import annotations

import os
import sys

import click

from plumbline.cli.options import (config_option, input_options, judge_options, load_options, report_reps,
                                   selection_options)
from plumbline.decide import EXIT_USAGE

EXIT_INTERRUPTED = 130


@click.command()
@click.argument("paths", nargs=-1, required=True)
@config_option
@click.option("--plumbline", "plumbline_path", required=True, metavar="DIR", help="The plumb line: a directory of Markdown stories.")
@input_options
@selection_options
@click.option("--report", "report_path", metavar="FILE", help="Write the HTML report (one self-contained file) here.")
@click.option("--csv", "csv_path", metavar="FILE", help="Write one row per message and rep here.")
@click.option("--json", "json_path", metavar="FILE", help="Write the summary (every number of the report) here as JSON.")
@click.option("--state", "state_dir", metavar="DIR", help="Where results are saved as they come, to resume an interrupted run. [default: <first output>.audit-state/ beside it]")
@click.option("--fresh", is_flag=True, help="Ignore results saved by an earlier run and judge every file again.")
@click.option("--title", default="Plumb-line audit", show_default=True, help="Title of the HTML report.")
@click.option("--batch-files", type=click.IntRange(min=1), default=64, show_default=True, help="Files judged per batch (and saved per step).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no closing summary on stderr.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True, help="Where files are judged: this process, or a Ray cluster (the ray extra: pip install \"plumbline-sales[ray]\"; docs/audit.md).")
@click.option("--ray-address", metavar="ADDR", help="With --engine ray: join this running cluster (e.g. 10.0.0.5:6379, or auto). [default: start a local Ray instance sized to this machine]")
@judge_options
def audit(paths, config, plumbline_path, reps, rep_pattern, max_bytes, include, exclude, report_path, csv_path,
          json_path, state_dir, fresh, title, batch_files, quiet, engine, ray_address, judge_kind, judge_model,
          story_threshold, avoid_threshold, model_name, backend, device, no_cache):
    """Audit every message in PATHS (files or directories) against the plumb line.

    Results are saved as each batch is judged; run the same command again after an
    interruption and files already judged (same path, size and modification time, same
    plumb line, model and settings) are not judged again.

    Settings come from plumbline.toml or [tool.plumbline] in pyproject.toml, as for `check`
    (see --config); flags override them. Exit code: 0 report written, 2 usage, config,
    plumb-line or model error, 130 interrupted."""
    outputs = [p for p in (report_path, csv_path, json_path) if p]
    if not outputs:
        raise click.UsageError("name at least one output: --report FILE, --csv FILE or --json FILE")
    if "-" in paths:
        raise click.BadParameter("an audit reads files (it saves per-file results to resume); stdin is not supported",
                                 param_hint="PATHS")
    from plumbline.formats.reps import RepTracker

    options = load_options(reps, rep_pattern, max_bytes)
    tracker = RepTracker(options)
    _make_folders(outputs)
    state_dir = state_dir or default_state_dir(outputs[0])
    if ray_address and engine != "ray":
        raise click.BadParameter("needs --engine ray", param_hint="--ray-address")
    # With Ray the workers embed: the driver only needs a GPU if it has one (auto), not --device cuda.
    driver_device = "auto" if engine == "ray" and device == "cuda" else device
    judge, plumbline = _prepare(plumbline_path, judge_kind, judge_model, story_threshold, avoid_threshold,
                                model_name, backend, driver_device, no_cache)
    from plumbline.audit import run_audit
    from plumbline.audit.work import EngineError
    from plumbline.audit.export import CsvSink

    csv_file = open(_partial(csv_path), "w", encoding="utf-8", newline="") if csv_path else None
    progress = ProgressBar(quiet)
    try:
        with progress:
            summary = run_audit(paths, plumbline, options=options, judge=judge, state_dir=state_dir, fresh=fresh,
                                batch_files=batch_files, on_progress=progress.update, include=include, exclude=exclude,
                                sinks=[CsvSink(csv_file)] if csv_file else (), on_loaded=tracker.add, engine=engine,
                                engine_options={"address": ray_address, "device": device} if engine == "ray" else None)
    except EngineError as exc:
        _discard(csv_file, csv_path)
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        _discard(csv_file, csv_path)
        click.echo(f"interrupted: results so far are saved in {state_dir}; run the same command again to resume",
                   err=True)
        sys.exit(EXIT_INTERRUPTED)
    if csv_file:
        csv_file.close()
        os.replace(_partial(csv_path), csv_path)
    _write_outputs(summary, report_path, json_path, title)
    if not quiet:
        click.echo(closing_line(summary, outputs), err=True)
    report_reps(tracker)


def default_state_dir(output: str) -> str:
    folder, name = os.path.split(os.path.abspath(output))
    return os.path.join(folder, os.path.splitext(name)[0] + ".audit-state")


def _make_folders(outputs) -> None:
    """Create the folders the outputs go to (`--report out/audit.html` in a fresh clone), or stop
    with one line before any model loads when one cannot be made."""
    for path in outputs:
        folder = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            click.echo(f"error: {path}: cannot create the folder {folder}: {exc.strerror or exc}", err=True)
            sys.exit(EXIT_USAGE)


def _partial(path: str) -> str:
    return path + ".partial"


def _discard(csv_file, csv_path) -> None:
    if csv_file:
        csv_file.close()
        os.remove(_partial(csv_path))


def _prepare(plumbline_path, judge_kind, judge_model, story_threshold, avoid_threshold, model_name, backend, device,
             no_cache):
    from plumbline.embed import ModelError
    from plumbline.judge import JudgeSettings
    from plumbline.judge.classifier import JudgeModelError, load
    from plumbline.model import PlumbLineError
    from plumbline.pipeline import prepare_judge
    from plumbline.plumbline_file import load_plumbline

    settings = JudgeSettings(judge=judge_kind, story_threshold=story_threshold, avoid_threshold=avoid_threshold)
    try:
        plumbline = load_plumbline(plumbline_path)
        trained = load(judge_model) if judge_model else None
        judge = prepare_judge(plumbline, settings, model_name=model_name, backend=backend, device=device,
                              judge_model=trained, use_cache=not no_cache)
    except (PlumbLineError, ModelError, JudgeModelError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    return judge, plumbline


def _write_outputs(summary, report_path, json_path, title) -> None:
    from plumbline.audit.export import write_json
    from plumbline.report.html import render

    for path, write in ((report_path, lambda out: render(summary, out, title=title)),
                       (json_path, lambda out: write_json(summary, out))):
        if path:
            with open(_partial(path), "w", encoding="utf-8", newline="\n") as out:
                write(out)
            os.replace(_partial(path), path)


def closing_line(summary, outputs) -> str:
    shares = ", ".join(f"{summary.share(label):.0%} {label}" for label in ("aligned", "drift", "off-message"))
    return (f"{summary.files} file(s) ({summary.judged_files} judged, {summary.resumed_files} resumed, "
            f"{summary.errors} unreadable), {summary.messages} message(s), {summary.sentences} sentence(s): {shares}; "
            f"{undated(summary)}wrote {', '.join(outputs)}")


def undated(summary) -> str:
    if not summary.undated_messages:
        return ""
    return f"{summary.undated_messages} message(s) had no date (month from the file's modification time); "


class ProgressBar:
    """A rich progress bar on stderr: files, sentences, rate and ETA. Silent when stderr is not
    a terminal or with --quiet."""

    def __init__(self, quiet: bool):
        from rich.console import Console

        console = Console(stderr=True)
        self.enabled = not quiet and console.is_terminal
        self._progress = self._task = None
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("[bold]auditing"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                TextColumn("{task.fields[sentences]:,} sentences"), TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=console, transient=True,
            )

    def __enter__(self):
        if self._progress:
            self._progress.start()
            self._task = self._progress.add_task("audit", total=None, sentences=0, rate="")
        return self

    def __exit__(self, *exc):
        if self._progress:
            self._progress.stop()

    def update(self, p) -> None:
        if not self._progress:
            return
        task = self._progress.tasks[0]
        rate = f"{p.sentences / task.elapsed:,.0f}/s" if task.elapsed and p.sentences else ""
        self._progress.update(self._task, total=p.files_total, completed=p.files_done, sentences=p.sentences, rate=rate)

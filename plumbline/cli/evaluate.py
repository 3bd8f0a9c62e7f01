"""`plumbline eval`: the judge's quality on labelled data anyone can rerun."""
from __future__ import annotations

import json
import os
import sys

import click

from plumbline.corpus import CorpusError
from plumbline.embed import BACKENDS
from plumbline.model import InputError, PlumbLineError

CORPUS_ERRORS = (CorpusError, PlumbLineError, InputError)

ROWS = (("flagged_precision", "P", "{:.3f}"), ("flagged_recall", "R", "{:.3f}"), ("flagged_f1", "F1", "{:.3f}"),
        ("story_attribution", "story", "{:.3f}"), ("neutral_flagged", "neutral flagged", "{}"),
        ("aligned_flagged", "aligned flagged", "{}"),
        ("prospect_judged", "prospect judged", "{}"), ("ece", "ECE", "{:.3f}"), ("sentences", "sentences", "{}"),
        ("check_flagged_f1", "check F1", "{:.3f}"), ("check_neutral_flagged", "check neutral", "{}"))
# The judge's label alone is what the first columns score; `check` also flags every sentence the
# discount-language rule fires on, so the last two score what a user of `check` sees.


@click.command("eval")
@click.option("--corpus", "corpus_dir", default="corpus", show_default=True, type=click.Path(file_okay=False), help="Corpus with companies/ (leave-one-company-out) and heldout/.")
@click.option("--c", "c", type=float, default=1.0, show_default=True, help="Inverse regularisation strength of the judge.")
@click.option("--model", "model_name", metavar="NAME|DIR", help="Embedding model. [default: bundled all-MiniLM-L6-v2]")
@click.option("--backend", type=click.Choice(BACKENDS), default="torch", show_default=True, help="Embedding runtime.")
@click.option("--heldout", "heldout_dirs", multiple=True, type=click.Path(exists=True, file_okay=False), help="Folder of held-out companies to score, each in a table of its own; repeatable (e.g. corpus/heldout and a real-text set). [default: CORPUS/heldout]")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write all numbers to this JSON file.")
@click.option("--errors", "errors_out", type=click.Path(dir_okay=False), help="Write every misjudged sentence (leave-one-company-out and held-out) to this TSV file.")
def evaluate(corpus_dir, c, model_name, backend, heldout_dirs, json_out, errors_out):
    """Score the judge: leave one company out on CORPUS/companies, then train on all of them
    and score the held-out companies in CORPUS/heldout (or each --heldout folder), which
    training never reads."""
    from plumbline.embed import load_encoder
    from plumbline.evaluation import Predicted, f1_interval, leave_one_company_out, load_corpus, load_training, metrics, predict, primary, train_model
    from plumbline.judge import JudgeSettings, probabilities

    encoder = load_encoder(model_name, backend)
    try:
        data = load_training(corpus_dir, encoder, warn=_warn)
        train = primary(data)
    except CORPUS_ERRORS as exc:
        raise click.ClickException(str(exc)) from None
    if len(train) < 2:
        raise click.UsageError(f"{corpus_dir}/companies needs at least two companies")
    predicted = leave_one_company_out(data, c)
    results = {"leave_one_company_out": {d.company.name: metrics([d], [p]) for d, p in zip(train, predicted)}}
    results["leave_one_company_out"]["overall"] = metrics(train, predicted)
    results["leave_one_company_out"]["overall"]["flagged_f1_interval"] = f1_interval(train, predicted)
    thresholds = [Predicted(probabilities(d.scores, None, JudgeSettings(judge="thresholds")), d.scores.best_story)
                  for d in train]
    results["thresholds_baseline"] = metrics(train, thresholds)
    heldout_dirs = list(heldout_dirs) or [d for d in [os.path.join(corpus_dir, "heldout")] if os.path.isdir(d)]
    held_sets = []
    if heldout_dirs:
        model = train_model(data, c)
    for heldout_dir in heldout_dirs:
        try:
            held = load_corpus(heldout_dir, encoder, warn=_warn)
        except CORPUS_ERRORS as exc:
            raise click.ClickException(str(exc)) from None
        held_predicted = [predict(model, d, data) for d in held]
        table = {d.company.name: metrics([d], [p]) for d, p in zip(held, held_predicted)}
        table["overall"] = metrics(held, held_predicted)
        table["overall"]["flagged_f1_interval"] = f1_interval(held, held_predicted)
        held_sets.append((heldout_dir, table, held, held_predicted))
    if held_sets:
        results["heldout"] = held_sets[0][1]  # the first (or only) set, as before
        results["heldout_sets"] = [{"path": path, "companies": table} for path, table, _, _ in held_sets]
    _print_table("Leave one company out (corpus/companies)", results["leave_one_company_out"])
    _print_table("Thresholds judge, no training (corpus/companies)", {"overall": results["thresholds_baseline"]})
    for path, table, _, _ in held_sets:
        _print_table(f"Held-out companies ({path}), judge trained on all of corpus/companies", table)
    if errors_out:
        from plumbline.evaluation import misjudged

        rows = misjudged(train, predicted) + [row for _, _, held, held_predicted in held_sets
                                              for row in misjudged(held, held_predicted)]
        with open(errors_out, "w", encoding="utf-8") as fh:
            fh.write("company\tgold\tpredicted\tconfidence\tgold_story\tpredicted_story\ttext\n")
            fh.writelines("\t".join(map(str, row)) + "\n" for row in rows)
    if json_out:
        with open(json_out, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    sys.exit(0)


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def _print_table(title: str, by_company: dict) -> None:
    click.echo(f"\n{title}")
    widths = [max(len(name), 5) + 2 for _, name, _ in ROWS]
    click.echo(f"{'company':<12}" + "".join(f"{name:>{w}}" for (_, name, _), w in zip(ROWS, widths)))
    for company, m in by_company.items():
        click.echo(f"{company:<12}" + "".join(f"{fmt.format(m[key]):>{w}}" for (key, _, fmt), w in zip(ROWS, widths)))
    interval = by_company.get("overall", {}).get("flagged_f1_interval")
    if interval:
        click.echo(f"overall flagged F1 95% interval {interval[0]:.3f}–{interval[1]:.3f} "
                   "(1,000 bootstrap resamples of the sentences)")

"""`plumbline train`: fit the judge on the labelled corpus and write it as JSON."""
from __future__ import annotations

import datetime
import os

import click

from plumbline.cli.evaluate import CORPUS_ERRORS


@click.command()
@click.option("--corpus", "corpus_dir", default="corpus", show_default=True, type=click.Path(file_okay=False), help="Corpus whose companies/ folder is the training data (heldout/ is never read).")
@click.option("--out", "out_path", default="models/judge.json", show_default=True, type=click.Path(dir_okay=False), help="Where to write the trained judge (its reference vectors go beside it, as NAME.references.npy).")
@click.option("--c", "c", type=float, default=1.0, show_default=True, help="Inverse regularisation strength.")
@click.option("--model", "model_name", metavar="NAME|DIR", help="Embedding model the judge is trained for. [default: bundled all-MiniLM-L6-v2]")
def train(corpus_dir, out_path, c, model_name):
    """Train the judge on CORPUS/companies and save it (JSON, no pickle)."""
    from plumbline.embed import load_encoder
    from plumbline.evaluation import load_training, primary, train_model
    from plumbline.judge.classifier import save

    encoder = load_encoder(model_name)
    try:
        data = load_training(corpus_dir, encoder, warn=lambda m: click.echo(f"warning: {m}", err=True))
    except CORPUS_ERRORS as exc:
        raise click.ClickException(str(exc)) from None
    companies = primary(data)  # without the background-line companions
    if len(companies) < 2:
        raise click.UsageError(f"{corpus_dir}/companies needs at least two companies")
    meta = {
        "embedding_model": encoder.fingerprint,
        "companies": [d.company.name for d in companies],
        "sentences": int(sum(len(d.gold) for d in companies)),
        "background_lines": int(sum(len(d.gold) for d in data if d.is_companion)),
        "c": c,
        "trained": datetime.date.today().isoformat(),
    }
    model = train_model(data, c, meta)
    save(model, out_path)
    click.echo(f"wrote {out_path}: {meta['sentences']} sentences from {len(companies)} companies (and {meta['background_lines']} background lines), temperature {model.temperature:.3f}")

"""The `plumbline` command. Each subcommand lives in its own module and is imported only
when it runs, so `plumbline --help` and flag errors never pay for torch or spaCy."""
from __future__ import annotations

import importlib

import click

from plumbline import DISTRIBUTION, __version__

COMMANDS = {
    "check": ("plumbline.cli.check", "check", "Judge emails, scripts and transcripts against a plumb line."),
    "audit": ("plumbline.cli.audit", "audit", "Batch-audit a large export and write a shareable report."),
    "lint-plumbline": ("plumbline.cli.lint", "lint_plumbline", "Check a plumb line before it ships: overlaps, weak stories, no brand."),
    "contacts": ("plumbline.cli.contacts", "contacts", "Find prospects contacted too often, by too many people."),
    "eval": ("plumbline.cli.evaluate", "evaluate", "Score the judge on labelled messages (leave one company out)."),
    "train": ("plumbline.cli.train", "train", "Train the judge on the labelled corpus and write models/."),
    "segment": ("plumbline.cli.segment", "segment", "Print the sentences plumbline would judge, as a labelling template."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return [name for name, (module, _, _) in COMMANDS.items() if importlib.util.find_spec(module)]

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module_name, attr, _ = COMMANDS[name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None
            raise
        return getattr(module, attr)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, package_name=DISTRIBUTION, prog_name="plumbline")
def main():
    """plumbline keeps sales saying what marketing's plumb line says.

    It compares every sentence a rep says or writes with your brand stories and reports
    drift, off-message selling, story coverage and over-contact.
    """


import importlib.util  # noqa: E402  (used by LazyGroup.list_commands)

"""Over-contact: find prospects that marketing and sales bombard together.

`check_contacts(paths, settings)` loads touch logs (CSV, JSONL, .eml, .mbox) into DuckDB,
runs the rules as window queries and returns a Report for the usual reporters. Rows never
become Python objects, so ten million touches fit in bounded memory; only the episodes that
become findings are read back. DuckDB is imported here lazily, so `plumbline --help` stays fast.
"""
from __future__ import annotations

import tempfile
from typing import Callable, Iterable

from plumbline.contacts.rules import RULES
from plumbline.contacts.settings import ContactSettings
from plumbline.model import FileResult, Finding, InputError, Report

INPUT_GLOBS = ("*.csv", "*.tsv", "*.csv.gz", "*.tsv.gz", "*.jsonl", "*.ndjson", "*.jsonl.gz", "*.ndjson.gz",
               "*.eml", "*.mbox", "*.mbx")


def default_encoder():
    from plumbline.embed import load_encoder

    return load_encoder()


def check_contacts(paths: Iterable[str], settings: ContactSettings | None = None,
                   encoder_factory: Callable[[], object] = default_encoder) -> Report:
    """Run every enabled contact rule over the touch logs in `paths` (files or directories).

    `encoder_factory` is called only if near-duplicate bodies need comparing (tests pass a fake)."""
    settings = settings or ContactSettings()
    from plumbline.contacts.run import Run
    from plumbline.formats import expand_paths

    files = list(expand_paths(paths, include=INPUT_GLOBS))
    with tempfile.TemporaryDirectory(prefix="plumbline-contacts-") as spill:
        run = Run(settings, spill)
        try:
            run.load(files)
            findings = run.findings(encoder_factory)
            results = run.file_results()
        finally:
            run.close()
    return Report(plumbline=None, files=results, findings=tuple(findings), tool="contacts")


__all__ = ["check_contacts", "ContactSettings", "RULES", "FileResult", "Finding", "InputError"]

"""Helpers for the CI-gate tests: a throwaway project (plumb line, templates, plumbline.toml)
and `plumbline check` run in-process with the fake encoder instead of the real model."""
from __future__ import annotations

import os
import shutil

from click.testing import CliRunner

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "ci")

GOOD = "Ledgerly runs your payroll and files your payroll taxes in every state where you have employees.\n"
DRIFT = "Our chefs also cater your office parties with gourmet sushi platters.\n"
DISCOUNT = "I can take 20% off the first year if you sign this month.\n"


def make_project(root, config: str | None = 'plumbline = "plumbline"\njudge = "thresholds"\n') -> str:
    """Copy the CI plumb line into `root`, mark it a repository root, write plumbline.toml."""
    root = str(root)
    shutil.copytree(os.path.join(DATA, "plumbline"), os.path.join(root, "plumbline"))
    os.makedirs(os.path.join(root, ".git"), exist_ok=True)  # config discovery stops here
    os.makedirs(os.path.join(root, "templates"), exist_ok=True)
    if config is not None:
        write(root, "plumbline.toml", config)
    return root


def write(root, name: str, text: str) -> str:
    path = os.path.join(str(root), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def use_fake_encoder(monkeypatch, encoder) -> None:
    """Make every `load_encoder()` in this test return `encoder` (the CLI loads it by name)."""
    import plumbline.embed

    monkeypatch.setattr(plumbline.embed, "load_encoder", lambda *a, **k: encoder)


def run_check(*args):
    """`plumbline check ARGS` in-process; the result has .stdout and .stderr apart."""
    import inspect

    from plumbline.cli import main

    separate = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters else {}
    return CliRunner(**separate).invoke(main, ["check", *args])


NASTY = 'Our chefs cater "VIP" parties <b>&amp;</b> 100% free, no: really,\x07 ok.\n'


def sample_report(root, encoder):
    """A report with every case a CI reporter must handle, paths relative to `root` (the cwd):
    drift, off-message + discount on one line, a comment-suppressed and a baselined finding,
    quoted text full of markup, %, :, commas and a control character, a path with a space,
    an unreadable file, and a finding tied to no judged file (as `contacts` makes)."""
    from collections import Counter

    from plumbline.baseline import finding_key
    from plumbline.decide import apply_baseline
    from plumbline.judge import JudgeSettings
    from plumbline.model import Finding
    from plumbline.pipeline import check, prepare_judge
    from plumbline.plumbline_file import load_plumbline
    from dataclasses import replace

    write(root, "templates/intro.txt", GOOD + DRIFT + DISCOUNT)
    write(root, "templates/with space.html", f"<!-- plumbline: ignore[drift] -->\n<p>{DRIFT}</p>\n<p>{NASTY}</p>\n")
    write(root, "templates/known.txt", "Our florists deliver tulips and orchids to your lobby every Monday morning.\n")
    with open(os.path.join(str(root), "templates", "broken.txt"), "wb") as fh:
        fh.write(b"\x00\x01binary")
    plumbline = load_plumbline("plumbline")
    settings = JudgeSettings(judge="thresholds")
    judge = prepare_judge(plumbline, settings, encoder=encoder, use_cache=False)
    report = check(["templates"], plumbline, settings=settings, judge=judge)
    known = [f for f in report.all_findings if f.path.endswith("known.txt")]
    report = apply_baseline(report, Counter(finding_key(f) for f in known))
    contact = Finding("over-contact", "warning", "logs/touches, q1: 100%.csv", 3, 1,
                      "ana@acme.com: 6 touches in 7 days\r\n::error::injected", text="<x> & ]]> \x07 \x1b[31m")
    return replace(report, findings=(contact,))

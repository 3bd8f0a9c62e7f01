"""plumbline: keep sales saying what marketing's plumb line says.

The Python API under the CLI (heavy libraries load only when first needed):

    from plumbline import load_plumbline, check
    report = check(["emails/"], load_plumbline("plumbline/"))
    for finding in report.all_findings: ...
"""
from __future__ import annotations

__version__ = "0.1.0"
# The name on PyPI (`pip install plumbline-sales`): "plumbline" there is someone else's package.
DISTRIBUTION = "plumbline-sales"

__all__ = ["check", "load_plumbline", "LoadOptions", "JudgeSettings", "Report"]


def __getattr__(name):
    if name == "check":
        from plumbline.pipeline import check

        return check
    if name == "load_plumbline":
        from plumbline.plumbline_file import load_plumbline

        return load_plumbline
    if name == "LoadOptions":
        from plumbline.formats import LoadOptions

        return LoadOptions
    if name == "JudgeSettings":
        from plumbline.judge import JudgeSettings

        return JudgeSettings
    if name == "Report":
        from plumbline.model import Report

        return Report
    raise AttributeError(name)

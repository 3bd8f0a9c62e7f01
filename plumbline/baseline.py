"""A finding's identity across commits, and the baseline file that records today's findings.

A finding is the same finding when its rule, its file (relative to the working directory) and
its normalised sentence text are the same: line numbers are left out on purpose, so an edit
elsewhere in the template does not turn old findings into new ones. SARIF's partialFingerprints
use the same identity. `plumbline.decide.apply_baseline` does the matching; this module only
computes keys and reads and writes the file:

    {"version": 1, "tool": "plumbline",
     "findings": [{"rule": "drift", "path": "templates/intro.html",
                   "fingerprint": "3f1c...", "count": 1}, ...]}
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from pathlib import Path, PurePosixPath

from plumbline.model import ConfigError, Finding, Report

VERSION = 1
_SPACE = re.compile(r"\s+")


def relative_path(path: str) -> str:
    """`path` relative to the working directory with / separators, when it lies beneath it."""
    if path == "-":
        return path
    absolute = Path(os.path.abspath(path))
    try:
        return PurePosixPath(absolute.relative_to(Path.cwd())).as_posix()
    except ValueError:
        return absolute.as_posix()


def normalise(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def fingerprint(rule: str, path: str, text: str) -> str:
    """Hash of rule, relative path and normalised text (no line number)."""
    data = "\x1f".join((rule, relative_path(path), normalise(text)))
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def finding_key(f: Finding) -> tuple[str, str, str]:
    return f.rule, relative_path(f.path), fingerprint(f.rule, f.path, f.text or f.message)


def known_findings(report: Report) -> Counter:
    """Today's unsuppressed findings as {(rule, path, fingerprint): count}."""
    return Counter(finding_key(f) for f in report.all_findings if not f.suppressed)


def write(report: Report, path: str) -> Counter:
    """Write the baseline file; returns the findings it records (as `load` would read them)."""
    known = known_findings(report)
    records = [{"rule": rule, "path": where, "fingerprint": fp, "count": n}
               for (rule, where, fp), n in sorted(known.items())]
    payload = {"version": VERSION, "tool": "plumbline", "findings": records}
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(payload, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    os.replace(tmp, path)
    return known


def load(path: str) -> Counter:
    """Read a baseline into {(rule, path, fingerprint): count}; ConfigError when it is not one."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise ConfigError(f"baseline {path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"baseline {path}: not valid JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise ConfigError(f"baseline {path}: not a plumbline baseline (expected version {VERSION} and a findings list)")
    known: Counter = Counter()
    for i, entry in enumerate(data["findings"]):
        if not (isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in ("rule", "path", "fingerprint"))
                and isinstance(entry.get("count", 1), int) and not isinstance(entry.get("count", 1), bool)
                and entry.get("count", 1) > 0):
            raise ConfigError(f"baseline {path}: findings[{i}] needs string rule, path, fingerprint and a positive count")
        known[(entry["rule"], entry["path"], entry["fingerprint"])] += entry.get("count", 1)
    return known

"""Where the trained judge lives: `models/judge.json` in the repository, installed as the
package data `plumbline.models`. A missing model falls back to the thresholds judge."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from plumbline.judge.classifier import JudgeModel, load

JUDGE_FILE = "judge.json"


def default_judge_path() -> str | None:
    try:
        path = resources.files("plumbline.models").joinpath(JUDGE_FILE)
    except ModuleNotFoundError:
        return None
    return str(path) if path.is_file() else None


@lru_cache(maxsize=1)
def default_judge_model() -> JudgeModel | None:
    path = default_judge_path()
    return load(path) if path else None

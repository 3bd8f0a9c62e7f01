"""The pre-commit hooks in .pre-commit-hooks.yaml, driven by `pre-commit try-repo` against a
throwaway git repository holding a plumb line, plumbline.toml, one good and one drifting
template: the good one passes, the drifting one fails.

`plumbline-system` runs the plumbline installed with this checkout (real model, ~20 s a run).
`plumbline` builds its own virtualenv with pip (PyTorch included: about eight minutes on this
machine), so that test runs only when PLUMBLINE_TEST_PRECOMMIT_VENV=1."""
import os
import shutil
import subprocess
import sys

import pytest

from ci_support import DATA

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytestmark = pytest.mark.slow


def pre_commit() -> list[str]:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    return [sys.executable, "-m", "pre_commit"]


def test_manifest_is_valid():
    pre_commit()
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(os.path.join(REPO, ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"plumbline", "plumbline-system"}
    assert hooks["plumbline"]["language"] == "python"
    assert hooks["plumbline-system"]["language"] in ("system", "unsupported")  # pre-commit 4.4 renamed system
    assert all(hook["require_serial"] and hook["entry"] == "plumbline check" for hook in hooks.values())


@pytest.fixture
def user_repo(tmp_path):
    if not os.path.isdir(os.path.join(REPO, ".git")):
        pytest.skip("try-repo needs this checkout to be a git repository")
    repo = tmp_path / "sales-templates"
    repo.mkdir()
    for name in ("plumbline", "templates"):
        shutil.copytree(os.path.join(DATA, name), repo / name)
    shutil.copy(os.path.join(DATA, "plumbline.toml"), repo / "plumbline.toml")
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "templates"]):
        subprocess.run(git + args, cwd=repo, check=True, env=_git_env())
    return repo


def _git_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(extra)
    return env


def try_repo(repo, hook: str, path: str, env: dict, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(pre_commit() + ["try-repo", REPO, hook, "--files", path, "--color", "never"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=timeout)


def test_system_hook_passes_good_and_fails_drifting_template(user_repo, tmp_path):
    shims = tmp_path / "bin"  # `plumbline` on PATH is this checkout, run by this interpreter; -P keeps the
    # working directory off sys.path, as the console script does (the user repo has a plumbline/ folder)
    shims.mkdir()
    shim = shims / "plumbline"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -P -m plumbline "$@"\n')
    shim.chmod(0o755)
    env = _git_env(PATH=f"{shims}{os.pathsep}{os.environ.get('PATH', '')}", PRE_COMMIT_HOME=str(tmp_path / "home"))

    good = try_repo(user_repo, "plumbline-system", "templates/good.txt", env, timeout=600)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    drifting = try_repo(user_repo, "plumbline-system", "templates/drift.txt", env, timeout=600)
    assert drifting.returncode == 1, drifting.stdout + drifting.stderr
    assert "Failed" in drifting.stdout
    assert "templates/drift.txt:3:1: drift" in drifting.stdout


@pytest.mark.skipif(os.environ.get("PLUMBLINE_TEST_PRECOMMIT_VENV") != "1",
                    reason="builds a fresh virtualenv with PyTorch (~8 min); set PLUMBLINE_TEST_PRECOMMIT_VENV=1")
def test_python_hook_in_its_own_environment(user_repo, tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("torch==2.13.0\n")  # the CPU wheel, not the multi-GB CUDA build
    env = _git_env(PRE_COMMIT_HOME=str(tmp_path / "home"), PIP_CONSTRAINT=str(constraints))
    drifting = try_repo(user_repo, "plumbline", "templates/drift.txt", env, timeout=1800)
    assert drifting.returncode == 1 and "templates/drift.txt:3:1: drift" in drifting.stdout, drifting.stdout
    good = try_repo(user_repo, "plumbline", "templates/good.txt", env, timeout=600)
    assert good.returncode == 0, good.stdout + good.stderr

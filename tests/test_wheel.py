"""The wheel users install, not this checkout: build it from the files git would commit (so a
git-ignored symlink or a stray build folder cannot help it), install it into a fresh virtualenv
outside the source tree, and run every command from there.

A hand-kept package list once shipped a wheel without plumbline.audit; only a real `audit` run
showed it (`--help` does not import the package). So each module of the source tree must import
from the virtualenv, and check, audit, contacts and segment each do real work on a tiny input.

The virtualenv sees the already-installed dependencies (--system-site-packages), so nothing is
downloaded; the checkout's own editable install is shadowed by the wheel and every module is
asserted to come from the wheel. About a minute: two runs load the embedding model."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest

from ci_support import DATA, DISCOUNT, GOOD

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytestmark = pytest.mark.slow


def _committable_files() -> list[str]:
    """Tracked files as they are in the working tree, plus untracked files git does not ignore."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("building the wheel from a clean copy needs this checkout to be a git repository")
    return [f for f in out.decode().split("\0") if f and os.path.isfile(os.path.join(REPO, f))]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> str:
    source = tmp_path_factory.mktemp("source")
    for name in _committable_files():
        os.makedirs(os.path.dirname(source / name), exist_ok=True)
        shutil.copy2(os.path.join(REPO, name), source / name)
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)]
    if _has_setuptools():  # build with the installed setuptools: no download, seconds instead of a minute
        command.insert(4, "--no-build-isolation")
    built = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    (path,) = [str(dist / name) for name in os.listdir(dist) if name.endswith(".whl")]
    return path


def _has_setuptools() -> bool:
    """Whether this environment can build the wheel itself: every build-system requirement of
    pyproject.toml installed at a fitting version, and a bdist_wheel command (setuptools 70.1+
    has one; before that the `wheel` package). A fresh Python 3.11 venv has setuptools 65: then
    pip builds in isolation, fetching setuptools from the index."""
    import importlib.metadata as md
    import importlib.util

    from packaging.requirements import Requirement

    with open(os.path.join(REPO, "pyproject.toml"), "rb") as fh:
        requires = tomllib.load(fh)["build-system"]["requires"]
    for requirement in map(Requirement, requires):
        try:
            if not requirement.specifier.contains(md.version(requirement.name), prereleases=True):
                return False
        except md.PackageNotFoundError:
            return False
    return bool(importlib.util.find_spec("setuptools.command.bdist_wheel") or importlib.util.find_spec("wheel"))


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(root)], check=True)
    python = str(root / "bin" / "python")
    installed = subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    work = tmp_path_factory.mktemp("elsewhere")  # outside the source tree: the checkout is not importable from here
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PLUMBLINE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    return {"root": str(root), "python": python, "plumbline": str(root / "bin" / "plumbline"), "cwd": str(work),
            "env": env}


def run(venv, *args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([venv["plumbline"], *args], cwd=venv["cwd"], env=venv["env"], capture_output=True,
                          text=True, timeout=timeout)


def test_wheel_is_the_published_distribution(wheel):
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as fh:
        project = tomllib.load(fh)["project"]
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = whl.read(metadata).decode()
    assert f"Name: {project['name']}\n" in text
    assert "Provides-Extra: onnx" in text
    assert "plumbline/models/judge.json" in names and "plumbline/report/templates/audit.html.j2" in names


def test_every_module_imports_from_the_wheel(venv):
    modules = sorted(
        os.path.relpath(os.path.join(folder, name), REPO)[:-3].replace(os.sep, ".").removesuffix(".__init__")
        for folder, dirs, files in os.walk(os.path.join(REPO, "plumbline"))
        if "__pycache__" not in folder and os.path.relpath(folder, REPO).split(os.sep)[:2] != ["plumbline", "models"]
        for name in files if name.endswith(".py") and name != "__main__.py")  # __main__ would run the command
    assert "plumbline.audit.run" in modules
    probe = ("import importlib, json, sys\nout = {}\nfor name in sys.argv[1:]:\n"
             "    try:\n        out[name] = importlib.import_module(name).__file__\n"
             "    except Exception as exc:\n        out[name] = f'{type(exc).__name__}: {exc}'\n"
             "print(json.dumps(out))")
    done = subprocess.run([venv["python"], "-c", probe, *modules, "plumbline.models"], cwd=venv["cwd"],
                          env=venv["env"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    where = json.loads(done.stdout)
    outside = {name: file for name, file in where.items() if not str(file).startswith(venv["root"])}
    assert not outside, outside


def test_every_command_answers_help_from_the_wheel(venv):
    top = run(venv, "--help")
    assert top.returncode == 0, top.stderr
    for command in ("check", "audit", "contacts", "segment", "eval", "train"):
        assert command in top.stdout
        result = run(venv, command, "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout, (command, result.stderr)
    version = run(venv, "--version")
    assert version.returncode == 0 and version.stdout.split()[-1] == _declared_version()


def _declared_version() -> str:
    import re

    with open(os.path.join(REPO, "plumbline", "__init__.py"), encoding="utf-8") as fh:
        return re.search(r'^__version__ = "([^"]+)"', fh.read(), re.M).group(1)


@pytest.fixture(scope="module")
def project(venv) -> str:
    root = os.path.join(venv["cwd"], "project")
    shutil.copytree(os.path.join(DATA, "plumbline"), os.path.join(root, "plumbline"))
    os.makedirs(os.path.join(root, "templates", "dana"))
    for name, text in (("good.txt", GOOD), ("offer.txt", DISCOUNT)):
        with open(os.path.join(root, "templates", "dana", name), "w", encoding="utf-8") as fh:
            fh.write(text)
    with open(os.path.join(root, "touches.csv"), "w", encoding="utf-8") as fh:
        fh.write("timestamp,contact,channel,team,sender\n")
        fh.writelines(f"2026-03-0{day}T10:00:00Z,pat@buyer.example,email,sales,dana@seller.example\n" for day in range(1, 8))
    return root


def test_check_judges_a_file_with_the_bundled_judge(venv, project):
    result = run(venv, "check", os.path.join(project, "templates"), "--plumbline", os.path.join(project, "plumbline"),
                 "--format", "json")
    assert result.returncode == 1, result.stderr  # the discount offer is a finding
    report = json.loads(result.stdout)
    rules = {f["rule"] for file in report["files"] for f in file["findings"]}
    assert "discount-language" in rules, report["files"]
    assert not any(f.get("error") for f in report["files"]), report["files"]


def test_audit_writes_its_html_csv_and_json(venv, project):
    out = os.path.join(project, "out")
    result = run(venv, "audit", os.path.join(project, "templates"), "--plumbline", os.path.join(project, "plumbline"),
                 "--report", os.path.join(out, "audit.html"), "--json", os.path.join(out, "audit.json"),
                 "--csv", os.path.join(out, "audit.csv"), "--quiet")
    assert result.returncode == 0, result.stderr
    summary = json.load(open(os.path.join(out, "audit.json"), encoding="utf-8"))
    assert summary["messages"] == 2
    html = open(os.path.join(out, "audit.html"), encoding="utf-8").read()
    assert html.lstrip().lower().startswith("<!doctype html>") and "dana" in html
    assert len(open(os.path.join(out, "audit.csv"), encoding="utf-8").read().splitlines()) == 3


def test_contacts_finds_over_contact(venv, project):
    result = run(venv, "contacts", os.path.join(project, "touches.csv"), "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(f["rule"] == "over-contact" for f in json.loads(result.stdout)["findings"])


def test_segment_prints_the_sentences(venv, project):
    result = run(venv, "segment", os.path.join(project, "templates", "dana", "good.txt"))
    assert result.returncode == 0, result.stderr
    assert "files your payroll taxes" in result.stdout

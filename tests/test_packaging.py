"""What pyproject.toml, .ci/run and the docs promise about installing plumbline, checked against
each other: a free distribution name, an `onnx` extra that holds what the ONNX backends import,
CI installing it, and docs that install the package they mean at a ref that exists."""
from __future__ import annotations

import ast
import glob
import os
import re
import subprocess
import tomllib

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# "plumbline" on PyPI is "Python for comparing EPT and DEM data", not us.
TAKEN = {"plumbline"}


def _project() -> dict:
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as fh:
        return tomllib.load(fh)["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _read(*parts) -> str:
    with open(os.path.join(REPO, *parts), encoding="utf-8") as fh:
        return fh.read()


def test_distribution_name_is_ours_and_the_command_stays_plumbline():
    project = _project()
    assert _name(project["name"]) not in TAKEN
    assert project["scripts"]["plumbline"] == "plumbline.cli:main"
    from plumbline import DISTRIBUTION

    assert DISTRIBUTION == project["name"]


def _onnx_backend_imports() -> set[str]:
    """Top-level modules imported by the ONNX backend's source files (wherever embed lives)."""
    files = [f for f in glob.glob(os.path.join(REPO, "plumbline", "**", "*.py"), recursive=True)
             if "onnx" in os.path.basename(f)]
    assert files, "no ONNX backend module found"
    modules = set()
    for path in files:
        for node in ast.walk(ast.parse(_read(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    import sys

    return {m for m in modules if m != "plumbline" and m not in sys.stdlib_module_names}


def _installed_closure(requirements) -> set[str]:
    """The distributions the core requirements install, following installed metadata."""
    import importlib.metadata as md

    from packaging.requirements import Requirement

    seen, todo = set(), [r for r in requirements]
    while todo:
        req = Requirement(todo.pop())
        name = req.name.lower().replace("_", "-")
        if name in seen or (req.marker and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        try:
            todo.extend(md.requires(req.name) or ())
        except md.PackageNotFoundError:
            pass
    return seen


def test_onnx_extra_holds_what_the_onnx_backends_import():
    import importlib.metadata as md

    project = _project()
    extra = {_name(r) for r in project["optional-dependencies"].get("onnx", ())}
    core = _installed_closure(project["dependencies"])
    owners = md.packages_distributions()
    missing = set()
    for module in _onnx_backend_imports():
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [module])}
        if not dists & (core | extra):
            missing.add(module)
    assert not missing, f"imported by the ONNX backends but neither a dependency nor in the onnx extra: {missing}"
    assert {"onnxruntime", "onnx"} <= extra


def test_ci_installs_the_onnx_extra():
    installs = [line for line in _read(".ci", "run").splitlines() if re.search(r"pip install .*-e ", line)]
    assert installs
    extras = re.search(r'-e "?\.\[([^\]]+)\]', installs[0]).group(1).split(",")
    assert {"dev", "onnx"} <= {e.strip() for e in extras}


def _docs() -> dict[str, str]:
    paths = [os.path.join(REPO, "README.md"), os.path.join(REPO, ".pre-commit-hooks.yaml"),
             *glob.glob(os.path.join(REPO, "docs", "*.md"))]
    return {os.path.relpath(p, REPO): _read(p) for p in paths}


def test_docs_install_the_distribution_they_mean():
    """Every `pip install` of plumbline names the distribution (or a checkout), never the
    unrelated PyPI `plumbline`."""
    name = _project()["name"]
    for doc, text in _docs().items():
        for command in re.findall(r"pip install ([^\n`]+)", text):
            command = re.split(r"&&|;|\|", command)[0]
            words = [w.strip("\"'") for w in command.split()]
            for k, word in enumerate(words):
                if word.startswith("-") or (k and words[k - 1].startswith("-")):
                    continue  # an option, or its value (-e ".[dev]", --index-url URL)
                if _name(word.split("@")[0]) in TAKEN:
                    pytest.fail(f"{doc}: `pip install {command}` installs the unrelated PyPI package")
                if "git+" in word:  # a direct reference names the distribution: "NAME[extra] @ git+URL"
                    assert re.match(rf"{re.escape(name)}(\[[\w,]+\])?\s*@\s*git\+", command.strip().strip("\"'")), command


def _tags() -> set[str]:
    try:
        out = subprocess.run(["git", "tag", "--list"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("needs this checkout to be a git repository")
    return set(out.split())


def test_precommit_snippet_pins_a_ref_that_exists():
    tags = _tags()
    revs = re.findall(r"^\s*rev:\s*(\S+)", _docs()[os.path.join("docs", "ci.md")], re.M)
    assert revs
    for rev in revs:
        placeholder = rev.startswith("<") and rev.endswith(">")
        assert placeholder or rev in tags or re.fullmatch(r"[0-9a-f]{40}", rev), f"rev: {rev} is not a tag of this repository"

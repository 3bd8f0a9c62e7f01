"""Which packages the wheel holds, found automatically so a new sub-package is never left out
(a hand-kept list once shipped a wheel without plumbline.audit).

Everything else is in pyproject.toml. setuptools cannot express "find plumbline.* and also map
models/ to plumbline.models" in pyproject.toml alone, hence these lines. `plumbline.models` is
excluded from the search (a checkout may hold a plumbline/models symlink to ../models for
editable runs) and added once, from models/ (package-dir in pyproject.toml)."""
from setuptools import find_packages, setup

packages = find_packages(include=["plumbline", "plumbline.*"], exclude=["plumbline.models", "plumbline.models.*"])
setup(packages=[*packages, "plumbline.models"])

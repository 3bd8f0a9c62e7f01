"""Helpers and fixtures shared by the contact tests, imported by name (tests/ is not a
package, and a conftest.py here would shadow tests/conftest.py for `from conftest import`)."""
from __future__ import annotations

import os

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from plumbline.contacts import check_contacts
from plumbline.contacts.settings import ContactSettings

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")


class RecordingEncoder:
    """Wraps the shared fake encoder and remembers every text it was asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.texts: list[str] = []
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        self.texts.extend(texts)
        return self.inner.encode(texts)


def settings_for(case_path: str) -> ContactSettings:
    toml = os.path.splitext(case_path)[0] + ".toml"
    if not os.path.exists(toml):
        return ContactSettings()
    with open(toml, "rb") as fh:
        return ContactSettings.from_mapping(tomllib.load(fh)["contacts"], toml)


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def encoder(fake_encoder):
    return RecordingEncoder(fake_encoder)


@pytest.fixture
def run(encoder):
    """run(*paths, **settings) → Report, with the recording fake encoder."""

    def _run(*paths, **settings):
        return check_contacts([str(p) for p in paths], ContactSettings(**settings), encoder_factory=lambda: encoder)

    return _run

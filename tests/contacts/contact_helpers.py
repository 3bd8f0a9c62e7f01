"""Helpers shared by the contact tests (imported by name: tests/ is not a package)."""
from __future__ import annotations

import os

import tomllib

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

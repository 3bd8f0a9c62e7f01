"""Fixtures for the contact tests: a recording fake encoder and a one-call runner."""
from __future__ import annotations

import pytest
from contact_helpers import RecordingEncoder

from plumbline.contacts import check_contacts
from plumbline.contacts.settings import ContactSettings


@pytest.fixture
def encoder(fake_encoder):
    return RecordingEncoder(fake_encoder)


@pytest.fixture
def run(encoder):
    """run(*paths, **settings) → Report, with the recording fake encoder."""

    def _run(*paths, **settings):
        return check_contacts([str(p) for p in paths], ContactSettings(**settings), encoder_factory=lambda: encoder)

    return _run

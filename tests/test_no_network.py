"""No network at run time: `check` with the real model and spaCy pipeline, with every way of
reaching the network made to fail, still passes and never even tries.

The model is the bundled all-MiniLM-L6-v2 (sha256-verified safetensors) and spaCy loads an
installed package; embed.go_offline() switches the Hugging Face libraries to local files
(HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE) and off telemetry before any of them is imported.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest

from ci_support import DISCOUNT, DRIFT, GOOD

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUMBLINE = os.path.join(REPO, "tests", "data", "ci", "plumbline")
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY")


class NetworkUsed(OSError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Every socket connection and name lookup raises, and is recorded."""
    attempts = []

    def refuse(what):
        def guard(*args, **kwargs):
            attempts.append((what, args[1:2] if what.startswith("socket.") else args[:1]))
            raise NetworkUsed(f"network access during a plumbline run: {what}{args[1:2] or args[:1]}")
        return guard

    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.{name}"))
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "create_connection"):
        monkeypatch.setattr(socket, name, refuse(name))
    for variable in OFFLINE_VARIABLES:  # go_offline() must set them itself
        monkeypatch.delenv(variable, raising=False)
    return attempts


def test_check_runs_offline_in_process(tmp_path, monkeypatch, no_network):
    from click.testing import CliRunner

    import plumbline.embed
    import plumbline.segment
    from plumbline.cli import main

    plumbline.embed.load_encoder.cache_clear()  # load the model again, under the guard
    plumbline.segment.load_nlp.cache_clear()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "intro.txt").write_text(GOOD + DRIFT + DISCOUNT)
    result = CliRunner().invoke(main, ["check", "intro.txt", "--plumbline", PLUMBLINE, "--format", "json", "--no-cache"])
    assert result.exit_code in (0, 1), result.output
    assert '"sentences": 3' in result.output
    assert no_network == []
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert os.environ["HF_HUB_DISABLE_TELEMETRY"] == "1"
    plumbline.embed.load_encoder.cache_clear()


GUARD = textwrap.dedent("""
    import socket, sys
    def refuse(*args, **kwargs):
        sys.stderr.write("NETWORK ATTEMPT %r\\n" % (args[1:2],))
        raise OSError("network disabled by test_no_network")
    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        setattr(socket.socket, name, refuse)
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "create_connection"):
        setattr(socket, name, refuse)
""")


def test_check_runs_offline_in_a_fresh_process(tmp_path):
    """The same in a new interpreter, so imports (torch, transformers, spaCy) happen under the
    guard too: sitecustomize installs it before anything else runs."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(GUARD)
    (tmp_path / "intro.txt").write_text(GOOD + DRIFT + DISCOUNT)
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "site"), REPO, env.get("PYTHONPATH", "")])
    env["PLUMBLINE_CACHE_DIR"] = str(tmp_path / "cache")
    result = subprocess.run([sys.executable, "-m", "plumbline", "check", "intro.txt", "--plumbline", PLUMBLINE],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1), result.stderr
    assert "NETWORK ATTEMPT" not in result.stderr
    assert "3 sentence(s) judged" in result.stdout

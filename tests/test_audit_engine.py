"""Choosing where an audit runs, without Ray: how the Ray engine sizes its workers for CPUs and
GPUs, and the one-line errors for a missing extra, a GPU that is not there or a stray flag."""
import os
import re
import sys

import pytest
from click.testing import CliRunner

from plumbline.audit.ray_engine import EXTRA, WorkerPlan, import_ray, plan_workers
from plumbline.audit.work import EngineError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPORT = os.path.join(REPO, "tests", "data", "audit", "export")
PLUMBLINE = os.path.join(REPO, "corpus", "companies", "northwind", "plumbline")


@pytest.mark.parametrize("cpus, gpus, device, backend, expected", [
    (2, 0, "auto", "torch", WorkerPlan(1, 1.0, 0.0)),  # one actor embeds, one CPU is left to read
    (4, 0, "auto", "torch", WorkerPlan(3, 1.0, 0.0)),
    (9, 0, "auto", "torch", WorkerPlan(8, 1.0, 0.0)),  # one reading CPU per 8 embedding ones
    (16, 0, "auto", "torch", WorkerPlan(14, 1.0, 0.0)),
    (64, 4, "auto", "torch", WorkerPlan(4, 1.0, 1.0)),  # one actor per GPU
    (64, 4, "cuda", "sentence-transformers", WorkerPlan(4, 1.0, 1.0)),
    (64, 4, "cpu", "torch", WorkerPlan(56, 1.0, 0.0)),  # asked for the CPU: GPUs are left alone
    (64, 4, "auto", "onnx-int8", WorkerPlan(56, 1.0, 0.0)),  # ONNX runs on CPUs
])
def test_worker_plan_fits_the_cluster(cpus, gpus, device, backend, expected):
    assert plan_workers(cpus, gpus, device, backend) == expected


def test_a_one_cpu_cluster_is_an_error_not_a_hang():
    # one actor would hold the only CPU and no reading task could ever run
    with pytest.raises(EngineError, match="at least 2 CPUs.*--engine local"):
        plan_workers(1, 0, "auto", "torch")


def test_cuda_on_a_cluster_without_gpus_is_an_error():
    with pytest.raises(EngineError, match="the Ray cluster has no GPU"):
        plan_workers(8, 0, "cuda", "torch")
    with pytest.raises(EngineError, match="--device cuda needs --backend torch"):
        plan_workers(8, 2, "cuda", "onnx")


def test_missing_ray_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(EngineError, match=re.escape(EXTRA)):
        import_ray()


def _cli(*args):
    from plumbline.cli import main

    return CliRunner().invoke(main, ["audit", EXPORT, "--plumbline", PLUMBLINE, "--judge", "thresholds", *args])


def test_cli_engine_ray_without_ray_is_one_line_exit_2(tmp_path, monkeypatch, fake_encoder):
    monkeypatch.setattr("plumbline.embed.load_encoder", lambda *a, **k: fake_encoder)
    monkeypatch.setitem(sys.modules, "ray", None)
    result = _cli("--json", str(tmp_path / "a.json"), "--csv", str(tmp_path / "a.csv"), "--engine", "ray")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: --engine ray needs Ray Data, which is not installed: {EXTRA}"]
    assert not (tmp_path / "a.json").exists() and not list(tmp_path.glob("a.csv*"))


def test_cli_ray_address_needs_engine_ray(tmp_path, monkeypatch, fake_encoder):
    monkeypatch.setattr("plumbline.embed.load_encoder", lambda *a, **k: fake_encoder)
    result = _cli("--json", str(tmp_path / "a.json"), "--ray-address", "auto")
    assert result.exit_code == 2 and "needs --engine ray" in result.output


def test_ray_engine_needs_a_judge_it_can_rebuild(fake_encoder):
    pytest.importorskip("ray")
    from plumbline.audit import run_audit
    from plumbline.judge import JudgeSettings
    from plumbline.pipeline import prepare_judge
    from plumbline.plumbline_file import load_plumbline

    plumbline = load_plumbline(PLUMBLINE)
    judge = prepare_judge(plumbline, JudgeSettings(judge="thresholds"), encoder=fake_encoder)
    with pytest.raises(EngineError, match="prepares the judge in every worker"):
        run_audit([EXPORT], plumbline, judge=judge, engine="ray")
    with pytest.raises(EngineError, match="unknown engine 'spark'"):
        run_audit([EXPORT], plumbline, judge=judge, engine="spark")

"""`--device auto|cpu|cuda` without a GPU (CI has none): which device each request ends on, the
batch size that goes with it, one-line errors, and the torch runtime really placed there. The
last test runs only where torch sees a CUDA GPU: vectors there equal the CPU's."""
import pytest
from click.testing import CliRunner

from plumbline.embed import ModelError, load_encoder
from plumbline.embed.device import CPU_BATCH, CUDA_BATCH, batch_size_for, check_device, pick_device

WITH_GPU, NO_GPU = (lambda: True), (lambda: False)


@pytest.mark.parametrize("requested, available, expected", [
    ("auto", WITH_GPU, "cuda"), ("auto", NO_GPU, "cpu"), ("cpu", WITH_GPU, "cpu"), ("cpu", NO_GPU, "cpu"),
    ("cuda", WITH_GPU, "cuda"),
])
def test_requested_device_and_what_is_there_decide(requested, available, expected):
    assert pick_device(requested, "torch", available) == expected
    assert pick_device(requested, "sentence-transformers", available) == expected


def test_cuda_without_a_gpu_is_an_error_not_a_silent_cpu_run():
    with pytest.raises(ModelError, match="--device cuda: torch sees no CUDA GPU"):
        pick_device("cuda", "torch", NO_GPU)


def test_onnx_backends_run_on_the_cpu():
    assert pick_device("auto", "onnx", WITH_GPU) == "cpu"
    with pytest.raises(ModelError, match="--device cuda needs --backend torch"):
        check_device("cuda", "onnx-int8")
    with pytest.raises(ModelError, match="unknown device 'tpu'"):
        check_device("tpu", "torch")


def test_gpu_batches_are_larger():
    assert batch_size_for("cpu") == CPU_BATCH == 64
    assert batch_size_for("cuda") == batch_size_for("cuda:1") == CUDA_BATCH > CPU_BATCH


def test_auto_is_decided_when_the_runtime_loads_and_lands_on_this_machines_device():
    import torch

    load_encoder.cache_clear()  # the CLI tests load this very encoder (auto is their default)
    encoder = load_encoder(None, "torch", "auto")
    assert not encoder.loaded  # choosing "auto" loads nothing yet
    vectors = encoder.encode(["Thanks,", "We can knock 20% off if you sign by Friday."])
    runtime = encoder.model
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert runtime.device == expected and runtime.batch_size == batch_size_for(expected)
    assert next(iter(runtime.w.values())).device.type == expected
    assert vectors.shape == (2, 384)


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_cli_device_cuda_without_a_gpu_is_one_line_exit_2(tmp_path):
    from plumbline.cli import main

    (tmp_path / "a.txt").write_text("Hello there.\n")
    plumbline = str(__import__("pathlib").Path(__file__).parents[1] / "corpus" / "companies" / "northwind" / "plumbline")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "a.txt"), "--plumbline", plumbline, "--device", "cuda"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: --device cuda: torch sees no CUDA GPU (torch.cuda.is_available() is False); "
        "use --device cpu, or auto to take a GPU when there is one"]


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_vectors_equal_cpu_vectors():
    import numpy as np

    texts = ["Hi Dana,", "Does surprise overtime still come up every week for your dispatchers?",
             "Our onboarding team stays with you for the first six weeks. " * 20]
    cpu = load_encoder(None, "torch", "cpu").encode(texts)
    gpu = load_encoder(None, "torch", "cuda").encode(texts)
    assert np.abs(cpu - gpu).max() < 1e-4

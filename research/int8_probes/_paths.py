"""Paths the int8 probes share, so they run from any checkout: the repository (put on
sys.path), the STS-B test split ($STS_TEST, default ../shared beside the repository),
plumbline's cache (where `plumbline eval --backend onnx` leaves the fp32 export) and scratch."""
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [REPO, os.path.join(REPO, "bench")]
STS = os.environ.get("STS_TEST", os.path.join(REPO, "..", "shared", "data", "stsbenchmark", "sts-test.csv"))
CACHE = os.environ.get("PLUMBLINE_CACHE_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "plumbline")
ONNX_DIRS = os.path.join(CACHE, "onnx", "53aa*")  # folders named after the weights' sha256
SCRATCH = tempfile.gettempdir()

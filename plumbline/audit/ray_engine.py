"""`plumbline audit --engine ray`: the same audit, its judging spread over a Ray cluster.

The driver (run.py) still decides what is judged (each input once, resumed files not at all)
and folds every record into the state and the aggregates; only the work moves. A Ray Data
pipeline per chunk of files:

  file tasks ──map_batches (CPU tasks)──▶ read + segment (work.read_and_segment)
             ──map_batches (actor pool)──▶ embed + judge (work.judge_segmented) ──▶ driver

Each actor prepares the judge once (encoder, judge model, plumb-line index) from the driver's
`Judge.load_args`, on a GPU of its own when the cluster has GPUs. Only records and the few
vectors a report sample may still take come back (work.sample_filter), so the driver holds one
batch at a time, never all sentences or vectors. Workers run the driver's own plumbline (shipped
as a runtime_env py_module, job_runtime_env) with its PLUMBLINE_* environment; inputs must be paths every worker
can read. This is the only module that imports Ray.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from plumbline.audit.work import EngineError, FileTask, JudgedFile, judge_segmented, read_and_segment, sample_filter

EXTRA = 'pip install "plumbline-sales[ray]"'
CHUNK_FILES = 50_000  # files per Ray dataset: bounds what the driver lists at once
# Memory asked of Ray per worker (a scheduling hint: spaCy + one batch; torch + the model + one
# batch). They also differ, which keeps Ray from fusing the reading tasks into the actors: fused,
# reading could only run inside the (few) embedding actors.
READ_TASK_MEMORY = 512 * 2**20
ACTOR_MEMORY = 1536 * 2**20
# Measured on 2 CPUs: read + segment ~1,560 sentences/s per CPU, embed + judge ~146 (torch, one
# thread); one reading CPU keeps 8 embedding CPUs busy with room to spare.
EMBED_CPUS_PER_READER = 8


@dataclass(frozen=True)
class WorkerPlan:
    actors: int  # embed + judge actors
    actor_cpus: float
    actor_gpus: float


def plan_workers(cpus: float, gpus: float, device: str, backend: str) -> WorkerPlan:
    """How many embedding actors, and what each holds. With GPUs (and a torch backend, device
    not cpu): one actor per GPU. On CPUs: one CPU per actor, and one CPU in every
    EMBED_CPUS_PER_READER + 1 left to the read-and-segment tasks (at least one), since reading
    and segmenting a sentence costs about a tenth of embedding and judging it
    (bench/bench_audit.py --engine ray measures both): 2 CPUs give 1 actor, 16 give 14."""
    from plumbline.embed.device import check_device
    from plumbline.embed.weights import ModelError, ONNX_BACKENDS

    try:
        check_device(device, backend)
    except ModelError as exc:
        raise EngineError(str(exc)) from None
    if device != "cpu" and backend not in ONNX_BACKENDS and gpus >= 1:
        return WorkerPlan(int(gpus), 1.0, 1.0)
    if device == "cuda":
        raise EngineError("--device cuda: the Ray cluster has no GPU (ray.cluster_resources() lists none)")
    if cpus < 2:
        raise EngineError(f"--engine ray needs at least 2 CPUs (one reads, one embeds); the cluster has {cpus:g}: "
                          "use --engine local")
    readers = max(1, -(-int(cpus) // (EMBED_CPUS_PER_READER + 1)))
    return WorkerPlan(int(cpus) - readers, 1.0, 0.0)


def import_ray():
    try:
        import ray
        import ray.data  # noqa: F401 - the extra is ray[data]
    except ImportError:
        raise EngineError(f"--engine ray needs Ray Data, which is not installed: {EXTRA}") from None
    return ray


class RayEngine:
    """A context manager: connects to (or starts) Ray on enter, yields `judge_files`."""

    def __init__(self, judge, options, batch_files: int, sampling: tuple, address: str | None = None,
                 device: str = "auto", with_messages: bool = False):
        if judge.load_args is None:
            raise EngineError("--engine ray prepares the judge in every worker, so the judge must be made by "
                              "prepare_judge from a model name (not from an encoder object)")
        self.ray = import_ray()
        self.judge, self.options, self.batch_files, self.sampling = judge, options, batch_files, sampling
        self.address, self.device, self.with_messages = address, device, with_messages
        self.started = False
        self.plan: WorkerPlan | None = None
        self._running: list = []

    def __enter__(self):
        ray = self.ray
        if not ray.is_initialized():
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no telemetry
            try:
                if self.address:
                    ray.init(address=self.address, runtime_env=job_runtime_env(), logging_level=logging.WARNING)
                else:
                    ray.init(include_dashboard=False, runtime_env=job_runtime_env(), logging_level=logging.WARNING)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                first = (str(exc).splitlines() or [type(exc).__name__])[0]
                raise EngineError(f"cannot start or join Ray{f' at {self.address}' if self.address else ''}: {first}") from None
            self.started = True
        resources = ray.cluster_resources()
        self.plan = plan_workers(resources.get("CPU", 1), resources.get("GPU", 0), self.device,
                                 self.judge.load_args.get("backend", "torch"))
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # records (and CSV rows) in input order
        context.enable_progress_bars = False  # the CLI draws its own
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        return self.judge_files

    def __exit__(self, *exc):
        for running in self._running:  # an interrupted run: stop its dataset (and free its actors) now
            running.close()
        if self.started:
            self.ray.shutdown()
        return False

    def judge_files(self, tasks: Iterable[FileTask]) -> Iterator[JudgedFile]:
        running = self._judge_files(tasks)
        self._running.append(running)
        return running

    def _judge_files(self, tasks: Iterable[FileTask]) -> Iterator[JudgedFile]:
        from plumbline.audit.run import batched

        for chunk in batched(tasks, CHUNK_FILES):
            yield from self._judge_chunk(chunk)

    def _judge_chunk(self, chunk: list[FileTask]) -> Iterator[JudgedFile]:
        ray, plan = self.ray, self.plan
        items = [{"path": t.path, "key": json.dumps(t.key), "root": t.root} for t in chunk]
        blocks = max(1, min(len(items), -(-len(items) // self.batch_files)))
        env = {"env_vars": {k: v for k, v in os.environ.items() if k.startswith("PLUMBLINE_")}}
        judge = self.judge
        load_args = dict(judge.load_args, judge_model=judge.model, device=self.device)
        dataset = ray.data.from_items(items, override_num_blocks=blocks).map_batches(
            _read_and_segment, batch_size=self.batch_files, batch_format="numpy", runtime_env=env,
            fn_kwargs={"options": self.options, "brand_names": judge.plumbline.brand_names,
                       "use_cache": bool(load_args.get("use_cache", True))},
            num_cpus=1, memory=READ_TASK_MEMORY,
        ).map_batches(
            _JudgeActor, batch_size=self.batch_files, batch_format="numpy", runtime_env=env,
            compute=ray.data.ActorPoolStrategy(size=plan.actors), num_cpus=plan.actor_cpus,
            num_gpus=plan.actor_gpus or None, memory=ACTOR_MEMORY,
            fn_constructor_kwargs={"plumbline": judge.plumbline, "load_args": load_args, "options": self.options,
                                   "sampling": self.sampling, "with_messages": self.with_messages},
        )
        batches = iter(dataset.iter_batches(batch_size=None, batch_format="numpy"))
        try:
            for batch in batches:
                yield from batch["judged"]
        finally:
            getattr(batches, "close", lambda: None)()  # ends the streaming execution and its actors


def job_runtime_env() -> dict:
    """For `ray.init(runtime_env=...)`: the driver's own plumbline package runs on every worker
    (Ray uploads it once), whatever version the nodes have installed. Pass it when you connect
    to Ray yourself before calling run_audit(engine="ray")."""
    import plumbline

    return {"py_modules": [os.path.dirname(os.path.abspath(plumbline.__file__))]}


def _objects(name: str, values: list) -> dict:
    """A one-column batch of our dataclasses (Ray stores them as Python objects, not Arrow)."""
    column = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        column[i] = value
    return {name: column}


def _quiet_worker() -> None:
    """Ray Data warns once per worker that our objects are not Arrow columns: expected, not news."""
    logging.getLogger("ray.data._internal.tensor_extensions.arrow").setLevel(logging.ERROR)


def _read_and_segment(batch: dict, options, brand_names, use_cache: bool):
    """CPU task: load and segment one batch of files (spaCy stays loaded in the worker process)."""
    _quiet_worker()
    tasks = [FileTask(str(p), tuple(json.loads(k)), str(r)) for p, k, r in zip(batch["path"], batch["key"], batch["root"])]
    parse_cache = None
    if use_cache:
        from plumbline.segment_cache import ParseCache

        parse_cache = ParseCache()
    return _objects("segmented", read_and_segment(tasks, options, brand_names, parse_cache))


class _JudgeActor:
    """Holds one prepared judge (encoder, judge model, plumb-line index) for its whole life."""

    def __init__(self, plumbline, load_args: dict, options, sampling: tuple, with_messages: bool):
        from plumbline.pipeline import prepare_judge

        _quiet_worker()
        self.judge = prepare_judge(plumbline, **load_args)
        self.options = options
        self.keep = sample_filter(*sampling)
        self.with_messages = with_messages

    def __call__(self, batch: dict):
        files = list(batch["segmented"])
        return _objects("judged", judge_segmented(self.judge, files, self.options, self.keep, self.with_messages))

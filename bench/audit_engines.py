"""`bench_audit.py --engine ray`: the in-process and Ray engines over the same emails, one run.

Each engine audits in a child process of its own (so each driver's peak RSS is its own) with an
empty PLUMBLINE_CACHE_DIR of its own (so neither reads what the other embedded or parsed).
Besides the end-to-end rates, the in-process child times the two kinds of work a Ray cluster
spreads, each on one CPU (torch limited to one thread, as Ray does for a one-CPU actor), over
fresh texts: read + segment (what a reading task does) and embed + judge (what an actor does).
With the Ray child's driver CPU per sentence, they are the per-worker numbers docs/audit.md
builds its cluster estimate from.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

from bench_audit import PLUMBLINE, _cpu_s, peak_mb, rss_mb

STAGE_FILES = 128  # files timed per stage on one CPU


def ray_workers_mb() -> float:
    """The summed RSS of the Ray worker processes (command line `ray::...`) this process started
    (a local instance's raylet is our child): on a shared machine, nobody else's."""
    parent, rss, ray_worker = {}, {}, set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                parent[int(pid)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if fh.read(5) == b"ray::":
                    ray_worker.add(int(pid))
            with open(f"/proc/{pid}/status") as fh:
                rss[int(pid)] = next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0) / 1024
        except (OSError, IndexError, ValueError):
            continue

    def ours(pid: int) -> bool:
        while pid > 1:
            pid = parent.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return sum(rss.get(pid, 0.0) for pid in ray_worker if ours(pid))


class PeakSampler(threading.Thread):
    """Samples a reading every half second in the background and keeps its maximum."""

    def __init__(self, read):
        super().__init__(daemon=True)
        self.read, self.peak, self.done = read, 0.0, threading.Event()

    def run(self):
        while not self.done.wait(0.5):
            self.peak = max(self.peak, self.read())

    def stop(self) -> float:
        self.done.set()
        self.join()
        return self.peak


def stage_rates(judge, options, files: list[str]) -> dict:
    """Sentences/s of read + segment and of embed + judge on one CPU, no cache of any kind (a
    fresh in-memory encoder cache, no disk caches), spaCy and the model already loaded."""
    import dataclasses

    import torch

    from plumbline.audit.work import FileTask, judge_segmented, read_and_segment
    from plumbline.embed.cache import CachedEncoder

    torch.set_num_threads(1)
    judge = dataclasses.replace(judge, encoder=CachedEncoder(judge.encoder.encoder, disk=False), parse_cache=None)
    tasks = [FileTask(p, (p, None, None), os.path.dirname(p)) for p in files]
    started = time.perf_counter()
    segmented = read_and_segment(tasks, options, judge.plumbline.brand_names, None)
    read_s = time.perf_counter() - started
    sentences = sum(len(f.sentences) for f in segmented)
    started = time.perf_counter()
    judge_segmented(judge, segmented, options)
    judge_s = time.perf_counter() - started
    return {"stage_sentences": sentences, "read_segment_per_cpu_s": round(sentences / read_s, 1),
            "embed_judge_per_cpu_s": round(sentences / judge_s, 1)}


def engine_run(args, messages: str, workdir: str) -> None:
    """One engine's audit (the child process): what the CLI runs, timed; prints one JSON line."""
    from plumbline.audit import run_audit
    from plumbline.formats import LoadOptions
    from plumbline.formats.reps import RepTracker
    from plumbline.judge import JudgeSettings
    from plumbline.pipeline import prepare_judge
    from plumbline.plumbline_file import load_plumbline

    plumbline = load_plumbline(PLUMBLINE)
    judge = prepare_judge(plumbline, JudgeSettings(judge=args.judge), backend=args.backend)
    judge.encoder.encode(["Warm up the model with one sentence."])
    baseline = rss_mb()
    ray_start, cluster = 0.0, None
    if args.child == "ray":
        import ray

        from plumbline.audit.ray_engine import job_runtime_env

        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        started = time.perf_counter()
        ray.init(address=args.ray_address, include_dashboard=False if not args.ray_address else None,
                 runtime_env=job_runtime_env(), logging_level="WARNING")
        ray_start = time.perf_counter() - started
        cluster = {k: v for k, v in ray.cluster_resources().items() if k in ("CPU", "GPU")}
    options = LoadOptions()
    tracker = RepTracker(options)  # as the CLI: the engine sends each file's messages back for it
    workers = PeakSampler(ray_workers_mb)
    workers.start()
    samples = []  # (files done, driver RSS) per batch: flat when the driver holds one batch at a time
    last = [(0.0, 0.0)]  # (time, driver CPU) at the latest progress: the last is when every record was in

    def on_progress(p):
        samples.append((p.files_done, round(rss_mb())))
        last[0] = (time.perf_counter(), _cpu_s())

    t0, cpu0 = time.perf_counter(), _cpu_s()
    summary = run_audit([messages], plumbline, options=options, judge=judge, fresh=True,
                        state_dir=os.path.join(workdir, f"state-{args.child}"), batch_files=args.batch_files,
                        on_loaded=tracker.add, on_progress=on_progress, engine=args.child)
    ended = time.perf_counter()
    workers_peak = workers.stop()
    judged_until, judged_cpu = last[0]
    result = {
        "engine": args.child, "files": summary.files, "sentences": summary.sentences, "labels": dict(summary.labels),
        "audit_s": round(ended - t0, 1), "sentences_per_s": round(summary.sentences / (ended - t0), 1),
        "records_in_s": round(judged_until - t0, 1), "summarise_s": round(ended - judged_until, 1),
        "driver_cpu_s": round(_cpu_s() - cpu0, 1),
        # the driver's own CPU per 1,000 sentences until every record was in: what one driver keeps up with
        "driver_cpu_s_per_1000_sentences": round(1000 * (judged_cpu - cpu0) / max(1, summary.sentences), 2),
        "driver_baseline_rss_mb": round(baseline), "driver_peak_rss_mb": round(peak_mb()),
        "driver_rss_mb_at_10_50_100_pct": [next(r for n, r in samples if n >= f * summary.files) for f in (0.1, 0.5, 1.0)],
        "ray_workers_peak_rss_mb": round(workers_peak), "ray_start_s": round(ray_start, 1), "cluster": cluster,
    }
    if args.child == "ray":
        ray.shutdown()
    else:
        files = sorted(os.path.join(messages, f) for f in os.listdir(messages))[:STAGE_FILES]
        result.update(stage_rates(judge, options, files))
    print(json.dumps(result))


def compare_engines(args, workdir: str, script: str) -> None:
    """Each engine in its own child process over the same emails; ratios against in-process."""
    results, load_at_start = {}, round(os.getloadavg()[0], 2)
    files = len(os.listdir(os.path.join(workdir, "messages")))
    for engine in ("local", "ray"):
        command = [sys.executable, script, "--child", engine, "--workdir", workdir, "--batch-files",
                   str(args.batch_files), "--judge", args.judge, "--backend", args.backend]
        command += ["--ray-address", args.ray_address] if args.ray_address else []
        env = dict(os.environ, PLUMBLINE_CACHE_DIR=os.path.join(workdir, f"cache-{engine}"))  # cold, not shared
        print(f"{engine}: auditing {files} files ...", file=sys.stderr, flush=True)
        out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, env=env).stdout
        results[engine] = json.loads(out.strip().splitlines()[-1])
    local, ray_ = results["local"], results["ray"]
    same = all(local[k] == ray_[k] for k in ("files", "sentences", "labels"))
    result = {
        "generated_sentences": args.sentences, "backend": args.backend, "judge": args.judge,
        "batch_files": args.batch_files, "cpus": os.cpu_count(), "load_average_at_start": load_at_start,
        "load_average_at_end": round(os.getloadavg()[0], 2), "same_counts": same, "engines": results,
        "ray_over_local": {"sentences_per_s": round(ray_["sentences_per_s"] / local["sentences_per_s"], 2),
                           "driver_peak_rss": round(ray_["driver_peak_rss_mb"] / local["driver_peak_rss_mb"], 2)},
    }
    print(json.dumps(result, indent=2))
    print(f"\n{'engine':8} {'sentences':>9} {'audit s':>8} {'sent/s':>8} {'ratio':>6} {'records in s':>13} "
          f"{'driver peak MB':>15} {'driver RSS 10/50/100%':>22} {'workers peak MB':>16}")
    for name, r in results.items():
        print(f"{name:8} {r['sentences']:>9,} {r['audit_s']:>8} {r['sentences_per_s']:>8} "
              f"{r['sentences_per_s'] / local['sentences_per_s']:>6.2f} {r['records_in_s']:>13} "
              f"{r['driver_peak_rss_mb']:>15} {'/'.join(map(str, r['driver_rss_mb_at_10_50_100_pct'])):>22} "
              f"{r['ray_workers_peak_rss_mb'] or '-':>16}")
    print(f"audit s: the whole run_audit, themes and map included ({local['summarise_s']} / {ray_['summarise_s']} s); "
          f"Ray's includes starting its actors and loading the model in them (Ray itself started in "
          f"{ray_['ray_start_s']} s, not counted); cluster {ray_['cluster']}; same files, sentences and labels: "
          f"{'yes' if same else 'NO'}")
    print(f"per CPU ({local['stage_sentences']} sentences, no cache): read + segment {local['read_segment_per_cpu_s']} "
          f"sentences/s, embed + judge {local['embed_judge_per_cpu_s']} sentences/s; Ray driver CPU "
          f"{ray_['driver_cpu_s_per_1000_sentences']} s per 1,000 sentences "
          f"(in-process: {local['driver_cpu_s_per_1000_sentences']} s, all the work)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    if not same:
        sys.exit("the engines disagree")

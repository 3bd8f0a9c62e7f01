"""How fast is `plumbline check` next to the model it runs? Everything below is measured in one
run, on the same seeded, generated sales emails (bench/salesgen.py), on this machine:

  reference   raw sentence-transformers: SentenceTransformer(path).encode(sentences, batch_size=64)
              on the sentences written into the emails (model loaded, warmed up)
  api         plumbline.pipeline.check() over all email files: load + segment + embed + judge +
              render a JSON report; models (embedding + spaCy) already loaded, empty caches
  stages      the same work stage by stage (load, segment, embed, judge) to see where time goes
  cli         `plumbline check DIR --format json` in a subprocess: Python start, imports, model
              and spaCy loading, plumb-line embedding, everything; empty sentence cache
  cold/warm   `plumbline check ONE_EMAIL` in a subprocess with a fresh cache dir, then again with
              the same dir; wall time and peak RSS, beside `python -c "import sentence_transformers"`

Throughput is sentences written into the emails per second, the same count for every row.
ONNX backends export once per machine; the export is timed separately and reused (copied into
each fresh cache dir), as a CI cache or a second run would have it.

    python bench/bench_speed.py [--sentences 2000] [--backends torch,onnx,onnx-int8] [--json out.json]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
sys.path.insert(0, REPO)

import salesgen  # noqa: E402

DEFAULT_PLUMBLINE = os.path.join(REPO, "tests", "data", "check", "plumbline")


def run_child(argv: list[str], env: dict) -> tuple[float, int, int, float]:
    """(wall seconds, peak RSS in MiB, exit code, CPU seconds user+sys) of one subprocess.

    Run these before this process imports anything big: a child's peak RSS starts from its
    parent's at fork."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {code}:\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss // 1024, code, usage.ru_utime + usage.ru_stime


def fresh_cache(root: str, onnx_source: str | None) -> str:
    """An empty plumbline cache dir; ONNX exports (if any) copied in, nothing else."""
    path = tempfile.mkdtemp(prefix="cache-", dir=root)
    if onnx_source and os.path.isdir(onnx_source):
        shutil.copytree(onnx_source, os.path.join(path, "onnx"))
    return path


def child_env(cache: str) -> dict:
    env = dict(os.environ, PLUMBLINE_CACHE_DIR=cache, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return env


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "plumbline", *args]


def reference_runner(sentences: list[str]):
    """SentenceTransformer(path).encode(sentences, batch_size=64), model loaded and warm."""
    from plumbline.embed import default_model_dir, go_offline

    go_offline()
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(default_model_dir(), device="cpu")
    model.encode(sentences[:64], batch_size=64)
    unique = list(dict.fromkeys(sentences))

    def run(distinct_only: bool = False) -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        model.encode(unique if distinct_only else sentences, batch_size=64)
        return time.perf_counter() - start, time.process_time() - cpu

    return run


def api_runner(paths: list[str], plumbline, backend: str, cache_root: str, onnx_source: str | None):
    """plumbline.pipeline.check() + JSON report, embedding runtime and spaCy loaded and warm,
    the plumb line and judge references embedded beforehand; every run starts with an empty
    in-memory and on-disk sentence cache and no parse cache."""
    import dataclasses

    from plumbline.embed import load_encoder
    from plumbline.embed.cache import CachedEncoder
    from plumbline.formats import LoadOptions, load_path
    from plumbline.judge import JudgeSettings
    from plumbline.pipeline import check, prepare_judge
    from plumbline.report import render
    from plumbline.segment import segment_messages

    os.environ["PLUMBLINE_CACHE_DIR"] = fresh_cache(cache_root, onnx_source)
    encoder = load_encoder(None, backend)
    encoder.model  # loaded (ONNX: exported and verified) before timing
    encoder.encode(["Warm up the runtime with one sentence."])
    segment_messages(load_path(paths[0]))  # spaCy loaded and warm
    settings = JudgeSettings()
    prepared = prepare_judge(plumbline, settings, encoder=encoder)

    def run() -> tuple[float, float, int]:
        fresh = fresh_cache(cache_root, None)
        judge = dataclasses.replace(prepared, encoder=CachedEncoder(encoder, fresh), parse_cache=None)
        start, cpu = time.perf_counter(), time.process_time()
        report = check(paths, plumbline, LoadOptions(), settings, judge=judge)
        render(report, "json", io.StringIO())
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        shutil.rmtree(fresh, ignore_errors=True)
        return seconds, cpu, sum(len(f.judgements) for f in report.files)

    def stages() -> dict:
        from plumbline.judge import judge_sentences
        from plumbline.judge.features import score_sentences

        out = {}
        start = time.perf_counter()
        messages = [m for p in paths for m in load_path(p)]
        out["load"] = time.perf_counter() - start
        start = time.perf_counter()
        sentences = segment_messages(messages, plumbline.brand_names)
        out["segment"] = time.perf_counter() - start
        start = time.perf_counter()
        vectors = CachedEncoder(encoder, disk=False).encode([s.embed_text for s in sentences])
        out["embed"] = time.perf_counter() - start
        start = time.perf_counter()
        judge_sentences(sentences, score_sentences(sentences, vectors, prepared.index, prepared.references),
                        prepared.model, settings)
        out["judge"] = time.perf_counter() - start
        return out

    return run, stages


def measure_throughput(sentences, paths, plumbline, backends, root, onnx_source, rounds: int) -> dict:
    """Interleaved rounds (reference, then each backend), so load from other work on the machine
    hits all of them alike; the best round of each is reported, the median beside it."""
    reference = reference_runner(sentences)
    runners = {b: api_runner(paths, plumbline, b, root, onnx_source) for b in backends}
    samples: dict[str, list] = {"reference": [], **{b: [] for b in backends}}
    judged = {}
    for _ in range(rounds):
        samples["reference"].append(reference())
        for backend, (run, _) in runners.items():
            seconds, cpu, judged[backend] = run()
            samples[backend].append((seconds, cpu))
    n = len(sentences)
    ref_best = min(s[0] for s in samples["reference"])
    ref_median = statistics.median(s[0] for s in samples["reference"])
    ref_cpu = min(s[1] for s in samples["reference"])
    distinct = reference(distinct_only=True)
    out = {"reference": {"seconds": ref_best, "median_seconds": ref_median, "cpu_seconds": ref_cpu,
                         "sentences_per_second": n / ref_best, "all": samples["reference"],
                         "distinct_only_seconds": distinct[0]}, "api": {}}
    for backend, (_, stages) in runners.items():
        best = min(s[0] for s in samples[backend])
        median = statistics.median(s[0] for s in samples[backend])
        cpu = min(s[1] for s in samples[backend])
        out["api"][backend] = {
            "seconds": best, "median_seconds": median, "cpu_seconds": cpu, "all": samples[backend],
            "sentences_per_second": n / best, "ratio_to_reference": ref_best / best,
            "median_ratio_to_reference": ref_median / median, "cpu_ratio_to_reference": ref_cpu / cpu,
            "judged_sentences": judged[backend], "stages": stages(),
        }
    return out


def export_onnx(backends: list[str], root: str) -> tuple[str | None, dict]:
    """Export every ONNX backend once into a shared cache dir; time each export."""
    onnx = [b for b in backends if b.startswith("onnx")]
    if not onnx:
        return None, {}
    cache = os.path.join(root, "onnx-export")
    os.makedirs(cache, exist_ok=True)
    times = {}
    for backend in onnx:
        code = (f"from plumbline.embed import load_encoder; e = load_encoder(None, {backend!r}); e.model")
        times[backend] = run_child([sys.executable, "-c", code], child_env(cache))[0]
    return os.path.join(cache, "onnx"), times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=2000, help="sentences to generate (default 2000)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--plumbline", default=DEFAULT_PLUMBLINE, help="plumb-line directory to check against")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the start-up measurements (median)")
    parser.add_argument("--throughput-rounds", type=int, default=3, help="interleaved rounds of reference and api (best)")
    parser.add_argument("--skip-cli", action="store_true", help="skip the whole-directory CLI runs")
    parser.add_argument("--startup-only", action="store_true", help="measure start-up only (no throughput, no CLI runs)")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]

    from plumbline.embed import go_offline
    from plumbline.plumbline_file import load_plumbline

    go_offline()
    root = tempfile.mkdtemp(prefix="plumbline-bench-")
    try:
        emails = salesgen.generate(args.sentences, args.seed)
        sentences = salesgen.sentences_of(emails)
        paths = salesgen.write(emails, os.path.join(root, "emails"))
        template = paths[0]
        plumbline = load_plumbline(args.plumbline)
        results = {"sentences": len(sentences), "emails": len(emails),
                   "unique_sentences": len(set(sentences)), "plumbline": os.path.relpath(args.plumbline, REPO),
                   "load_average_before": os.getloadavg()}
        print(f"{len(sentences)} sentences ({len(set(sentences))} distinct) in {len(emails)} emails; "
              f"plumb line {results['plumbline']} ({len(plumbline.stories)} entries)", flush=True)

        # Subprocesses first, while this process is still small (see run_child).
        onnx_source, export_times = export_onnx(backends, root)
        results["onnx_export_seconds"] = export_times
        results["startup"] = measure_startup(template, args.plumbline, backends, root, onnx_source, args.rounds)
        results["cli"] = {}
        if not (args.skip_cli or args.startup_only):
            for backend in backends:
                cache = fresh_cache(root, onnx_source)
                wall, rss, _, cpu = run_child(cli("check", os.path.join(root, "emails"), "--plumbline", args.plumbline,
                                                  "--backend", backend, "--format", "json", "-o", os.devnull),
                                              child_env(cache))
                results["cli"][backend] = {"seconds": wall, "cpu_seconds": cpu, "peak_rss_mib": rss}
        if not args.startup_only:
            results.update(measure_throughput(sentences, paths, plumbline, backends, root, onnx_source,
                                              args.throughput_rounds))
        for run in results["cli"].values():
            ref_rate = results["reference"]["sentences_per_second"]
            run["sentences_per_second"] = len(sentences) / run["seconds"]
            run["ratio_to_reference"] = run["sentences_per_second"] / ref_rate
        results["machine"] = machine()
        results["load_average_after"] = os.getloadavg()
        print_table(results, backends)
        if args.json_out:
            with open(args.json_out, "w", encoding="utf-8") as fh:
                json.dump(results, fh, indent=2)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def measure_startup(template: str, plumbline: str, backends: list[str], root: str, onnx_source, rounds: int) -> dict:
    """Interleaved rounds of: the import baseline, then per backend a cold and a warm check."""
    runs: dict[str, list] = {"import sentence_transformers": [], "python -c pass": [], "plumbline --help": []}
    for _ in range(rounds):
        env = child_env(fresh_cache(root, None))
        runs["python -c pass"].append(run_child([sys.executable, "-c", "pass"], env))
        runs["import sentence_transformers"].append(run_child([sys.executable, "-c", "import sentence_transformers"], env))
        runs["plumbline --help"].append(run_child(cli("--help"), env))
        for backend in backends:
            env = child_env(fresh_cache(root, onnx_source))
            argv = cli("check", template, "--plumbline", plumbline, "--backend", backend, "--format", "json")
            runs.setdefault(f"cold check ({backend})", []).append(run_child(argv, env))
            runs.setdefault(f"warm check ({backend})", []).append(run_child(argv, env))
            if backend == backends[0]:  # what the trained judge's reference sentences cost a cold run
                env = child_env(fresh_cache(root, onnx_source))
                runs.setdefault(f"cold check ({backend}, --judge thresholds)", []).append(
                    run_child(argv + ["--judge", "thresholds"], env))
    out = {}
    for name, samples in runs.items():
        out[name] = {"seconds": statistics.median(s[0] for s in samples), "all_seconds": [s[0] for s in samples],
                     "cpu_seconds": statistics.median(s[3] for s in samples),
                     "peak_rss_mib": max(s[1] for s in samples)}
    base, base_cpu = out["import sentence_transformers"]["seconds"], out["import sentence_transformers"]["cpu_seconds"]
    for entry in out.values():
        entry["ratio_to_import"] = entry["seconds"] / base
        entry["cpu_ratio_to_import"] = entry["cpu_seconds"] / base_cpu
    return out


def machine() -> dict:
    import platform

    import torch

    info = {"cpus": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as fh:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    try:
        info["load_average"] = os.getloadavg()
    except OSError:
        pass
    try:
        import onnxruntime

        info["onnxruntime"] = onnxruntime.__version__
    except ImportError:
        pass
    info["summary"] = f"{info['cpus']} CPUs ({info['cpu']}), torch {info['torch']} with {info['torch_threads']} threads"
    return info


def print_table(r: dict, backends: list[str]) -> None:
    if "reference" in r:
        print_throughput(r, backends)
    if r.get("onnx_export_seconds"):
        print("\nOne-time ONNX export + verification (seconds): "
              + ", ".join(f"{b} {s:.1f}" for b, s in r["onnx_export_seconds"].items()))
    print("\nStart-up, one template (median of rounds; x import = vs `python -c \"import sentence_transformers\"`)")
    print(f"{'what':<40}{'seconds':>9}{'x import':>10}{'CPU s':>8}{'CPU x import':>14}{'peak MiB':>10}")
    for name, s in r["startup"].items():
        print(f"{name:<40}{s['seconds']:>9.2f}{s['ratio_to_import']:>10.2f}{s['cpu_seconds']:>8.2f}"
              f"{s['cpu_ratio_to_import']:>14.2f}{s['peak_rss_mib']:>10}")
    print(f"\n{r['machine']['summary']}; load average before {fmt_load(r['load_average_before'])}, "
          f"after {fmt_load(r['load_average_after'])} (other work on the machine inflates wall times)")


def print_throughput(r: dict, backends: list[str]) -> None:
    ref = r["reference"]
    print(f"\nThroughput on {r['sentences']} sentences (higher is better; best of interleaved rounds, "
          f"median ratio beside it)")
    print(f"{'what':<58}{'sent/s':>9}{'x ref':>8}{'seconds':>9}{'median x':>10}{'CPU x ref':>11}")
    print(f"{'reference: SentenceTransformer.encode(batch_size=64)':<58}{ref['sentences_per_second']:>9.1f}"
          f"{1:>8.2f}{ref['seconds']:>9.2f}{1:>10.2f}{1:>11.2f}")
    dedup_rate = r["sentences"] / ref["distinct_only_seconds"]
    print(f"{'  (reference on distinct sentences only, for comparison)':<58}{dedup_rate:>9.1f}"
          f"{dedup_rate / ref['sentences_per_second']:>8.2f}{ref['distinct_only_seconds']:>9.2f}")
    for backend in backends:
        api = r["api"][backend]
        print(f"{f'api check(), models loaded, --backend {backend}':<58}{api['sentences_per_second']:>9.1f}"
              f"{api['ratio_to_reference']:>8.2f}{api['seconds']:>9.2f}{api['median_ratio_to_reference']:>10.2f}"
              f"{api['cpu_ratio_to_reference']:>11.2f}")
    for backend, cli_run in r["cli"].items():
        print(f"{f'cli plumbline check DIR, from cold, --backend {backend}':<58}{cli_run['sentences_per_second']:>9.1f}"
              f"{cli_run['ratio_to_reference']:>8.2f}{cli_run['seconds']:>9.2f}")
    print("\nWhere the api time goes (seconds, stage by stage)")
    print(f"{'backend':<12}" + "".join(f"{s:>10}" for s in ("load", "segment", "embed", "judge")) + f"{'segment/embed':>15}")
    for backend in backends:
        st = r["api"][backend]["stages"]
        print(f"{backend:<12}" + "".join(f"{st[s]:>10.2f}" for s in ("load", "segment", "embed", "judge"))
              + f"{st['segment'] / st['embed']:>15.2f}")


def fmt_load(values) -> str:
    return "/".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())

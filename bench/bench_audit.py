"""Benchmark `plumbline audit`: peak memory and wall time over N synthetic messages.

Generates N seeded messages against the Northwind plumb line (emails with Date headers over
twelve months, call transcripts with a prospect, plain-text call notes in rep folders; a
realistic mix of on-story, drifting, off-message and neutral sentences), then audits them
with the HTML report. Memory is measured against a baseline taken in the same process after
the model, spaCy (both pipelines) and scikit-learn are loaded, so the numbers isolate what
the audit itself holds; RSS is also sampled as the run goes to show it stays flat.

    python bench/bench_audit.py --messages 100000 --encoder fake   # streaming + aggregation + spaCy
    python bench/bench_audit.py --messages 100000 --encoder real   # the real model (hours on 2 cores)

With `--engine ray` it compares the engines instead: the same emails (bench/salesgen.py, whose
sentences are mostly distinct, unlike the messages above, whose few templates the encoder's
in-memory cache would answer) are audited by the in-process engine and by `--engine ray` (a
local Ray instance sized to the machine, or the cluster at `--ray-address`), each in a fresh
child process (so each driver's peak RSS is its own) with an empty PLUMBLINE_CACHE_DIR of its
own (so neither reads what the other embedded), the real model and the CLI's settings (the rep
tracker included). It prints sentences/second, the driver's peak RSS and the Ray worker
processes' peak RSS, with ratios against the in-process run, and checks both engines gave the
same counts.

    python bench/bench_audit.py --engine ray --sentences 6000       # about 3 minutes on 2 CPUs
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "bench"))
PLUMBLINE = os.path.join(REPO, "corpus", "companies", "northwind", "plumbline")

REPS = ["Dana Whitfield", "Marco Ruiz", "Aisha Osei", "Tom Kowalski", "Priya Patel", "Kevin Brooks", "Sofia Vance",
        "Grace Quinn", "Omar Nguyen", "Hannah Mullins", "Luis Alvarez", "Mei Chen"]
PROSPECTS = ["Priya", "Greg", "Rosa", "Tasha", "Owen", "Martin", "Lena", "Sam", "Ivy", "Carlos"]
COMPANIES = ["Castellan", "Brightline", "Harbor Foods", "Keystone Plastics", "Redline Freight", "Summit Clinics"]
COMPETITORS = ["PayCrest", "Gusto", "ADP", "their current vendor"]
SLOTS = {
    "prospect": PROSPECTS, "company": COMPANIES, "competitor": COMPETITORS,
    "n": ["three", "five", "nine", "eleven", "twelve"], "pct": ["10", "15", "20", "25", "30"],
    "day": ["Tuesday", "Wednesday", "Thursday", "Friday", "Monday"], "hour": ["10am", "11:30", "2pm", "4pm"],
    "period": ["month", "quarter", "week"], "thing": ["plants", "pay calendar", "states", "quirks", "shifts"],
    "industry": ["trucking", "restaurant", "clinic", "manufacturing", "retail"],
}
ALIGNED = [
    "Pay runs, tax deposits and year-end forms all come out of one employee record, so nobody types the same person into three systems.",
    "Our filing team registers every new state for you and answers any agency letter that arrives.",
    "If a penalty turns out to be our mistake, we pay it, not you.",
    "You get one named payroll specialist who learns your {thing}, not a ticket queue.",
    "The real cost of payroll is the hours your team spends fixing pay runs, not the per-employee price.",
    "A {industry} company with staff in {n} states went from three days of processing per payroll to half a day.",
    "Filings in every state, year-end forms and off-cycle runs are included in the per-employee price.",
    "When an agency notice shows up, you forward it to us and our resolution team deals with the agency directly.",
    "Hours, pay runs and filings hang off one record per employee, so there is no spreadsheet in the middle.",
]
DRIFT = [
    "Northwind is basically a full HR suite now, with performance reviews and PTO tracking built in.",
    "Our platform can even predict which employees are about to quit.",
    "We also include an employment attorney hotline with every plan.",
    "Our migration tool pulls everything out of {competitor} automatically with one click.",
    "We plug straight into every accounting system out there, so your GL sync is basically automatic.",
    "We do a free wage-and-hour audit every quarter for every client.",
    "We can also take over your 401(k) administration so you can drop the separate recordkeeper.",
]
OFF = [
    "If you sign before the end of the {period}, I can take {pct}% off the first year.",
    "I can guarantee you will never see another late-filing penalty.",
    "We'll have you live in two weeks, guaranteed, no matter what your data looks like.",
    "Our AI assistant that runs payroll by itself launches next quarter, so you can plan on it.",
    "I went to bat for you and got a special price I can't offer anyone else.",
    "Whatever {competitor} quotes you, send it to me and I'll match it.",
]
NEUTRAL = [
    "Thanks again for your time on {day}.", "Would {day} at {hour} work for a quick call?",
    "Let me know if you have any questions.", "I'll send the proposal over by {day}.",
    "Who else on your side should join the next call?", "Talk soon.", "Just circling back on this.",
]
MIX = ((ALIGNED, 0.45), (DRIFT, 0.22), (OFF, 0.10), (NEUTRAL, 0.23))


def fill(template: str, rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(SLOTS[m.group(1)]), template)


def sentences(rng: random.Random, k: int) -> list[str]:
    pools, weights = zip(*MIX)
    return [fill(rng.choice(rng.choices(pools, weights)[0]), rng) for _ in range(k)]


def email(rng: random.Random, rep: str, i: int, k: int) -> str:
    month = 1 + i % 12
    prospect = rng.choice(PROSPECTS)
    body = sentences(rng, k)
    paragraphs = [" ".join(body[j:j + 3]) for j in range(0, len(body), 3)]
    user = rep.lower().replace(" ", ".")
    return (f"From: {rep} <{user}@northwind.example>\nTo: {prospect} <{prospect.lower()}@{rng.choice(COMPANIES).split()[0].lower()}.example>\n"
            f"Date: Tue, {1 + i % 28:02d} {['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][month - 1]} 2025 10:{i % 60:02d}:00 -0500\n"
            f"Subject: Payroll for {rng.choice(COMPANIES)}\nMessage-ID: <m{i}@northwind.example>\n\n"
            f"Hi {prospect},\n\n" + "\n\n".join(paragraphs) + f"\n\nBest,\n{rep}\n")


def transcript(rng: random.Random, rep: str, k: int) -> str:
    prospect = rng.choice(PROSPECTS)
    lines, t = [], 3
    for said in sentences(rng, k):
        lines.append(f"[00:{t // 60:02d}:{t % 60:02d}] {rep}: {said}")
        t += 20
        lines.append(f"[00:{t // 60:02d}:{t % 60:02d}] {prospect} Nair: Okay, and how does that work for us?")
        t += 9
    return "\n".join(lines) + "\n"


def generate(directory: str, n: int, seed: int, short: bool) -> None:
    """N messages: 70% emails, 20% call transcripts, 10% plain-text call notes in rep folders."""
    rng = random.Random(seed)
    for folder in ("sequence-intro", "sequence-followup", "calls", "notes"):
        os.makedirs(os.path.join(directory, folder), exist_ok=True)
    for i in range(n):
        rep = REPS[rng.randrange(len(REPS))]
        k = rng.randint(2, 4) if short else rng.randint(3, 9)
        kind = rng.random()
        if kind < 0.7:
            path = os.path.join(directory, "sequence-intro" if i % 2 else "sequence-followup", f"m{i:06d}.eml")
            text = email(rng, rep, i, k)
        elif kind < 0.9:
            path, text = os.path.join(directory, "calls", f"call{i:06d}.txt"), transcript(rng, rep, k)
        else:
            folder = os.path.join(directory, "notes", rep.split()[0].lower())
            os.makedirs(folder, exist_ok=True)
            path, text = os.path.join(folder, f"note{i:06d}.txt"), " ".join(sentences(rng, k)) + "\n"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)


class FakeEncoder:
    """Hashed bag of words in 384 dimensions: no model, so the run measures everything else."""

    name, fingerprint, dim = "fake", "fake-bow-384", 384

    def encode(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9']+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
                out[i, h % self.dim] += 1.0 if (h >> 20) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--sentences", type=int, default=6000, help="with --engine ray: sentences to generate")
    parser.add_argument("--encoder", choices=("fake", "real"), default="fake")
    parser.add_argument("--short", action="store_true", help="2-4 sentences a message instead of 3-9")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch-files", type=int, default=64)
    parser.add_argument("--workdir", help="Keep the generated messages, state and report here.")
    parser.add_argument("--json", help="Also write the measurements to this file.")
    parser.add_argument("--judge", choices=("model", "thresholds"), default="model",
                        help="judge, as `plumbline audit --judge` (default: the trained model)")
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="ray: compare the in-process and Ray engines on the same inputs (real model)")
    parser.add_argument("--ray-address", help="with --engine ray: the cluster to join [default: a local instance]")
    parser.add_argument("--backend", default="torch", help="embedding runtime, as `plumbline audit --backend`")
    parser.add_argument("--child", choices=("local", "ray"), help=argparse.SUPPRESS)  # one engine's run
    args = parser.parse_args()

    workdir = args.workdir or tempfile.mkdtemp(prefix="bench-audit-")
    messages = os.path.join(workdir, "messages")
    if args.child:
        from audit_engines import engine_run

        engine_run(args, messages, workdir)
        return
    if args.engine == "ray":
        import salesgen
        from audit_engines import compare_engines

        salesgen.write(salesgen.generate(args.sentences, args.seed), messages)
        compare_engines(args, workdir, os.path.abspath(__file__))
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        return
    started = time.perf_counter()
    if not os.path.isdir(messages):
        generate(messages, args.messages, args.seed, args.short)
    generated = time.perf_counter() - started

    from plumbline.audit import run_audit
    from plumbline.audit.themes import _chunker
    from plumbline.formats import LoadOptions
    from plumbline.judge import JudgeSettings
    from plumbline.pipeline import prepare_judge
    from plumbline.plumbline_file import load_plumbline
    from plumbline.report.html import render
    from plumbline.segment import load_nlp

    started = time.perf_counter()
    plumbline = load_plumbline(PLUMBLINE)
    encoder = FakeEncoder() if args.encoder == "fake" else None
    judge = prepare_judge(plumbline, JudgeSettings(judge=args.judge), encoder=encoder)
    load_nlp(), _chunker()
    import sklearn.cluster  # noqa: F401  (themes and the map load these; count them in the baseline)
    import sklearn.decomposition  # noqa: F401
    import sklearn.metrics  # noqa: F401
    judge.encoder.encode(["Warm up the model with one sentence."])
    baseline_rss, baseline_peak = rss_mb(), peak_mb()
    loaded = time.perf_counter() - started

    samples = []

    def on_progress(p):
        samples.append((p.files_done, p.sentences, round(rss_mb(), 1), round(time.perf_counter() - t0, 1)))
        if len(samples) % 50 == 0:
            print(f"  {p.files_done}/{p.files_total} files, {p.sentences} sentences, rss {rss_mb():.0f} MB, "
                  f"{time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

    state = os.path.join(workdir, "state")
    shutil.rmtree(state, ignore_errors=True)
    t0, cpu0 = time.perf_counter(), _cpu_s()
    summary = run_audit([messages], plumbline, options=LoadOptions(reps=tuple(REPS)), judge=judge, state_dir=state,
                        batch_files=args.batch_files, on_progress=on_progress)
    audited, audited_cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    audit_peak = peak_mb()
    print(f"audited in {audited:.0f} s; peak so far {audit_peak:.0f} MB", file=sys.stderr, flush=True)
    with open(os.path.join(workdir, "report.html"), "w", encoding="utf-8") as fh:
        render(summary, fh)
    total = time.perf_counter() - t0

    def at(fraction):
        target = fraction * summary.files
        return next((s for s in samples if s[0] >= target), samples[-1])

    result = {
        "messages": summary.messages, "files": summary.files, "sentences": summary.sentences,
        "encoder": args.encoder, "judge": args.judge, "short": args.short, "batch_files": args.batch_files,
        "generate_s": round(generated, 1), "load_s": round(loaded, 1),
        "audit_s": round(audited, 1), "audit_cpu_s": round(audited_cpu, 1), "audit_and_report_s": round(total, 1),
        "load_average_at_end": os.getloadavg()[0],
        "sentences_per_s": round(summary.sentences / audited),
        "baseline_rss_mb": round(baseline_rss), "baseline_peak_mb": round(baseline_peak),
        "peak_rss_mb": round(peak_mb()), "peak_over_baseline_mb": round(peak_mb() - baseline_rss),
        "peak_rss_before_report_mb": round(audit_peak),
        "rss_mb_at_10_50_100_pct": [at(0.1)[2], at(0.5)[2], at(1.0)[2]],
        "state_mb": round(sum(os.path.getsize(os.path.join(state, f)) for f in os.listdir(state)) / 2**20, 1),
        "report_kb": round(os.path.getsize(os.path.join(workdir, "report.html")) / 1024),
        "labels": dict(summary.labels), "themes": [t.name for t in summary.themes],
    }
    print(json.dumps(result, indent=2))
    print(f"\npeak memory {result['peak_rss_mb']} MB = baseline {result['baseline_rss_mb']} MB (model + spaCy loaded) "
          f"+ {result['peak_over_baseline_mb']} MB for the audit of {summary.messages:,} messages "
          f"({summary.sentences:,} sentences) in {audited:,.0f} s wall, {audited_cpu:,.0f} s CPU; {result['peak_rss_mb'] / 1024:.2f} GB "
          f"{'<' if result['peak_rss_mb'] < 1536 else '>='} 1.5 GB")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(dict(result, progress=samples[:: max(1, len(samples) // 200)]), fh, indent=2)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

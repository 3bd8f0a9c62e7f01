"""Benchmark `plumbline contacts` on a synthetic touch log, against a DuckDB COUNT(*) baseline.

    python bench/bench_contacts.py --touches 1000000
    python bench/bench_contacts.py --touches 10000000 --memory-limit 4GB

The log (seeded, so every run sees the same data) is written to a temporary directory by
DuckDB itself. Each measurement runs in a fresh child process so its wall time and peak
RSS (ru_maxrss, DuckDB included) are its own: the baseline reads every column of the CSV
with the same reader options and counts rows; the rules run the whole check (load, dedupe,
every rule, findings). repeat-pitch uses a small deterministic fake encoder unless
--real-encoder is given (the real model's cost depends on distinct bodies, not touches).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

COLUMNS = ("timestamp", "contact", "account", "channel", "team", "sender", "subject", "body", "template_id",
           "opted_out", "opted_out_since")

GENERATE = """
COPY (
WITH base AS (
  SELECT i,
    CASE WHEN hash(i, {seed}, 'hot') % 10 = 0 THEN hash(i, {seed}, 'h') % {hot}
         ELSE hash(i, {seed}, 'c') % {contacts} END AS c,
    TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds((hash(i, {seed}, 't') % (365::BIGINT * 86400 * 1000000))::BIGINT) AS ts,
    [-300, -240, 0, 60, 330, -480][(1 + hash(i, {seed}, 'z') % 6)::BIGINT] AS offset_min,
    ['email','email','email','email','email','email','email','email','email','call','call','call','sms',
     'linkedin','linkedin','meeting','campaign','campaign','campaign','campaign'][(1 + hash(i, {seed}, 'ch') % 20)::BIGINT] AS channel,
    hash(i, {seed}, 's') % 150 AS s,
    hash(i, {seed}, 'b') % 300 AS template,
    hash(i, {seed}, 'x') % 10000 AS noise
  FROM range({n}) r(i)
), rows AS (
  SELECT
    CASE WHEN noise = 0 THEN 'n/a' ELSE
      strftime(ts AT TIME ZONE 'UTC' + to_minutes(offset_min), '%Y-%m-%dT%H:%M:%S') ||
      CASE WHEN offset_min = 0 THEN 'Z' ELSE printf('%s%02d:%02d', CASE WHEN offset_min < 0 THEN '-' ELSE '+' END,
           abs(offset_min) // 60, abs(offset_min) % 60) END END AS timestamp,
    CASE WHEN noise = 1 THEN '' ELSE 'contact' || c || '@acct' || (c // 4) || '.example' END AS contact,
    CASE WHEN c % 3 = 0 THEN '' ELSE 'Account ' || (c // 4) END AS account,
    channel,
    CASE WHEN channel = 'campaign' OR (channel = 'email' AND s >= 120) THEN 'Marketing' ELSE 'Sales' END AS team,
    CASE WHEN channel = 'campaign' THEN 'news' || (s % 30) || '@vendor.example' ELSE 'rep' || s || '@vendor.example' END AS sender,
    CASE WHEN channel IN ('email', 'campaign') THEN 'Subject ' || template END AS subject,
    CASE WHEN channel IN ('email', 'campaign', 'linkedin') THEN
      'Hi ' || ['Ana','Bo','Chen','Dee','Eli','Fay','Gus','Hal'][(1 + c % 8)::BIGINT] || ', ' ||
      array_to_string(list_transform(range(14), lambda j: {vocabulary}[(1 + hash(template, j) % {words})::BIGINT]), ' ') ||
      CASE WHEN template % 7 = 0 THEN '.' || chr(10) || 'Worth a "quick" call?' ELSE '. Worth a quick call?' END END AS body,
    CASE WHEN channel = 'campaign' THEN 'tpl-' || (template % 40) END AS template_id,
    CASE WHEN c % 500 = 7 AND ts > TIMESTAMPTZ '2024-07-01 00:00:00+00' THEN 'yes' END AS opted_out,
    CASE WHEN c % 500 = 7 AND ts > TIMESTAMPTZ '2024-07-01 00:00:00+00' THEN '2024-07-01T00:00:00Z' END AS opted_out_since
  FROM base
)
SELECT * FROM rows
UNION ALL SELECT * FROM rows WHERE hash(timestamp, contact) % 500 = 0  -- 0.2% duplicated rows
) TO '{path}' (HEADER, DELIMITER ',')
"""


VOCABULARY = (
    "onboarding payroll compliance audit revenue pipeline forecast churn renewal quota territory "
    "integration security analytics dashboard workflow automation savings hiring retention benefits "
    "expansion pricing procurement budget quarter roadmap migration support training adoption "
    "visibility reporting accuracy speed risk growth margin cash invoices approvals vendors contracts "
    "customers partners teams leaders finance operations engineering sales marketing product legal "
    "europe benchmark webinar case study demo pilot trial"
).split()


def generate(path: str, n: int, seed: int) -> None:
    import duckdb

    con = duckdb.connect()
    contacts = max(1, n // 8)
    vocabulary = "[" + ", ".join(f"'{w}'" for w in VOCABULARY) + "]"
    con.execute(GENERATE.format(seed=seed, n=n, contacts=contacts, hot=max(1, contacts // 100), path=path,
                                vocabulary=vocabulary, words=len(VOCABULARY)))
    con.close()


def baseline(path: str, threads: int, memory_limit: str) -> dict:
    """Read every column as text with the loader's options and count the rows."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}; SET memory_limit = '{memory_limit}'")
    types = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS) + "}"
    start, cpu = time.perf_counter(), time.process_time()
    rows = con.execute(f"""SELECT count(*) FROM read_csv('{path}', columns = {types},
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ignore_errors = true)""").fetchone()
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "rows": rows[0]}


def rules(path: str, threads: int, memory_limit: str, real_encoder: bool) -> dict:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from plumbline.contacts import check_contacts, default_encoder
    from plumbline.contacts.settings import ContactSettings

    settings = ContactSettings(threads=threads, memory_limit=memory_limit)
    start, cpu = time.perf_counter(), time.process_time()
    report = check_contacts([path], settings, encoder_factory=default_encoder if real_encoder else FakeEncoder)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu": time.process_time() - cpu, "rows": report.files[0].messages,
            "by_rule": report.summary()["by_rule"]}


class FakeEncoder:
    """Hashed bag of words, L2-normalised: deterministic, model-free, similar text → similar vector."""

    def encode(self, texts):
        import re
        import zlib

        import numpy as np

        out = np.zeros((len(texts), 256), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9']+", text.lower()):
                h = zlib.crc32(word.encode())
                out[i, h % 256] += 1.0 if (h >> 8) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def child(args) -> None:
    result = (baseline(args.file, args.threads, args.memory_limit) if args.child == "baseline"
              else rules(args.file, args.threads, args.memory_limit, args.real_encoder))
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(phase: str, path: str, args) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--child", phase, "--file", path,
               "--threads", str(args.threads), "--memory-limit", args.memory_limit]
    if args.real_encoder:
        command.append("--real-encoder")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--touches", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--real-encoder", action="store_true", help="Embed bodies with the real offline model.")
    parser.add_argument("--keep", metavar="DIR", help="Write the log here and keep it (default: a temp dir).")
    parser.add_argument("--child", choices=("baseline", "rules"), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    with tempfile.TemporaryDirectory(prefix="bench-contacts-") as tmp:
        path = os.path.join(args.keep or tmp, f"touches-{args.touches}.csv")
        if not os.path.exists(path):
            start = time.perf_counter()
            generate(path, args.touches, args.seed)
            print(f"generated {path} ({os.path.getsize(path) / 2**20:.0f} MiB) in {time.perf_counter() - start:.1f}s")
        base = measure("baseline", path, args)
        run = measure("rules", path, args)
    print(f"touches        {args.touches:,} (+ duplicates; {run['rows']:,} rows read)")
    print(f"threads        {args.threads}, memory_limit {args.memory_limit}, encoder {'real' if args.real_encoder else 'fake'}")
    print(f"load average   {os.getloadavg()[0]:.1f} (other work on this machine slows wall time, not CPU time)")
    print(f"baseline       {base['seconds']:.1f}s wall, {base['cpu']:.1f}s CPU, peak RSS {base['peak_rss_mib']:.0f} MiB  (DuckDB COUNT(*) over the CSV)")
    print(f"contacts       {run['seconds']:.1f}s wall, {run['cpu']:.1f}s CPU, peak RSS {run['peak_rss_mib']:.0f} MiB  (load, dedupe, all rules, findings)")
    print(f"ratio          {run['seconds'] / base['seconds']:.1f}x wall, {run['cpu'] / base['cpu']:.1f}x CPU, "
          f"{run['peak_rss_mib'] / base['peak_rss_mib']:.1f}x memory")
    print(f"findings       {json.dumps(run['by_rule'], sort_keys=True)}")


if __name__ == "__main__":
    main()

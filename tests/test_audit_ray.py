"""`plumbline audit --engine ray` on a local Ray instance (2 CPUs), the real model and trained
judge: the same summary, per-file records and CSV rows as the in-process engine over a corpus
with good and bad files, every input once; an interrupted Ray audit resumes without judging the
saved files again. Skipped when Ray is not installed (.ci/run installs the ray extra)."""
import csv
import io
import json
import os

import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from plumbline.audit import run_audit  # noqa: E402
from plumbline.audit.aggregate import S_VECTOR  # noqa: E402
from plumbline.audit.export import CsvSink  # noqa: E402
from plumbline.formats import LoadOptions  # noqa: E402
from plumbline.pipeline import prepare_judge  # noqa: E402
from plumbline.plumbline_file import load_plumbline  # noqa: E402

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUMBLINE = os.path.join(REPO, "corpus", "companies", "northwind", "plumbline")
OPTIONS = LoadOptions(reps=("Priya Natarajan", "Tomás Ferreira"), max_bytes=4000)

EMAIL = """From: {sender}
To: ops@harbourfreight.example
Subject: {subject}
Date: {date}

Hi Sam,

{body}

Best,
{sender}
"""
GOOD = {
    "priya/first-note.eml": ("Priya Natarajan <priya@northwind.example>", "Payroll across states", "Mon, 06 Jan 2025 09:00:00 +0000",
                             "Northwind runs payroll for every state you hire in and files the taxes for you. "
                             "Your team stops re-keying hours between systems."),
    "priya/second-note.eml": ("Priya Natarajan <priya@northwind.example>", "Quick follow-up", "Tue, 11 Feb 2025 10:00:00 +0000",
                              "If you sign by Friday I can take 25% off the first year. "
                              "Our founder also restores vintage motorcycles on weekends."),
    "tomas/intro.eml": ("Tomás Ferreira <tomas@northwind.example>", "Onboarding", "Wed, 05 Mar 2025 08:30:00 +0000",
                        "Does onboarding a new hire still take your team most of a week? "
                        "We guarantee you will never see a compliance fine again."),
    "tomas/pricing.eml": ("Tomás Ferreira <tomas@northwind.example>", "Pricing", "Thu, 20 Mar 2025 14:00:00 +0000",
                          "Benefits enrolment happens in the same app your people already use for time off. "
                          "Happy to walk through it on a call next week."),
}
NOTES = "Call notes: the customer asked about payroll in two states.\nThey want benefits in the same place.\n"
CALL = """[00:00:03] Tomás Ferreira: Thanks for joining, Sam.
[00:00:09] Sam Okafor: Can you show us the multi-state setup?
[00:00:15] Tomás Ferreira: Every state registration and deposit is handled by our filing team.
[00:00:31] Sam Okafor: And the switch itself?
[00:00:36] Tomás Ferreira: We have you live in two weeks, guaranteed, no matter what your data looks like.
"""


def write_corpus(root) -> list[str]:
    """Good emails in two reps' folders, a call transcript, a plain note, and four files that cannot be read."""
    for name, (sender, subject, date, body) in GOOD.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(EMAIL.format(sender=sender, subject=subject, date=date, body=body), encoding="utf-8")
    (root / "notes.txt").write_text(NOTES, encoding="utf-8")
    (root / "calls").mkdir()
    (root / "calls" / "2025-04-demo-harbour.txt").write_text(CALL, encoding="utf-8")  # a transcript: turns kept
    (root / "empty.txt").write_bytes(b"")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (root / "broken.json").write_text('{"segments": [{"speaker": "Priya Natarajan", "text": ', encoding="utf-8")
    (root / "huge.txt").write_text("Northwind runs payroll. " * 400, encoding="utf-8")
    return sorted(str(p) for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def local_ray():
    from plumbline.audit.ray_engine import job_runtime_env

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, runtime_env=job_runtime_env(), logging_level="WARNING")
    yield
    ray.shutdown()


def audit(corpus, state, engine, **kw):
    plumbline = load_plumbline(PLUMBLINE)
    judge = prepare_judge(plumbline)
    out = io.StringIO()
    summary = run_audit([str(corpus)], plumbline, options=OPTIONS, judge=judge, state_dir=str(state), batch_files=3,
                        engine=engine, sinks=[CsvSink(out)], **kw)
    return summary, out.getvalue()


def records(state) -> list[dict]:
    rows = [json.loads(line) for f in state.glob("*.jsonl") for line in f.open(encoding="utf-8")]
    for row in rows:  # which sentences got a stored vector depends on what came back when: not compared
        for sentence in row["sentences"]:
            sentence[S_VECTOR] = None
    return rows


def stable(summary) -> dict:
    return {k: v for k, v in summary.as_dict().items() if k != "generated"}


def test_ray_engine_gives_the_in_process_results_every_input_once(tmp_path, local_ray):
    inputs = write_corpus(tmp_path / "corpus")
    local, local_csv = audit(tmp_path / "corpus", tmp_path / "local", "local")
    ray_summary, ray_csv = audit(tmp_path / "corpus", tmp_path / "ray", "ray")

    assert stable(ray_summary) == stable(local)
    assert ray_csv == local_csv
    by_path = {r["path"]: r for r in records(tmp_path / "ray")}
    assert len(records(tmp_path / "ray")) == len(by_path) == len(inputs), "every input exactly once"
    assert sorted(by_path) == inputs
    assert by_path == {r["path"]: r for r in records(tmp_path / "local")}
    errors = {os.path.basename(p): r["error"] for p, r in by_path.items() if r["error"]}
    assert sorted(errors) == ["binary.txt", "broken.json", "empty.txt", "huge.txt"]
    assert all("\n" not in e for e in errors.values())
    assert ray_summary.files == len(inputs) and ray_summary.errors == 4 and ray_summary.sentences > 8
    assert {g.name for g in ray_summary.by_rep} >= {"Priya Natarajan", "Tomás Ferreira"}
    call = next(r for p, r in by_path.items() if p.endswith("2025-04-demo-harbour.txt"))
    assert call["turns"] and call["messages"][0][3] == "2025-04", "a transcript keeps its turns and its date"
    assert ray_summary.labels["drift"] + ray_summary.labels["off-message"] > 0
    assert len(list(csv.DictReader(io.StringIO(ray_csv)))) >= len(GOOD)


def test_interrupted_ray_audit_resumes_without_judging_again(tmp_path, local_ray, monkeypatch):
    from plumbline.audit import run as run_module

    inputs = write_corpus(tmp_path / "corpus")
    whole, _ = audit(tmp_path / "corpus", tmp_path / "whole", "ray")

    def stop_after_first_batch(progress):
        if progress.judged:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        audit(tmp_path / "corpus", tmp_path / "state", "ray", on_progress=stop_after_first_batch)
    saved = {r["path"] for r in records(tmp_path / "state")}
    assert len(saved) == 3

    came_back = []
    accept = run_module._Streamer._accept

    def counting(self, judged, save=True):
        came_back.append(judged.record["path"])
        return accept(self, judged, save)

    monkeypatch.setattr(run_module._Streamer, "_accept", counting)
    resumed, _ = audit(tmp_path / "corpus", tmp_path / "state", "ray")
    assert (resumed.resumed_files, resumed.judged_files) == (3, len(inputs) - 3)
    assert sorted(came_back) == sorted(set(inputs) - saved), "the workers judged only the files not saved"
    assert len(records(tmp_path / "state")) == len(inputs)
    assert stable(resumed) | {"judged_files": 0, "resumed_files": 0} == stable(whole) | {"judged_files": 0, "resumed_files": 0}

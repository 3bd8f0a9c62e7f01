"""Batch audits: judge a whole export (thousands of emails, calls and scripts) against the
plumb line and keep what an enablement lead needs to read — counts by rep, folder and month,
story coverage, drift themes, a sentence map and the worst messages — in flat memory, with
results written as it goes so an interrupted run resumes.

    from plumbline import load_plumbline
    from plumbline.audit import run_audit
    summary = run_audit(["exports/"], load_plumbline("plumbline/"), state_dir=".audit-state")
    for rep in summary.by_rep: print(rep.name, rep.drift_score)

Modules: grouping (who/where/when), sampling (order-free bounded samples), state (resume),
aggregate (counts), themes (clusters named by noun phrases), projection (2-D map),
run (the streaming driver), export (CSV and JSON files).
"""
from __future__ import annotations

from plumbline.audit.run import AuditProgress, RecordSink, run_audit
from plumbline.audit.summary import AuditSummary, GroupStats, MapPoint, SampleSentence, StoryInfo, Theme, WorstMessage

__all__ = ["run_audit", "AuditProgress", "RecordSink", "AuditSummary", "GroupStats", "MapPoint", "SampleSentence", "StoryInfo",
           "Theme", "WorstMessage"]


"""The audit as files for spreadsheets and dashboards: one CSV row per message and rep,
streamed as records arrive, and the summary as JSON."""
from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from typing import TextIO

from plumbline.audit.aggregate import M_DATED, M_FOLDER, M_INDEX, M_MONTH, M_REP, S_LABEL, S_MESSAGE, S_REP, S_STORY
from plumbline.audit.run import RecordSink
from plumbline.audit.summary import AuditSummary, drift_score
from plumbline.model import LABELS

CSV_COLUMNS = ("path", "message", "rep", "folder", "month", "dated", "sentences", *LABELS, "drift_score", "stories", "error")


class CsvSink(RecordSink):
    """Writes one row per (message, rep) — a message with two reps speaking gives two rows."""

    def __init__(self, out: TextIO):
        self.out = out
        self.writer = csv.writer(out, lineterminator="\n")
        self.writer.writerow(CSV_COLUMNS)

    def add(self, record: dict) -> None:
        if record.get("error"):
            self.writer.writerow([record["path"], "", "", "", "", "", 0, *(0 for _ in LABELS), "", "", record["error"]])
            return
        rows: dict[tuple[int, str], tuple[Counter, dict]] = defaultdict(lambda: (Counter(), {}))
        for s in record["sentences"]:
            labels, stories = rows[(s[S_MESSAGE], s[S_REP])]
            labels[s[S_LABEL]] += 1
            if s[S_LABEL] == "aligned" and s[S_STORY]:
                stories.setdefault(s[S_STORY], None)
        for message in record["messages"]:
            mine = [(rep, data) for (index, rep), data in rows.items() if index == message[M_INDEX]]
            for rep, (labels, stories) in mine or [(message[M_REP], (Counter(), {}))]:
                score = drift_score(labels)
                self.writer.writerow([
                    record["path"], message[M_INDEX], rep, message[M_FOLDER], message[M_MONTH],
                    "yes" if message[M_DATED] else "no",
                    sum(labels.values()), *(labels.get(label, 0) for label in LABELS),
                    "" if score is None else round(score, 4), " ".join(stories), "",
                ])

    def close(self) -> None:
        self.out.flush()


def write_json(summary: AuditSummary, out: TextIO) -> None:
    json.dump(summary.as_dict(), out, indent=2, ensure_ascii=False)
    out.write("\n")

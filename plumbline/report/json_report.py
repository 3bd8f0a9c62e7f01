"""The JSON contract (see README "JSON output"): stable keys, one entry per input path."""
from __future__ import annotations

import json
from typing import TextIO

from plumbline.model import Evidence, Finding, PlumbLineSentence, Report


def plumbline_sentence_record(s: PlumbLineSentence | None) -> dict | None:
    if s is None:
        return None
    return {"entry": s.entry, "title": s.title, "kind": s.kind, "text": s.text, "path": s.path, "line": s.line}


def evidence_record(e: Evidence | None) -> dict | None:
    """Why the finding fired: `nearest` plumb-line sentence and `similarity` to it (drift:
    against `typical`, what sentences telling that story score), or the `words` a pattern fired on."""
    if e is None:
        return None
    return {"summary": e.summary, "nearest": plumbline_sentence_record(e.nearest), "similarity": e.similarity,
            "typical": e.typical, "words": list(e.words)}


def finding_record(f: Finding) -> dict:
    return {
        "rule": f.rule,
        "severity": f.severity,
        "line": f.line,
        "column": f.column,
        "message": f.message,
        "story": f.story,
        "confidence": None if f.confidence is None else round(f.confidence, 4),
        "text": f.text,
        "speaker": f.speaker,
        "suppressed": f.suppressed,
        **({"details": dict(f.details)} if f.details else {}),
        "evidence": evidence_record(f.evidence),
        "suggestion": plumbline_sentence_record(f.suggestion),
    }


def as_dict(report: Report) -> dict:
    plumbline = None
    if report.plumbline is not None:
        plumbline = {
            "path": report.plumbline.path,
            "stories": [{"id": s.id, "title": s.title, "kind": s.kind} for s in report.plumbline.stories],
        }
    files = []
    for result in report.files:
        files.append(
            {
                "path": result.path,
                "error": result.error,
                "segments": [
                    {
                        "line": j.sentence.line,
                        "column": j.sentence.column,
                        "speaker": j.sentence.speaker,
                        "text": j.sentence.text,
                        "label": j.label,
                        "story": j.story,
                        "score": round(j.score, 4),
                        "confidence": round(j.confidence, 4),
                    }
                    for j in result.judgements
                ],
                "findings": [finding_record(f) for f in result.findings],
                "coverage": list(result.coverage),
                "notes": list(result.notes),
            }
        )
    out = {"plumbline": plumbline, "files": files, "summary": report.summary()}
    if report.findings:
        out["findings"] = [dict(finding_record(f), path=f.path) for f in report.findings]
    return out


def render(report: Report, out: TextIO, **_) -> None:
    json.dump(as_dict(report), out, indent=2, ensure_ascii=False)
    out.write("\n")

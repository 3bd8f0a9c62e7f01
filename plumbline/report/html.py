"""The audit as one self-contained HTML page an enablement lead can open from disk.

Rendered with Jinja2, autoescape on, so every quoted sentence, path and name is escaped.
Charts are inline SVG whose geometry is computed here; the page loads nothing (a Content
Security Policy forbids it) and runs no script. Takes an `AuditSummary`, not a `Report`:
the page needs the audit's groupings, themes and map, which a check does not compute.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from importlib import resources
from typing import TextIO

from plumbline.audit.summary import OFF_PLUMB_LINE, AuditSummary, GroupStats
from plumbline.model import LABELS

LABEL_COLORS = {"aligned": "#2b6cb0", "drift": "#d98a0b", "off-message": "#c53030", "neutral": "#a0aec0"}
LABEL_NAMES = {"aligned": "On the plumb line", "drift": "Drift", "off-message": "Off-message", "neutral": "Neutral"}
SERIES_COLORS = ("#1a202c", "#4c78a8", "#54a24b", "#b279a2", "#9d755d", "#72b7b2", "#e377c2")
MAX_COLUMNS = 12  # reps or folders shown in a heatmap (the largest)
DENSE_COLUMNS = 7  # beyond this many, cells show only the percentage (counts stay in the tooltip)
MAX_SERIES = 5  # reps drawn over time, besides the overall line


def render(summary: AuditSummary, out: TextIO, title: str | None = None, **_) -> None:
    out.write(_environment().get_template("audit.html.j2").render(**view(summary, title)))


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("plumbline.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = pct
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["basename"] = lambda path: path.replace("\\", "/").rsplit("/", 1)[-1]
    return env


def pct(value: float | None) -> str:
    if value is None:
        return "–"
    if 0 < value < 0.005:
        return "<1%"
    return f"{value:.0%}"


def view(summary: AuditSummary, title: str | None = None) -> dict:
    from markupsafe import Markup

    css = resources.files("plumbline.report").joinpath("assets/report.css").read_text("utf-8")
    reps = [g for g in summary.by_rep if g.sentences]
    folders = sorted((g for g in summary.by_folder if g.sentences), key=lambda g: (-g.messages, g.name))
    return {
        "s": summary,
        "title": title or "Plumb-line audit",
        "css": Markup(css),  # our own stylesheet, shipped in the package
        "labels": [{"id": label, "name": LABEL_NAMES[label], "color": LABEL_COLORS[label],
                    "count": summary.labels.get(label, 0), "share": summary.share(label)} for label in LABELS],
        "claims": summary.sentences - summary.labels.get("neutral", 0),
        "rep_heatmap": heatmap(summary, reps),
        "folder_heatmap": heatmap(summary, folders) if len(folders) > 1 else None,
        "rep_bars": drift_bars(reps),
        "timeline": timeline(summary, reps),
        "map": map_view(summary),
        "themes": summary.themes,
        "worst": [worst_view(w) for w in summary.worst],
        "label_colors": LABEL_COLORS,
        "label_names": LABEL_NAMES,
        "today": date.today().isoformat(),
    }


def heatmap(summary: AuditSummary, groups: list[GroupStats]) -> dict:
    """Rows: stories then avoid entries; columns: All, then each group; cell: share of messages."""
    columns = groups[:MAX_COLUMNS]
    rows = []
    for story in summary.stories:
        color = LABEL_COLORS["aligned"] if story.kind == "story" else LABEL_COLORS["off-message"]
        all_share = summary.story_messages.get(story.id, 0) / summary.judged_messages if summary.judged_messages else 0.0
        cells = [_cell("All", all_share, summary.story_messages.get(story.id, 0), summary.judged_messages, color)]
        cells += [_cell(g.name, g.story_share(story.id), g.stories.get(story.id, 0), g.messages, color) for g in columns]
        rows.append({"id": story.id, "title": story.title, "kind": story.kind, "cells": cells})
    return {"columns": [{"name": g.name, "messages": g.messages} for g in columns], "rows": rows,
            "hidden": len(groups) - len(columns), "dense": len(columns) > DENSE_COLUMNS}


def _cell(group: str, share: float, count: int, messages: int, color: str) -> dict:
    return {"group": group, "share": share, "count": count, "messages": messages,
            "bg": _tint(color, share), "fg": "#fff" if share >= 0.55 else "#1a202c"}


def _tint(color: str, share: float) -> str:
    """Mix white toward `color` by `share` (0..1)."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    mix = 0.08 + 0.92 * share if share > 0 else 0.0
    return "#%02x%02x%02x" % tuple(round(255 + (c - 255) * mix) for c in (r, g, b))


def drift_bars(groups: list[GroupStats], width: int = 600, row: int = 30) -> dict:
    """Per rep: of their claims, the drift and off-message shares, as stacked horizontal bars."""
    bars = []
    for i, g in enumerate(groups[:MAX_COLUMNS * 2]):
        claims = g.sentences - g.labels.get("neutral", 0)
        off = g.labels.get("off-message", 0) / claims if claims else 0.0
        drift = g.labels.get("drift", 0) / claims if claims else 0.0
        bars.append({"name": g.name, "y": i * row, "claims": claims, "score": g.drift_score,
                     "off_w": round(off * width, 1), "drift_w": round(drift * width, 1),
                     "off": off, "drift": drift})
    return {"bars": bars, "width": width, "height": max(1, len(bars)) * row, "row": row,
            "ticks": [{"x": round(t * width, 1), "label": pct(t)} for t in (0, 0.25, 0.5, 0.75, 1)]}


def months_between(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    out = []
    while (year, month) <= end and len(out) < 240:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def timeline(summary: AuditSummary, reps: list[GroupStats], width: int = 860, height: int = 220) -> dict | None:
    """Drift score per month: everyone, and the reps with the most sentences."""
    dated = [g for g in summary.by_month if _is_month(g.name)]
    if not dated:
        return None
    months = months_between(dated[0].name, dated[-1].name)
    step = width / max(1, len(months) - 1) if len(months) > 1 else 0
    x_of = {m: (i * step if len(months) > 1 else width / 2) for i, m in enumerate(months)}
    series = [("Everyone", {g.name: g for g in dated})]
    series += [(rep.name, {g.name: g for g in summary.rep_months.get(rep.name, ())}) for rep in reps[:MAX_SERIES]]
    lines = []
    for (name, by_month), color in zip(series, SERIES_COLORS):
        points = []
        for m in months:
            g = by_month.get(m)
            score = g.drift_score if g else None
            points.append(None if score is None else
                          {"x": round(x_of[m], 1), "y": round(height * (1 - score), 1), "score": score, "month": m,
                           "claims": g.sentences - g.labels.get("neutral", 0)})
        lines.append({"name": name, "color": color, "points": [p for p in points if p],
                      "path": _path(points), "wide": name == "Everyone"})
    if len(months) == 1:
        _spread_labels([p for line in lines for p in line["points"]])
    label_every = max(1, len(months) // 8)
    return {"width": width, "height": height, "lines": lines, "single": len(months) == 1,
            "months": [{"x": round(x_of[m], 1), "label": m} for i, m in enumerate(months) if i % label_every == 0],
            "ticks": [{"y": round(height * (1 - t), 1), "label": pct(t)} for t in (0, 0.25, 0.5, 0.75, 1)]}


def _spread_labels(points: list[dict], gap: float = 14) -> None:
    """Give points stacked in one column label positions at least `gap` apart."""
    last = None
    for p in sorted(points, key=lambda p: p["y"]):
        p["label_y"] = p["y"] if last is None else max(p["y"], last + gap)
        last = p["label_y"]


def _is_month(name: str) -> bool:
    return len(name) == 7 and name[4] == "-" and name.replace("-", "").isdigit()


def _path(points: list) -> str:
    """An SVG path through the points, broken where a month has no data."""
    parts, pen_down = [], False
    for p in points:
        if p is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{p['x']},{p['y']}")
        pen_down = True
    return " ".join(parts)


def map_view(summary: AuditSummary, width: int = 920, height: int = 520) -> dict:
    sentences, entries = [], []
    for p in summary.map_points:
        x, y = round(p.x * width, 1), round((1 - p.y) * height, 1)
        if p.kind == "sentence":
            sentences.append({"x": x, "y": y, "color": LABEL_COLORS.get(p.label, "#718096"), "label": p.label,
                              "text": p.text})
        else:
            color = LABEL_COLORS["aligned"] if p.kind == "story" else LABEL_COLORS["off-message"]
            anchor = "end" if x > width * 0.7 else "start"
            entries.append({"x": x, "y": y, "color": color, "kind": p.kind, "id": p.label, "title": p.text,
                            "anchor": anchor, "dx": -9 if anchor == "end" else 9})
    _place_labels(entries)
    order = {"neutral": 0, "aligned": 1, "drift": 2, "off-message": 3}
    sentences.sort(key=lambda s: order.get(s["label"], 0))
    return {"width": width, "height": height, "sentences": sentences, "entries": entries,
            "counts": {label: sum(1 for s in sentences if s["label"] == label) for label in LABELS}}


def _place_labels(entries: list[dict], line: float = 14, char: float = 6.6) -> None:
    """Move entry labels down until no two overlap (labels are at most ~34 characters)."""
    placed: list[tuple[float, float, float]] = []  # (left, right, y)
    for e in sorted(entries, key=lambda e: e["y"]):
        width = min(len(e["title"]), 34) * char
        left = e["x"] + e["dx"] - (width if e["anchor"] == "end" else 0)
        y = e["y"]
        while any(abs(y - py) < line and left < pr and pl < left + width for pl, pr, py in placed):
            y += line
        placed.append((left, left + width, y))
        e["label_y"] = round(y, 1)


def worst_view(message, keep_all: int = 12) -> dict:
    """A long message shows its flagged sentences with one sentence of context either side;
    the rest becomes "…"."""
    flagged = [s.label in OFF_PLUMB_LINE for s in message.sentences]
    shown = [True] * len(flagged)
    if len(flagged) > keep_all:
        shown = [any(flagged[max(0, i - 1):i + 2]) for i in range(len(flagged))]
    items, gap = [], False
    for s, is_flagged, is_shown in zip(message.sentences, flagged, shown):
        if not is_shown:
            if not gap:
                items.append({"gap": True})
            gap = True
            continue
        gap = False
        items.append({"gap": False, "s": s, "flagged": is_flagged})
    return {"m": message, "sentences": items, "count": len(flagged), "turns": turns_view(message, keep_all)}


def turns_view(message, keep_all: int = 12) -> list[dict]:
    """A transcript as its exchange: each turn with its speaker, the rep's turns holding their
    sentences (flagged ones marked), the other speakers' turns their words, so the question a
    flagged answer replied to is on the page. A long call keeps the turns around flagged ones."""
    if not message.turns:
        return []
    starts = [t.line for t in message.turns]
    said: list[list] = [[] for _ in message.turns]
    for s in message.sentences:  # each sentence goes to the rep turn it starts in
        k = max((i for i, t in enumerate(message.turns) if t.judged and t.line <= s.line), default=None)
        if k is not None:
            said[k].append(s)
    flagged = [any(s.label in OFF_PLUMB_LINE for s in sentences) for sentences in said]
    shown = [True] * len(starts)
    if len(starts) > keep_all:
        shown = [any(flagged[max(0, i - 1):i + 2]) for i in range(len(starts))]
    out, gap = [], False
    for turn, sentences, is_shown in zip(message.turns, said, shown):
        if not is_shown:
            if not gap:
                out.append({"gap": True})
            gap = True
            continue
        if turn.judged and not sentences:
            continue  # a rep turn with nothing judged in it (a lone "Mm-hm.")
        gap = False
        out.append({"gap": False, "speaker": turn.speaker or "", "rep": turn.judged, "text": turn.text,
                    "sentences": [{"s": s, "flagged": s.label in OFF_PLUMB_LINE} for s in sentences]})
    return out

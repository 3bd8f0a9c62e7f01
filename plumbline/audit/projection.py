"""The sentence map: sampled sentences and the plumb line's entries on one 2-D plane.

A PCA fitted on the stories, the avoid entries and the sample keeps the directions along
which they differ most, so sentences that tell a story gather around it and off-message
ones around what to avoid. Coordinates are scaled to 0..1 for drawing.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from plumbline.audit.summary import MapPoint, SampleSentence

PAD = 0.03


def project(sentences: Sequence[SampleSentence], vectors: np.ndarray,
            entries: Sequence[tuple[str, str, str]], entry_vectors: np.ndarray, seed: int = 0) -> tuple[MapPoint, ...]:
    """`entries` are (kind, id, title) of stories/avoid entries, one row each of `entry_vectors`."""
    parts = [np.asarray(v, dtype=np.float32) for v in (vectors, entry_vectors) if len(v)]
    if not parts:
        return ()
    x = np.vstack(parts)
    if len(x) < 3:
        xy = np.zeros((len(x), 2))
    else:
        from sklearn.decomposition import PCA

        xy = PCA(n_components=2, random_state=seed).fit_transform(x)
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = np.where(high - low == 0, 1, high - low)
    xy = PAD + (1 - 2 * PAD) * (xy - low) / span
    points = [MapPoint(float(px), float(py), "sentence", s.label, s.text) for s, (px, py) in zip(sentences, xy)]
    offset = len(sentences)
    for (kind, entry_id, title), (px, py) in zip(entries, xy[offset:]):
        points.append(MapPoint(float(px), float(py), kind, entry_id, title))
    return tuple(points)

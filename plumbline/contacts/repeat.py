"""repeat-pitch: the same (or nearly the same) message sent again to the same contact.

Each bodied touch is compared with at most `repeat_lookback` earlier bodied touches of its
contact inside `repeat_window` (a window query, so pairs grow linearly with touches). Equal
bodies or equal template ids are repeats without a model; only the remaining pairs need
embeddings, and only their distinct bodies are embedded, once each, in batches. When the
model is unavailable or there are more distinct bodies than `max_embedded_bodies`, exact
repeats are still reported and a notice says what was not compared.
"""
from __future__ import annotations

from typing import Callable

from plumbline.contacts.session import first_line
from plumbline.contacts.settings import ContactSettings, micros
from plumbline.contacts.windows import dense, episodes_sql

BATCH = 1024
PAIR_CHUNK = 65_536  # pairs per numpy gather: 2 x 65536 x dim floats
MAX_CHARS = 2000  # the model reads ~256 tokens; the opening of a pitch is what repeats


def pairs_sql(settings: ContactSettings) -> str:
    bodied = "NOT dup AND (bh IS NOT NULL OR template IS NOT NULL)"
    window = micros(settings.repeat_window)
    return f"""
    CREATE TEMP TABLE repeat_pairs AS
    SELECT tid, ck, ts, bh, p.tid AS other, p.ts AS other_ts, p.bh AS other_bh,
           CASE WHEN bh = p.bh OR template = p.template THEN 1.0 END AS similarity
    FROM (SELECT tid, ck, ts, bh, template, unnest(earlier) AS p FROM (
            SELECT tid, ck, ts, bh, template,
                   list({{'tid': tid, 'ts': ts, 'bh': bh, 'template': template}}) OVER (
                       PARTITION BY ck ORDER BY ts, tid ROWS BETWEEN {settings.repeat_lookback} PRECEDING AND 1 PRECEDING) AS earlier
            FROM k SEMI JOIN ({dense("ck", 1, window, bodied)}) d USING (ck)  -- two bodied touches within the window
            WHERE {bodied}))
    WHERE ts - p.ts < {window}
    """


def repeat_pitch(con, settings: ContactSettings, encoder_factory: Callable[[], object]) -> list[str]:
    """Fill episodes with repeat-pitch rows; return notices about comparisons not made."""
    con.execute(pairs_sql(settings))
    con.execute("CREATE TEMP TABLE repeat_hits (tid BIGINT, other BIGINT, similarity DOUBLE)")
    con.execute("INSERT INTO repeat_hits SELECT tid, other, similarity FROM repeat_pairs WHERE similarity IS NOT NULL")
    notices = near_duplicates(con, settings, encoder_factory)
    hits = """SELECT h.tid, p.ck, p.ts, p.other_ts AS start_ts, h.other, h.similarity FROM repeat_hits h
              JOIN repeat_pairs p ON p.tid = h.tid AND p.other = h.other
              QUALIFY row_number() OVER (PARTITION BY h.tid ORDER BY h.similarity DESC, p.other_ts DESC) = 1"""
    peak = "round(similarity * 1000)::BIGINT"
    con.execute(episodes_sql("repeat-pitch", "'pair'", hits, "ck", micros(settings.repeat_window), peak=peak))
    con.execute("DROP TABLE repeat_hits; DROP TABLE repeat_pairs")
    return notices


def near_duplicates(con, settings: ContactSettings, encoder_factory) -> list[str]:
    """Embed the distinct bodies of not-identical pairs and keep pairs at or above the threshold."""
    con.execute("""
    CREATE TEMP TABLE repeat_bodies AS
    SELECT bh, (row_number() OVER (ORDER BY bh) - 1)::INTEGER AS idx, any_value(tid) AS tid FROM (
        SELECT bh, tid FROM repeat_pairs WHERE similarity IS NULL AND bh IS NOT NULL AND other_bh IS NOT NULL
        UNION ALL SELECT other_bh, other FROM repeat_pairs WHERE similarity IS NULL AND bh IS NOT NULL AND other_bh IS NOT NULL)
    GROUP BY bh
    """)
    try:
        count = con.execute("SELECT count(*) FROM repeat_bodies").fetchone()[0]
        if not count:
            return []
        if count > settings.max_embedded_bodies:
            return [f"{count} distinct message bodies to compare, over max_embedded_bodies = "
                    f"{settings.max_embedded_bodies}; only identical bodies and template ids were checked"]
        try:
            encoder = encoder_factory()
            vectors = embed_bodies(con, encoder)
        except Exception as exc:  # no model, broken model: report, keep the exact repeats
            return [f"near-duplicate bodies not compared ({first_line(exc)}); only identical bodies and template ids were checked"]
        similar_pairs(con, vectors, settings.repeat_similarity)
        return []
    finally:
        con.execute("DROP TABLE repeat_bodies")


def embed_bodies(con, encoder):
    import numpy as np

    texts = [row[0] for row in con.execute(
        f"SELECT left(t.body, {MAX_CHARS}) FROM repeat_bodies b JOIN touches t ON t.rowid = b.tid ORDER BY b.idx").fetchall()]
    parts = [np.asarray(encoder.encode(texts[i:i + BATCH]), dtype=np.float32) for i in range(0, len(texts), BATCH)]
    return np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)


def similar_pairs(con, vectors, threshold: float) -> None:
    """Cosine similarity of unit vectors, chunk by chunk so memory stays flat."""
    import numpy as np

    con.execute("""
    CREATE TEMP TABLE repeat_candidates AS
    SELECT p.tid, p.other, a.idx AS ia, b.idx AS ib FROM repeat_pairs p
    JOIN repeat_bodies a ON a.bh = p.bh JOIN repeat_bodies b ON b.bh = p.other_bh
    WHERE p.similarity IS NULL
    """)
    total = con.execute("SELECT count(*) FROM repeat_candidates").fetchone()[0]
    for start in range(0, total, PAIR_CHUNK):
        chunk = con.execute(f"SELECT tid, other, ia, ib FROM repeat_candidates "
                            f"WHERE rowid >= {start} AND rowid < {start + PAIR_CHUNK}").fetchnumpy()
        sims = np.einsum("ij,ij->i", vectors[chunk["ia"]], vectors[chunk["ib"]])
        keep = sims >= threshold - 1e-6
        if keep.any():
            con.execute("INSERT INTO repeat_hits SELECT unnest($1::BIGINT[]), unnest($2::BIGINT[]), unnest($3::DOUBLE[])",
                        [np.asarray(chunk["tid"])[keep].tolist(), np.asarray(chunk["other"])[keep].tolist(),
                         sims[keep].astype(float).tolist()])
    con.execute("DROP TABLE repeat_candidates")

"""contact-after-opt-out: no touch may follow an opt-out or land inside a pause.

A row flagged in the opt-out column (or carrying an opted-out-since time) opens a quiet
period for its contact at that since-time, else at the row's own time; an until-time closes
it (a pause), otherwise it never ends. Every later touch inside it is a violation; the
violations of one contact and one quiet period become one finding.
"""
from __future__ import annotations

QUIET = """
INSERT INTO episodes
WITH periods AS (
    SELECT ck, min(coalesce(opt_since, ts)) AS since, opt_until AS until
    FROM k WHERE opt GROUP BY ck, opt_until
), violations AS (
    SELECT k.tid, k.ck, k.ts, min(p.since) AS since
    FROM k JOIN periods p ON k.ck = p.ck AND k.ts > p.since AND (p.until IS NULL OR k.ts < p.until)
    WHERE NOT k.dup
    GROUP BY k.tid, k.ck, k.ts
)
SELECT 'contact-after-opt-out', 'after', first(tid ORDER BY ts, tid), NULL, min(ts), min(ts), max(ts),
       count(*), NULL, since
FROM violations GROUP BY ck, since
"""


def after_opt_out(con) -> None:
    con.execute(QUIET)

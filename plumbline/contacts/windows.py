"""Rolling-window rules as DuckDB window queries: over-contact, account-saturation and
cross-team-collision.

A limit of N touches in a window W is crossed at the touch whose N-th predecessor (same
contact, time order) is less than W earlier: `ts - lag(ts, N) < W`. That needs one sort per
partition and no per-row frame counting, which is what keeps 10 million touches fast.
Crossing touches then collapse into episodes (a gap of W or more starts a new one), and each
episode becomes one row of the `episodes` table, so output grows with incidents, not touches.
"""
from __future__ import annotations

from plumbline.contacts.session import quote
from plumbline.contacts.settings import ContactSettings, micros

EPISODES_DDL = """
CREATE TABLE episodes (
    rule VARCHAR, scope VARCHAR,
    tid BIGINT,        -- the touch that crossed the limit first (its line is the finding's line)
    other BIGINT,      -- the touch it collided with or repeated (pairs), else NULL
    start_ts BIGINT,   -- touches from here to first_ts are the ones listed in the message
    first_ts BIGINT, last_ts BIGINT,
    hits BIGINT,       -- touches over the limit in this episode
    peak BIGINT,       -- largest count seen (senders for accounts), or similarity x 1000
    since_ts BIGINT    -- opt-out moment
)
"""

KEYED = """
CREATE TABLE k AS
SELECT rowid AS tid, fid, ts, hash(lower(contact)) AS ck,
       CASE WHEN account IS NOT NULL THEN hash(lower(account))
            WHEN contains(contact, '@') THEN hash(lower(split_part(contact, '@', 2))) END AS ak,
       CASE WHEN sender IS NOT NULL THEN hash(lower(sender)) END AS sk,
       hash(channel) AS chk, channel,
       CASE team WHEN 'marketing' THEN true WHEN 'sales' THEN false END AS mk,
       CASE WHEN body IS NOT NULL THEN hash(body) END AS bh, template,
       opt OR opt_since IS NOT NULL AS opt, opt_since, opt_until, false AS dup
FROM touches WHERE problem IS NULL
"""
DUPLICATES = """
UPDATE k SET dup = true WHERE tid IN (
    SELECT tid FROM (SELECT tid, row_number() OVER (PARTITION BY ts, ck, chk, sk ORDER BY tid) AS copy FROM k)
    WHERE copy > 1)
"""


def prepare(con, settings: ContactSettings) -> None:
    """Key every readable touch by hashed contact/account/sender (fast sorts) and mark duplicates.
    Keys fold case (Ana@Acme.com is ana@acme.com); the touches keep the spelling of the log.

    A touch without an account column value counts for its contact's email domain, unless
    that is a freemail domain (gmail.com is nobody's account)."""
    con.execute(KEYED)
    con.execute(DUPLICATES)  # a window of its own: much cheaper than inside KEYED's projection
    con.execute(EPISODES_DDL)
    domains = ", ".join(f"({quote(d)})" for d in settings.freemail_domains) or "(NULL)"
    con.execute(f"CREATE TABLE freemail AS SELECT hash(d) AS ak FROM (VALUES {domains}) f(d)")


def episodes_sql(rule: str, scope: str, hits: str, keys: str, gap: int, peak: str = "NULL") -> str:
    """INSERT one episode per run of crossing touches in `hits` closer than `gap` to each other."""
    return f"""
    INSERT INTO episodes
    SELECT '{rule}', {scope}, first(tid ORDER BY ts, tid), first(other ORDER BY ts, tid),
           first(start_ts ORDER BY ts, tid), min(ts), max(ts), count(*), max({peak}), NULL
    FROM (SELECT *, sum(new) OVER (PARTITION BY {keys} ORDER BY ts, tid ROWS UNBOUNDED PRECEDING) AS episode
          FROM (SELECT *, coalesce(ts - lag(ts) OVER (PARTITION BY {keys} ORDER BY ts, tid) >= {gap}, true)::INTEGER AS new
                FROM ({hits})))
    GROUP BY {keys}, episode
    """


def dense(keys: str, limit: int, window: int, where: str) -> str:
    """The keys with more than `limit` touches inside some window: a cheap lag over one sort.

    More than N distinct senders (or N touches) in a window needs more than N touches there,
    so only these keys go on to the costly distinct-count window; most accounts never do."""
    return f"""SELECT DISTINCT {keys} FROM (
                 SELECT {keys}, ts - lag(ts, {limit}) OVER (PARTITION BY {keys} ORDER BY ts) AS span FROM k WHERE {where})
               WHERE span < {window}"""


def over_contact(con, settings: ContactSettings, collisions: bool) -> None:
    """All-channel over-contact and cross-team collisions share one sort by (contact, time).

    The same pass notes the contacts busy enough to cross the per-channel limit (that many
    touches on all channels together), so the per-channel pass sorts only their touches."""
    window, gap, limit = micros(settings.window), micros(settings.collision_gap), settings.max_touches
    con.execute(f"""
    CREATE TEMP TABLE contact_pass AS SELECT * FROM (
      SELECT tid, ck, ts, mk,
             lag(ts, {limit}) OVER w AS start_ts,
             lag(ts, {settings.max_touches_per_channel}) OVER w AS channel_start_ts,
             max(ts) FILTER (WHERE mk) OVER before AS last_marketing,
             max(ts) FILTER (WHERE NOT mk) OVER before AS last_sales
      FROM k WHERE NOT dup
      WINDOW w AS (PARTITION BY ck ORDER BY ts, tid),
             before AS (PARTITION BY ck ORDER BY ts, tid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
    WHERE ts - start_ts < {window} OR ts - channel_start_ts < {window}
       OR (mk AND ts - last_sales < {gap}) OR (NOT mk AND ts - last_marketing < {gap})
    """)
    con.execute(f"CREATE TEMP TABLE busy AS SELECT DISTINCT ck FROM contact_pass WHERE ts - channel_start_ts < {window}")
    hits = f"SELECT tid, ck, ts, start_ts, NULL::BIGINT AS other FROM contact_pass WHERE ts - start_ts < {window}"
    con.execute(episodes_sql("over-contact", "'all'", hits, "ck", window))
    if collisions:
        hits = """SELECT c.tid, c.ck, c.ts, o.ts AS start_ts, o.tid AS other FROM contact_pass c
                   JOIN k o ON o.ck = c.ck AND NOT o.dup AND o.mk = NOT c.mk
                    AND o.ts = CASE WHEN c.mk THEN c.last_sales ELSE c.last_marketing END
                   WHERE ts_gap_ok QUALIFY row_number() OVER (PARTITION BY c.tid ORDER BY o.tid DESC) = 1"""
        hits = hits.replace("ts_gap_ok", f"(c.mk AND c.ts - c.last_sales < {gap}) OR (NOT c.mk AND c.ts - c.last_marketing < {gap})")
        con.execute(episodes_sql("cross-team-collision", "'pair'", hits, "ck", gap))
    con.execute("DROP TABLE contact_pass")


def over_contact_per_channel(con, settings: ContactSettings) -> None:
    """Per-channel episodes, dropped where an all-channel episode already covers that time.

    Touches without a channel are left out: their 'unknown' channel is not a channel."""
    window, limit = micros(settings.window), settings.max_touches_per_channel
    hits = f"""SELECT tid, ck, chk, channel, ts, start_ts, NULL::BIGINT AS other FROM (
                 SELECT tid, ck, chk, channel, ts, lag(ts, {limit}) OVER (PARTITION BY ck, chk ORDER BY ts, tid) AS start_ts
                 FROM k WHERE NOT dup AND channel <> 'unknown' AND ck IN (SELECT ck FROM busy))
               WHERE ts - start_ts < {window}"""
    con.execute(episodes_sql("over-contact-channel", "first(channel)", hits, "ck, chk", window))
    con.execute("""
    DELETE FROM episodes e WHERE rule = 'over-contact-channel' AND EXISTS (
      SELECT 1 FROM episodes a JOIN k ka ON ka.tid = a.tid JOIN k ke ON ke.tid = e.tid
      WHERE a.rule = 'over-contact' AND ka.ck = ke.ck AND a.start_ts <= e.last_ts AND e.start_ts <= a.last_ts)
    """)
    con.execute("UPDATE episodes SET rule = 'over-contact' WHERE rule = 'over-contact-channel'")


def account_saturation(con, settings: ContactSettings) -> None:
    """Touches or distinct senders into one account (or non-freemail email domain) per window."""
    window = micros(settings.account_window)
    touches, senders = settings.account_max_touches, settings.account_max_senders
    where = "NOT dup AND ak IS NOT NULL AND ak NOT IN (SELECT ak FROM freemail)"
    hits = f"""SELECT tid, ak, ts, ts - {window - 1} AS start_ts, senders, NULL::BIGINT AS other,
                      CASE WHEN senders > {senders} THEN 'senders' ELSE 'touches' END AS why
               FROM (SELECT tid, ak, ts,
                       lag(ts, {touches}) OVER (PARTITION BY ak ORDER BY ts) AS lag_ts,  -- same sort as below
                       count(DISTINCT sk) OVER (PARTITION BY ak ORDER BY ts RANGE BETWEEN {window - 1} PRECEDING AND CURRENT ROW) AS senders
                     FROM k SEMI JOIN ({dense("ak", min(touches, senders), window, where)}) d USING (ak)
                     WHERE NOT dup)
               WHERE ts - lag_ts < {window} OR senders > {senders}"""
    con.execute(episodes_sql("account-saturation", "first(why ORDER BY ts, tid)", hits, "ak", window, peak="senders"))

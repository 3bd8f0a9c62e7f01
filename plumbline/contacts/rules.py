"""The over-contact rules as records, in the same `Rule` shape as the message rules, so
plumbline.rules, SARIF metadata, severities and suppressions know them. The bad example is
a pattern of touches that crosses the default limit, the good one stays just below it."""
from __future__ import annotations

from plumbline.judge.rules import Rule

OVER_CONTACT = Rule(
    "over-contact",
    "More touches to one contact in a rolling window than the limit, all channels or one channel.",
    "warning",
    bad_example="5 touches (any channels) to ana@acme.com within 7 days, or 4 emails within 7 days",
    good_example="4 touches within 7 days with at most 3 on one channel",
    help="Settings: window (7d), max_touches (4, all channels), max_touches_per_channel (3). One finding per contact and episode; a per-channel episode inside an all-channel one is not repeated.",
)
ACCOUNT_SATURATION = Rule(
    "account-saturation",
    "Too many distinct senders or touches into one account (or email domain) in a window.",
    "warning",
    bad_example="4 different reps touching people at acme.com within 7 days, or 21 touches",
    good_example="3 reps and 20 touches within 7 days",
    help="Settings: account_window (7d), account_max_senders (3), account_max_touches (20). The account column, else the contact's email domain unless it is in freemail_domains.",
)
CROSS_TEAM_COLLISION = Rule(
    "cross-team-collision",
    "Marketing and sales touched the same contact within the collision gap.",
    "warning",
    bad_example="a campaign email at 09:00 and a sales call at 15:00 the same day",
    good_example="the sales call 24 hours or more after the campaign email",
    help="Settings: collision_gap (24h); teams from the team column (sales_teams, marketing_teams) or sender patterns (sales_senders, marketing_senders).",
)
REPEAT_PITCH = Rule(
    "repeat-pitch",
    "A near-identical message body (or the same template) sent again to the same contact.",
    "warning",
    bad_example="the same cold email body sent to ana@acme.com on Monday and again on Thursday",
    good_example="a first email and a different follow-up",
    help="Settings: repeat_window (30d), repeat_similarity (0.9), repeat_lookback (10), max_embedded_bodies. Equal bodies or template ids need no model; other pairs are compared by embedding.",
)
AFTER_OPT_OUT = Rule(
    "contact-after-opt-out",
    "A touch after the contact opted out or was paused (quiet period).",
    "warning",  # many teams will want "error": [contacts.severity] "contact-after-opt-out" = "error"
    bad_example="ana@acme.com opted out on 1 March and got a call on 3 March",
    good_example="the call was on 28 February",
    help="Columns opted_out (a value in opt_out_values), opted_out_since, opted_out_until. Without a since-time the flagged row's own time starts the quiet period.",
)
UNREADABLE_ROWS = Rule(
    "unreadable-rows",
    "Rows skipped because the timestamp could not be read, the contact was missing or the row was malformed.",
    "warning",
    bad_example="a row whose timestamp is 'yesterday'",
    good_example="2024-03-01T09:00:00-05:00",
)
DUPLICATE_ROWS = Rule(
    "duplicate-rows",
    "Rows with the same time, contact, channel and sender as an earlier row, counted once.",
    "info",
    bad_example="the same call logged twice",
    good_example="two calls a minute apart",
)
TRUNCATED = Rule(
    "findings-truncated",
    "More findings of one rule than max_findings_per_rule; the rest are counted, not listed.",
    "info",
    bad_example="1,500 over-contact episodes with max_findings_per_rule = 1000",
    good_example="1,000 episodes",
)
REPEAT_PITCH_LIMITED = Rule(
    "repeat-pitch-limited",
    "Near-duplicate bodies could not be compared (model unavailable or too many bodies); exact repeats still were.",
    "info",
    bad_example="2 million distinct bodies with max_embedded_bodies = 200000",
    good_example="150,000 distinct bodies",
)

RULES = (
    OVER_CONTACT, ACCOUNT_SATURATION, CROSS_TEAM_COLLISION, REPEAT_PITCH, AFTER_OPT_OUT,
    UNREADABLE_ROWS, DUPLICATE_ROWS, TRUNCATED, REPEAT_PITCH_LIMITED,
)
RULE_IDS = tuple(rule.id for rule in RULES)

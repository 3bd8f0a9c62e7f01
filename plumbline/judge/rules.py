"""The rules plumbline can report, as declarative records: one registry, no string lists.

Each rule has an id, a one-line description, a default severity, and an off-message and an
on-message example that document it (tests check every rule has both)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    default_severity: str
    bad_example: str
    good_example: str
    help: str = ""


RULES: tuple[Rule, ...] = (
    Rule(
        "drift",
        "A substantive claim that matches no story in the plumb line.",
        "warning",
        bad_example="Honestly, Northwind is really an HR suite these days.",
        good_example="Northwind runs payroll and keeps you compliant in every state you hire in.",
        help="Reps improvise positioning or make claims marketing never approved. Retell the closest story, or ask marketing to add the claim to the plumb line.",
    ),
    Rule(
        "off-message",
        "The sentence does what the plumb line says to avoid.",
        "error",
        bad_example="I can guarantee you will never see a payroll error again.",
        good_example="Our compliance team reviews every filing before it goes out.",
        help="The sentence is closest to a `kind: avoid` entry of the plumb line (discount-led selling, guarantees no one can keep, ...).",
    ),
    Rule(
        "discount-language",
        "Leads with a discount, special price, expiring offer, free period or price match.",
        "warning",
        bad_example="If you sign by Friday I can take 20% off the first year.",
        good_example="Most customers recover the subscription cost within the first two quarters.",
        help="Found by spaCy patterns even when the plumb line has no avoid entry for it. Sell value and total cost of ownership instead.",
    ),
)

RULES += (
    Rule(
        "missing-story",
        "A message does not tell the stories the config requires of it.",
        "warning",
        bad_example="An outbound template, required to tell the total-cost story, that only lists features.",
        good_example="The same template with a line on what payroll really costs once filings are included.",
        help="Set by `[[require]] glob = ... stories = [...]` or `min_stories` in plumbline.toml; a story counts "
             "as told when the judge attributes a sentence to it.",
    ),
)

RULES_BY_ID = {rule.id: rule for rule in RULES}


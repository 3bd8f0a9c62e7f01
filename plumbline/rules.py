"""Every rule plumbline can report, message rules and contact rules alike, from one function.

Message rules live in `plumbline.judge.rules`; contact rules (over-contact, ...) are declared in
`plumbline.contacts.rules` (a `RULES` tuple of records with id, description, severity and a
crossing / not-crossing example), and are read here as the same `Rule` record. Reporters (SARIF rule metadata), the config
validator (per-rule severities) and suppression comments (`plumbline: ignore[rule]`) all ask
here, so a rule added in either place is known everywhere at once.
"""
from __future__ import annotations

import importlib

from plumbline.judge.rules import RULES, RULES_BY_ID, Rule

CONTACT_RULE_MODULES = ("plumbline.contacts.rules", "plumbline.contacts")


def contact_rules() -> tuple[Rule, ...]:
    """The contact rules, if this build has them (imported lazily: contacts pulls in DuckDB)."""
    for name in CONTACT_RULE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that module does not exist (yet); a missing dependency inside it is a bug
            raise
        rules = getattr(module, "RULES", None)
        if rules:
            return tuple(_as_rule(r) for r in rules)
    return ()


def _as_rule(record) -> Rule:
    if isinstance(record, Rule):
        return record
    return Rule(
        id=record.id,
        description=record.description,
        default_severity=getattr(record, "default_severity", None) or record.severity,
        bad_example=getattr(record, "bad_example", None) or getattr(record, "crosses", ""),
        good_example=getattr(record, "good_example", None) or getattr(record, "stays_below", ""),
        help=getattr(record, "help", ""),
    )


def lint_rules() -> tuple[Rule, ...]:
    """The rules `plumbline lint-plumbline` reports about a plumb line itself."""
    from plumbline.lint import RULES as LINT_RULES

    return LINT_RULES


def all_rules() -> tuple[Rule, ...]:
    """Message rules first, then plumb-line lint rules, then contact rules; ids are unique."""
    own = RULES + lint_rules()
    ids = {r.id for r in own}
    return own + tuple(r for r in contact_rules() if r.id not in ids)


def rule_ids() -> tuple[str, ...]:
    return tuple(r.id for r in all_rules())


def message_rule_ids() -> tuple[str, ...]:
    """The rules `check` and `lint-plumbline` report (their severities are set by the top-level
    `severities` table)."""
    return tuple(RULES_BY_ID) + tuple(r.id for r in lint_rules())

"""Linguistic cues the judge uses, found once per sentence with spaCy token patterns.

Patterns are data (name → token patterns) so adding a cue is one entry. They describe
surface forms only; deciding what a cue means (a finding, a feature) is the judge's job.
"""
from __future__ import annotations

# Points in time an offer can run out at ("Friday", "the 30th", "end of the month", "this
# quarter"). Patterns, not spaCy's NER: NER was over half of segmentation's time (issue 8).
DATE_WORDS = [
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "today", "tonight", "tomorrow", "eod", "eow", "eom", "month-end", "quarter-end", "year-end", "weekend",
    "christmas", "holidays", "thanksgiving",
]
_PERIODS = ["week", "month", "quarter", "year", "weekend"]
_DATE = [
    [{"LOWER": {"IN": ["the", "this", "next"]}, "OP": "?"}, {"LOWER": {"IN": DATE_WORDS}}],
    [{"ORTH": "May"}, {"LIKE_NUM": True, "OP": "?"}],  # the month, not the modal verb
    [{"LOWER": {"IN": ["this", "next", "last"]}}, {"LOWER": {"IN": _PERIODS}}],
]
# "Friday", "the 30th", "this month", "end of the quarter", "March 31": what follows "by", "until".
_DEADLINE = [*_DATE, [{"LOWER": "the"}, {"LIKE_NUM": True}], [{"LOWER": "the", "OP": "?"}, {"LOWER": "end"}, {"LOWER": "of"}]]


def _then_deadline(*head: dict) -> list[list[dict]]:
    return [list(head) + tail for tail in _DEADLINE]


_SIGN_WORDS = ["sign", "signs", "signed", "signing", "commit", "commits", "close", "book", "order"]
# "if you sign by Friday", "as long as it's signed by", "anyone who signs before the 30th"
_CONDITIONS = {"if", "when", "once", "long", "unless", "who", "whoever"}
_FREE_WORDS = ["free", "complimentary", "gratis"]
# "this month only", "this week only": the offer's clock is the pitch
_THIS_PERIOD_ONLY = [{"LOWER": {"IN": ["this", "next"]}}, {"LOWER": {"IN": _PERIODS}}, {"LOWER": "only"}]

DISCOUNT_PATTERNS: dict[str, list[list[dict]]] = {
    "percent-off": [
        [{"LIKE_NUM": True}, {"TEXT": "%"}, {"LOWER": {"IN": ["off", "discount", "cheaper", "less", "savings", "rebate"]}}],
        [{"LIKE_NUM": True}, {"LOWER": {"IN": ["percent", "pct"]}}, {"LOWER": {"IN": ["off", "discount", "cheaper", "less", "rebate"]}}],
        [{"LOWER": {"IN": ["discount", "discounts", "discounted"]}}],
        [{"LOWER": {"IN": ["knock", "take", "shave"]}}, {"OP": "?"}, {"OP": "?"}, {"LIKE_NUM": True}, {"OP": "?"}, {"LOWER": "off"}],
        [{"LOWER": {"IN": ["knock", "take", "shave"]}}, {"LOWER": {"IN": ["something", "a", "some"]}}, {"OP": "?"}, {"LOWER": "off"}],
        # "$500 off", "another two grand off", "35 bucks off"
        [{"LIKE_NUM": True}, {"LOWER": {"IN": ["grand", "hundred", "thousand", "k", "bucks", "dollars", "euros", "pounds"]}, "OP": "?"},
         {"LOWER": "off"}],
    ],
    "special-price": [
        [{"LOWER": {"IN": ["special", "exclusive", "introductory", "promotional", "promo", "intro", "sweetheart", "friends-and-family", "launch", "loyalty"]}},
         {"IS_ALPHA": True, "OP": "?"}, {"LOWER": {"IN": ["price", "pricing", "rate", "deal", "offer", "discount", "code"]}}],
        [{"LOWER": "half"}, {"TEXT": "-", "OP": "?"}, {"LOWER": {"IN": ["price", "off"]}}],
        [{"LOWER": "half-price"}],
        [{"LOWER": {"IN": ["promo", "coupon", "voucher"]}}],
        [{"LOWER": "cut"}, {"LOWER": "you"}, {"LOWER": "a"}, {"LOWER": "deal"}],
        # "for you I can do 35", "for you we could do"
        [{"LOWER": "for"}, {"LOWER": "you"}, {"IS_PUNCT": True, "OP": "?"}, {"LOWER": {"IN": ["i", "we"]}},
         {"LOWER": {"IN": ["can", "could", "will", "'ll"]}}, {"LOWER": "do"}],
        [{"LOWER": {"IN": ["cheapest", "rock-bottom", "lowest"]}}, {"LOWER": {"IN": ["price", "prices", "rate", "quote"]}}],
    ],
    "expiring-offer": [
        *_then_deadline({"LOWER": {"IN": _SIGN_WORDS}}, {"OP": "?"},
                        {"LOWER": {"IN": ["by", "before"]}}),
        [{"LOWER": {"IN": ["offer", "deal", "price", "pricing", "discount"]}}, {"LOWER": {"IN": ["expires", "ends", "ending", "lapses", "goes"]}}],
        [{"LOWER": {"IN": ["limited", "one-time"]}}, {"LOWER": {"IN": ["time", "offer", "deal", "-"]}}],
        [{"LOWER": "end"}, {"LOWER": "of"}, {"LOWER": {"IN": ["quarter", "month", "year"]}}, {"LOWER": {"IN": ["deal", "pricing", "price", "discount", "special"]}}],
        *_then_deadline({"LOWER": "only"}, {"LOWER": {"IN": ["until", "till", "through"]}}),
        # "that ten percent is only good through Friday" (but "the quote is valid through March 31"
        # is the ordinary life of a quote: logistics, not pressure)
        *_then_deadline({"LOWER": "only"}, {"LOWER": {"IN": ["good", "valid"]}}, {"LOWER": {"IN": ["until", "till", "through"]}}),
        _THIS_PERIOD_ONLY,
    ],
    "free-period": [
        # "two months free", "the first month is on us" (but not "months on the platform")
        [{"LIKE_NUM": True, "OP": "?"}, {"LOWER": {"IN": ["month", "months", "year", "years", "quarter", "weeks"]}},
         {"LOWER": {"IN": ["are", "is"]}, "OP": "?"}, {"LOWER": {"IN": ["free", "gratis"]}}],
        [{"LIKE_NUM": True, "OP": "?"}, {"LOWER": {"IN": ["month", "months", "year", "years", "quarter", "weeks"]}},
         {"LOWER": {"IN": ["are", "is"]}, "OP": "?"}, {"LOWER": "on"}, {"LOWER": {"IN": ["us", "me"]}}],
        [{"LOWER": {"IN": ["month", "months", "year", "quarter"]}}, {"LOWER": {"IN": ["are", "is"]}, "OP": "?"}, {"LOWER": "on"},
         {"LOWER": "the"}, {"LOWER": "house"}],
        [{"LOWER": {"IN": ["free", "complimentary"]}}, {"LIKE_NUM": True, "OP": "?"}, {"LOWER": {"IN": ["month", "months", "year", "quarter", "installation", "install", "upgrade", "setup", "onboarding"]}}],
        # "waive the first quarter's service fees", "I'll waive the first two months", "the fee is waived"
        [{"LOWER": {"IN": ["waive", "waived", "waiving"]}}, {"OP": "{0,4}"},
         {"LOWER": {"IN": ["fee", "fees", "cost", "costs", "charge", "charges", "month", "months", "quarter"]}}],
        [{"LOWER": {"IN": ["fee", "fees", "charge", "charges"]}}, {"LOWER": {"IN": ["is", "are", "get", "gets"]}, "OP": "?"},
         {"LOWER": "waived"}],
        [{"LOWER": "on"}, {"LOWER": "the"}, {"LOWER": "house"}],
        # "the first four totes are on us.", "that's on me": the freebie closes the clause
        # ("it's on us to fix" and "on us for ten years" are warranties, not gifts)
        [{"LOWER": {"IN": ["is", "are", "'s", "'re"]}}, {"LOWER": "on"}, {"LOWER": {"IN": ["us", "me"]}}, {"IS_PUNCT": True}],
        # "I'll throw in three months of Flex": a concession to close
        [{"LOWER": {"IN": ["throw", "throwing", "threw"]}}, {"LOWER": "in"}],
        # "at no cost for the first three months"
        [{"LOWER": {"IN": ["free", "cost", "charge"]}}, {"LOWER": "for"}, {"LOWER": "the"}, {"LOWER": "first"}, {"LIKE_NUM": True, "OP": "?"},
         {"LOWER": {"IN": ["month", "months", "year", "quarter", "weeks"]}}],
    ],
    "price-match": [
        [{"LOWER": {"IN": ["match", "beat", "undercut"]}}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": ["price", "prices", "quote", "offer", "bid"]}}],
        # "match their rate", but not a "match rate" (what a translation memory bills at)
        [{"LOWER": {"IN": ["match", "beat", "undercut"]}}, {}, {"OP": "?"}, {"LOWER": {"IN": ["rate", "rates"]}}],
        [{"LOWER": "price"}, {"LOWER": {"IN": ["match", "matching"]}}],
        # "forward me their pricing and I'll come in under it", "I'll get under it"
        [{"LOWER": {"IN": ["come", "get", "go"]}}, {"LOWER": "in", "OP": "?"}, {"LOWER": "under"},
         {"LOWER": {"IN": ["it", "that", "them", "theirs", "their", "his", "hers", "any", "whatever"]}}],
        # "priced every line below what Hydro-Tek charges you"
        [{"LOWER": {"IN": ["below", "under"]}}, {"LOWER": "what"}, {"IS_ALPHA": True, "OP": "{1,4}"},
         {"LOWER": {"IN": ["charges", "charge", "charging", "charged", "quoted", "quotes", "bills", "billed"]}}],
        [{"LOWER": "price"}, {"TEXT": "-"}, {"LOWER": {"IN": ["match", "matching"]}}],
        [{"LOWER": {"IN": ["match", "beat"]}}, {"LOWER": {"IN": ["it", "that", "them", "this", "theirs", "whatever"]}}],
        [{"LOWER": {"IN": ["match", "beat"]}}, {"LIKE_NUM": True}],
        # "beat Valley Wholesale on any item by ten percent"
        [{"LOWER": {"IN": ["beat", "undercut"]}}, {"IS_ALPHA": True, "OP": "{1,6}"}, {"LOWER": "by"}, {"LIKE_NUM": True}],
    ],
}

# Halves of a free-with-a-deadline offer ("implementation is free for anyone who signs before
# the 30th"). Neither is an offer alone (a free tier is a product; a deadline is logistics), so
# `cues` reports `discount:free-with-deadline` only when one sentence has both.
OFFER_PARTS: dict[str, list[list[dict]]] = {
    "free": [
        [{"LOWER": {"IN": ["is", "are", "'s", "'re", "be", "comes", "come", "get", "gets"]}}, {"LOWER": {"IN": _FREE_WORDS}}],
        [{"LOWER": {"IN": _FREE_WORDS}}, {"LOWER": {"IN": ["for", "to"]}}, {"LOWER": {"IN": ["anyone", "everyone", "new", "the", "all", "any", "customers", "teams", "you"]}}],
        [{"LOWER": "at"}, {"LOWER": "no"}, {"LOWER": {"IN": ["cost", "charge"]}}],
        [{"LOWER": "for"}, {"LOWER": "free"}],
    ],
    # the deadline is the buyer's ("who signs before the 30th"), not a delivery date ("we
    # finish before the end of the quarter")
    "deadline": [
        *_then_deadline({"LOWER": {"IN": _SIGN_WORDS}}, {"OP": "?"}, {"LOWER": {"IN": ["by", "before", "until", "till"]}}),
        _THIS_PERIOD_ONLY,
        [{"LOWER": {"IN": ["today", "tonight", "tomorrow"]}}, {"LOWER": "only"}],
    ],
}

GUARANTEE_PATTERNS: dict[str, list[list[dict]]] = {
    "guarantee": [
        [{"LOWER": {"IN": ["guaranteed", "guarantee", "guarantees", "guaranteeing", "promise", "promised", "promises"]}}],
        [{"LIKE_NUM": True}, {"TEXT": "%"}, {"LOWER": {"IN": ["sure", "certain", "guaranteed", "risk-free", "safe", "uptime", "accurate", "secure"]}}],
        [{"LOWER": {"IN": ["never", "zero"]}}, {"OP": "?"}, {"LOWER": {"IN": ["again", "fail", "fails", "breach", "breaches", "breakdown", "breakdowns", "downtime", "risk", "errors", "mistakes", "outage", "outages"]}}],
        [{"LOWER": "never"}, {"IS_ALPHA": True, "OP": "{0,9}"}, {"LOWER": "again"}],
        [{"LOWER": "bet"}, {"LOWER": {"IN": ["my", "the"]}}, {"LOWER": {"IN": ["job", "life", "house", "farm", "reputation"]}}],
        [{"LOWER": {"IN": ["not", "never"]}}, {"LOWER": {"IN": ["a", "one"]}}, {"LOWER": "single"}],
        [{"LOWER": "can"}, {"LOWER": "not"}, {"LOWER": "fail"}],
        [{"LOWER": {"IN": ["risk-free", "bulletproof", "foolproof", "unhackable"]}}],
    ],
}

# A refused guarantee ("I can't promise that", "no one can guarantee it") is the honest
# answer most plumb lines want; it is reported as `hedge:refuses-guarantee`, not a guarantee.
_PROMISE_WORDS = {"guaranteed", "guarantee", "guarantees", "guaranteeing", "promise", "promised", "promises"}
_NEGATIONS = {"not", "n't", "never", "no", "nobody", "cannot", "nor"}

# Unapproved claims often come as superlatives: "the only payroll company with ...",
# "better than what everyone else uses", "the best in the region".
CLAIM_PATTERNS: dict[str, list[list[dict]]] = {
    "superlative": [
        [{"LOWER": "the"}, {"LOWER": "only"}, {"IS_ALPHA": True, "OP": "{0,3}"},
         {"LOWER": {"IN": ["company", "provider", "platform", "one", "vendor", "firm", "supplier", "service", "team", "product"]}}],
        [{"LOWER": {"IN": ["better", "faster", "cheaper", "safer", "stronger"]}}, {"LOWER": "than"}, {"LOWER": "what", "OP": "?"},
         {"LOWER": {"IN": ["anyone", "anybody", "everyone", "everybody", "any", "all"]}}],
        [{"LOWER": {"IN": ["best", "fastest", "leading", "largest", "biggest"]}}, {"LOWER": {"IN": ["in", "on"]}},
         {"LOWER": {"IN": ["the", "class", "market"]}}],
        [{"LOWER": {"IN": ["number", "no."]}}, {"LOWER": "one"}, {"LOWER": {"IN": ["provider", "company", "platform", "choice", "vendor", "rated"]}}],
    ],
    # Certainty no one can honestly offer, with or without the word "guarantee": "never gets
    # denied", "simply impossible", "not a single error", "no matter how fast you grow".
    "absolute": [
        [{"LOWER": {"IN": ["never", "always", "impossible", "forever", "everything", "nothing"]}}],
        [{"LOWER": {"IN": ["not", "every"]}}, {"LOWER": "single"}],
        [{"LOWER": {"IN": ["n't", "not", "never", "no"]}}, {"IS_ALPHA": True, "OP": "{0,3}"}, {"LOWER": "a"}, {"LOWER": "single"}],
        [{"LOWER": "no"}, {"LOWER": "matter"}],
        [{"LOWER": "ever"}, {"LOWER": "again"}],
        # "no one will ever see a page", "nobody can ever come after you", "the last letter you'll ever get"
        [{"LOWER": {"IN": ["no", "nobody", "nothing", "not", "n't", "never", "last"]}}, {"IS_ALPHA": True, "OP": "{0,4}"},
         {"LOWER": "ever"}],
        # "you won't lose another baking day", "you'll never see another surcharge letter"
        [{"LOWER": {"IN": ["n't", "not", "never"]}}, {"IS_ALPHA": True, "OP": "?"}, {"LOWER": "another"}],
        [{"LOWER": "simple"}, {"LOWER": "as"}, {"LOWER": "that"}],
    ],
    # Offering something ("would you like ...", "want me to ...", "interested in ..."): a
    # question that offers is a pitch, not discovery (the judge's plain-question rule skips it).
    "offer": [
        [{"LOWER": {"IN": ["would", "do", "did"]}}, {"LOWER": "you"}, {"LOWER": {"IN": ["like", "want", "fancy"]}}],
        [{"LOWER": {"IN": ["want", "wanna"]}}, {"LOWER": "me"}, {"LOWER": "to"}],
        [{"LOWER": "interested"}, {"LOWER": "in"}],
        [{"LOWER": "how"}, {"LOWER": "about"}],
        [{"LOWER": {"IN": ["can", "could", "may", "shall"]}}, {"LOWER": "i"},
         {"LOWER": {"IN": ["offer", "interest", "tempt", "sell"]}}],
    ],
}

_CURRENCY_WORDS = ["dollars", "dollar", "euros", "euro", "pounds", "bucks", "grand", "usd", "eur", "gbp"]

# Amounts and dates, found by patterns (spaCy's statistical NER costs more than half of all
# segmentation and the judge scored the same without it: see docs/performance.md).
ENTITY_PATTERNS: dict[str, list[list[dict]]] = {
    "MONEY": [
        [{"ORTH": {"IN": ["$", "€", "£", "¥"]}}, {"LIKE_NUM": True}],
        [{"LIKE_NUM": True}, {"LOWER": {"IN": ["k", "m", "million", "thousand", "hundred"]}, "OP": "?"},
         {"LOWER": {"IN": _CURRENCY_WORDS}}],
    ],
    "PERCENT": [
        [{"LIKE_NUM": True}, {"ORTH": "%"}],
        [{"LIKE_NUM": True}, {"LOWER": {"IN": ["percent", "pct"]}}],
        [{"LIKE_NUM": True}, {"LOWER": "per"}, {"LOWER": "cent"}],
    ],
    "DATE": _DATE,
}
# Token attributes a pattern may use: segmentation tags no token (no tagger, parser or NER on
# the sentences it cuts), so a pattern on POS, TAG, LEMMA, DEP or ENT_TYPE would never match.
_UNSET_ATTRIBUTES = {"POS", "TAG", "MORPH", "LEMMA", "DEP", "ENT_TYPE", "ENT_IOB", "ENT_ID", "SENT_START"}


def build_matcher(vocab):
    from spacy.matcher import Matcher

    matcher = Matcher(vocab)
    tables = (("discount", DISCOUNT_PATTERNS), ("guarantee", GUARANTEE_PATTERNS), ("claim", CLAIM_PATTERNS),
              ("entity", ENTITY_PATTERNS), ("part", OFFER_PARTS))
    for family, table in tables:
        for name, patterns in table.items():
            for pattern in patterns:
                unset = {key for token in pattern for key in token} & _UNSET_ATTRIBUTES
                if unset:
                    raise ValueError(f"cue pattern {family}:{name} uses {sorted(unset)}, which segmentation never sets")
            matcher.add(f"{family}:{name}", patterns)
    return matcher


def _as_promised(span, start: int) -> bool:
    """'As promised, here is the deck' keeps a promise; it does not make one."""
    return start > 0 and span[start].lower_ == "promised" and span[start - 1].lower_ == "as"


def _refused(span, start: int, end: int) -> bool:
    """'I can't promise', 'no one can guarantee', 'I won't promise that': a negation at most
    three tokens before a lone promise/guarantee word."""
    if end - start != 1 or span[start].lower_ not in _PROMISE_WORDS:
        return False
    return any(token.lower_ in _NEGATIONS for token in span[max(0, start - 3):start])


def _bare_deadline(span, start: int, name: str) -> bool:
    """'I'd like the agreement signed by July 15' schedules; 'if you sign by Friday...' and
    'Sign by the 30th and...' set terms. A sign-by deadline is an offer only as a condition
    or an opening imperative."""
    if name != "discount:expiring-offer" or span[start].lower_ not in _SIGN_WORDS or start == 0:
        return False
    return not any(token.lower_ in _CONDITIONS for token in span[:start])


def cues(span, matcher) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The pattern names found in a spaCy span, e.g. ("discount:percent-off", "entity:PERCENT"),
    and its entities as (label, text) in text order, the longest winning where two overlap."""
    from spacy.tokens import Span
    from spacy.util import filter_spans

    vocab = matcher.vocab  # names live in the matcher's store, whichever pipeline made the doc
    found = set()
    entities = []
    for match_id, start, end in matcher(span):
        name = vocab.strings[match_id]
        if name.startswith("entity:"):
            entities.append(Span(span.doc, span.start + start, span.start + end, label=name[len("entity:"):]))
        elif _as_promised(span, start) or _bare_deadline(span, start, name):
            continue
        elif _refused(span, start, end):
            name = "hedge:refuses-guarantee"
        found.add(name)
    if {"part:free", "part:deadline"} <= found:
        found.add("discount:free-with-deadline")
    found = {name for name in found if not name.startswith("part:")}
    return tuple(sorted(found)), tuple((e.label_, e.text) for e in filter_spans(entities))

"""Phrase cues the judge reads from a sentence's words: what a rep adds, how candid or fearful
the pitch turns, whether the line is paperwork or a heading. Regular expressions over the text
as judged (brand names masked), evaluated at scoring time, so they need no spaCy pass and can
change without invalidating the parse cache; spaCy token patterns for discount and guarantee
wording stay in `plumbline.signals`.

The word lists were written from leave-one-company-out errors of the training corpus (English,
B2B sales); `plumbline eval` on the held-out companies is the check that they generalise."""
from __future__ import annotations

import re

from plumbline.model import Sentence

_ADD_ON = re.compile(r"\b(?:also|as well|on top of that|in addition|plus we)\b", re.IGNORECASE)
_SELLER = re.compile(r"\b(?:we|we'd|we'll|we're|we've|our|us|every (?:plan|customer|client|account|member|package)|the company)\b",
                     re.IGNORECASE)
_CANDOUR = re.compile(r"\b(?:honestly|frankly|to be honest|truth is|trust me|believe me|between (?:us|you and me)|"
                      r"i(?:'d| would) bet|let's be real)\b", re.IGNORECASE)


# "I've also attached our report", "I'll also send the plan": the rep's own errand, not an extra
# the company offers (the promo or freebie such a sentence may carry has cues of its own)
_REP_ALSO = re.compile(r"\bI(?:'ve|'ll| have| will| had)? also\b")


def claim_cues(s: Sentence) -> list[float]:
    """[add_on, candour]. add_on: the seller adds something ("we also...", "every plan also
    includes...", "the company handles X as well"): improvised extras and invented features
    come this way, after the approved story has been told; "I've also attached..." is the
    rep's errand and does not count. candour: "honestly", "frankly",
    "trust me" mark the rep going off script (fear, competitor-bashing, promises)."""
    text = s.embed_text  # brand names read "the company"
    add_on = _ADD_ON.search(text) and _SELLER.search(text) and not _REP_ALSO.search(text)
    return [float(bool(add_on)), float(bool(_CANDOUR.search(text)))]


_COMPETITOR = re.compile(
    r"\b(?:your (?:current|old|existing|last|present) (?:vendor|provider|agent|agency|supplier|software|system|company|"
    r"carrier|broker|contractor|service|setup|platform|firm|one)s?"
    r"|(?:other|most|many|some|those|the other|a lot of) (?:vendors|providers|agents|agencies|suppliers|companies|"
    r"contractors|carriers|brokers|firms|shops|platforms|outfits|guys)"
    r"|unlike|anyone else|everyone else|the competition|competitors?|the big guys|the other guys)\b", re.IGNORECASE)
_FEAR = re.compile(
    r"\b(?:breach(?:ed|es)?|hack(?:ed|ers?)?|fines?|fined|lawsuits?|sued|su(?:e|ing) you|penalt(?:y|ies)|ransom(?:ware)?"
    r"|shut (?:their|your|the) doors|out of business|go(?:ing)? under|won't be around|wide open|too late|front page|before it'?s"
    r"|every (?:day|week|month) you wait|sooner or later|ticking|disaster|nightmare|lose everything|get hit|gets? wiped"
    r"|bankrupt\w*|close(?:d)? (?:within|for good))\b", re.IGNORECASE)
_PAPERWORK = re.compile(r"\b(?:attached|attaching|attachment|enclosed|here is|here's|sending|send(?:ing)? (?:over|along)|"
                        r"thanks for (?:sending|letting|the)|following up|as promised|invite|calendar)\b", re.IGNORECASE)
_DOCUMENT = re.compile(r"\b(?:quotes?|contracts?|proposals?|agreements?|invoices?|deck|summary|plans?|policy|policies|"
                       r"paperwork|documents?|letter|pdf|spreadsheet|estimate)\b", re.IGNORECASE)
_I_DO = re.compile(r"\b(?:I'll|I've|I will|I have|I'd|let me)\b", re.IGNORECASE)
_HEADER = re.compile(r"^(?:subject|re|fwd?|to|from|cc|date)\s*:", re.IGNORECASE)


def is_heading(text: str) -> bool:
    """A subject line ("Subject: ...") or a signature/heading line: at most eight words, no
    closing punctuation, and mostly capitalised words or "|" separators ("Partnerships,
    Tessellate Translate", "Dana Ruiz | Account Executive")."""
    text = text.strip()
    if _HEADER.match(text):
        return True
    words = re.findall(r"[A-Za-z][\w'&-]*", text)
    if not words:
        return True
    if text.endswith((".", "?", "!")) or len(words) > 8:
        return False
    return "|" in text or sum(w[0].isupper() for w in words) / len(words) >= 0.5


def context_cues(s: Sentence, story_words: frozenset[str] = frozenset()) -> list[float]:
    """[competitor, fear, paperwork, heading]. competitor: the rep talks about the prospect's
    current vendor or other providers ("your current vendor", "unlike X", "most contractors").
    fear: loss framed at the prospect (breach, fines, lawsuits, "out of business", "every week
    you wait"), except a single word the company's own stories use (`story_words`: a payroll
    story about late-filing penalties, a security story about breaches). paperwork: a follow-up
    about documents ("attached", "as promised", "I'll send the quote"). heading: a subject or
    signature line (see is_heading)."""
    text = s.embed_text
    fear = any(" " in m.group() or m.group().lower() not in story_words for m in _FEAR.finditer(text))
    paperwork = _PAPERWORK.search(s.text) or (_DOCUMENT.search(s.text) and _I_DO.search(s.text))
    return [float(bool(_COMPETITOR.search(text))), float(fear), float(bool(paperwork)), float(is_heading(s.text))]

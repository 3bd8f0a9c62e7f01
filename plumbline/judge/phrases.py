"""Whether a line is a heading: a subject line or a signature line, which carries no claim.

Until 2026-12-02 this module also held phrase cues written from the synthetic corpus's
leave-one-company-out errors (a seller's add-on "also", candour "honestly", competitor
"unlike", fear of loss, paperwork follow-ups). Real sales writers use those words in approved
messages too (a comparison with competitors that tells the company's own story), so they
encoded the corpus writers' habits rather than meaning; dropping them moved real-text flagged
F1 up and was kept (models/README.md has the numbers)."""
from __future__ import annotations

import re

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

"""Seeded, realistic sales sentences inside emails, for the benchmarks (not for tests).

Sentences are built from slot-filled templates of what reps write (value stories, proof,
pricing and discount talk, guarantees, logistics, questions), with optional clauses so
lengths vary from a two-word sign-off to a 50-word run-on. Each email is a plain-text
message: greeting line, 1-4 paragraphs of 1-5 sentences, sign-off and name lines.
`generate(n_sentences, seed)` returns the emails and the exact sentences written into them.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

FIRST = ["Dana", "Marco", "Linda", "Ray", "Priya", "Tom", "Aisha", "Kevin", "Sofia", "Grace", "Omar", "Hannah",
         "Luis", "Mei", "Jordan", "Tanya", "Derek", "Kayla", "Tyler", "Nadia"]
LAST = ["Whitfield", "Ruiz", "Osei", "Kowalski", "Patel", "Brooks", "Vance", "Quinn", "Nguyen", "Mullins", "Alvarez"]
COMPANIES = ["Northwind", "Atlas Fleet", "Brightpath", "Ferncrest", "Pinecrest Logistics", "Redline Freight",
             "Harbor Dental", "Summit Health", "Bluewater Foods", "Keystone Manufacturing", "Orion Retail"]
PRODUCTS = ["the platform", "the safety score", "our scheduling module", "the analytics dashboard", "the mobile app",
            "our onboarding team", "the reporting suite", "the integration with your ERP", "the driver app",
            "the billing workflow", "our API", "the patient portal"]
OUTCOMES = ["cut collisions", "reduce no-shows", "shorten month-end close", "lower insurance premiums",
            "keep drivers longer", "save dispatchers hours every week", "catch billing errors before they ship",
            "get new hires productive faster", "see every location in one view", "stop chasing spreadsheets"]
METRICS = ["18 percent", "23%", "41 percent", "a third", "half", "two hours a day", "$12,000 a year", "30%", "6 points"]
TIMES = ["Friday", "end of the month", "next Tuesday", "the end of the quarter", "March 31", "tomorrow at 2pm",
         "Thursday morning", "next week", "the 15th"]
ROLES = ["your dispatchers", "the finance team", "your front desk", "the ops leads", "your drivers", "the IT folks",
         "your regional managers", "the safety committee"]
PAINS = ["the manual spreadsheets", "surprise overtime", "missed appointments", "late invoices", "insurance renewals",
         "driver turnover", "duplicate data entry", "audit findings"]

TEMPLATES = [
    "{Company} used {product} to {outcome} by {metric} in their first year.",
    "Most of our customers {outcome} within the first {n} months, and {role} usually notice it first.",
    "I wanted to follow up on our call about {pain}.",
    "Would {time} work for a 30-minute walkthrough with {role}?",
    "If you sign by {time}, I can take {metric} off the list price.",
    "We guarantee you will {outcome}, or you don't pay a cent.",
    "Honestly, nobody else in the market can {outcome} the way we do.",
    "I've attached the case study from {Company}, which looks a lot like your setup.",
    "Let me know if you have any questions.",
    "Thanks again for taking the time to meet with me and {role} on {time}.",
    "Does {pain} still come up every week?",
    "The reason I ask is that {role} at {Company} told us {pain} was costing them {metric}.",
    "{product} plugs into what you already use, so {role} don't have to learn a new system.",
    "We can match any competitor's price, no questions asked.",
    "This is a limited-time offer that ends {time}.",
    "Our onboarding team stays with you for the first {n} weeks, and we check in every Monday until {role} are comfortable.",
    "Quick question: who besides you would need to sign off on this?",
    "I know budgets are tight this year, so I put together a plan that starts with {n} sites and grows from there.",
    "Happy to send over references in your industry.",
    "We'll throw in the first {n} months free if we get the paperwork done by {time}.",
    "Your team would see {metric} fewer {pain_short} within a quarter, based on what {Company} reported.",
    "I'd love to understand how {role} handle {pain} today, what has worked, what hasn't, and what a good outcome would look like for you by {time}.",
    "Sounds good.",
    "Talk soon.",
    "Just circling back on this.",
    "When we spoke on {time}, you mentioned that {pain} had become the main reason {role} were working late, and I think {product} addresses exactly that, because it {outcome_s} without adding another login for anyone.",
    "Can we get {n} minutes on the calendar {time}?",
    "There's zero risk: it never fails and you'll never have downtime again.",
    "Pricing is {price} per {unit} per month, billed annually, and that includes support.",
    "I can get you a special price if you commit before {time}.",
]
PAIN_SHORT = ["no-shows", "collisions", "billing errors", "late shipments", "manual entries", "overtime hours"]
OPENERS = ["", "", "", "Also, ", "As promised, ", "To be honest, ", "On a related note, ", "One more thing: "]
TAILS = ["", "", "", "", " if that helps", " before your board meeting", ", which is what you asked about",
         " and I think you'll like what you see"]
GREETINGS = ["Hi {first},", "Hello {first},", "Hey {first},", "Good morning {first},", "{first},"]
SIGNOFFS = ["Best,", "Thanks,", "Cheers,", "Best regards,", "Talk soon,"]


@dataclass(frozen=True)
class Email:
    name: str
    text: str
    sentences: tuple[str, ...]  # every sentence written into it, in order


_SLOTTED = [t for t in TEMPLATES if "{" in t]
_FIXED = [t for t in TEMPLATES if "{" not in t]


def _sentence(rng: random.Random) -> str:
    template = rng.choice(_FIXED if rng.random() < 0.08 else _SLOTTED)
    pain = rng.choice(PAINS)
    text = template.format(
        Company=rng.choice(COMPANIES), product=rng.choice(PRODUCTS), outcome=rng.choice(OUTCOMES),
        outcome_s=rng.choice(["cuts", "removes", "automates", "shortens"]) + " " + rng.choice(PAINS),
        metric=rng.choice(METRICS), n=rng.randint(2, 12), role=rng.choice(ROLES), pain=pain,
        pain_short=rng.choice(PAIN_SHORT), time=rng.choice(TIMES), price=f"${rng.randint(9, 99)}",
        unit=rng.choice(["truck", "seat", "location", "user"]),
    )
    opener = rng.choice(OPENERS)
    if opener and text[0].isupper() and not text.startswith(("I ", "I'", "I'd")):
        text = text[0].lower() + text[1:] if not text.split()[0] in {c.split()[0] for c in COMPANIES} else text
    tail = rng.choice(TAILS)
    if tail and text.endswith("."):
        text = text[:-1] + tail + "."
    return opener + text


def generate(n_sentences: int, seed: int = 8) -> list[Email]:
    """Emails holding (at least) n_sentences sentences in total, the same for the same seed."""
    rng = random.Random(seed)
    emails: list[Email] = []
    total = 0
    while total < n_sentences:
        first, sender = rng.choice(FIRST), f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        greeting = rng.choice(GREETINGS).format(first=first)
        sentences = [greeting]
        lines = [greeting, ""]
        for _ in range(rng.randint(1, 4)):
            paragraph = [_sentence(rng) for _ in range(rng.randint(1, 5))]
            sentences += paragraph
            lines += [" ".join(paragraph), ""]
        signoff = rng.choice(SIGNOFFS)
        sentences += [signoff, sender]
        lines += [signoff, sender, ""]
        emails.append(Email(f"email-{len(emails):05d}.txt", "\n".join(lines), tuple(sentences)))
        total += len(sentences)
    return emails


def write(emails: list[Email], directory: str) -> list[str]:
    import os

    os.makedirs(directory, exist_ok=True)
    paths = []
    for email in emails:
        path = os.path.join(directory, email.name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(email.text)
        paths.append(path)
    return paths


def sentences_of(emails: list[Email]) -> list[str]:
    return [s for e in emails for s in e.sentences]

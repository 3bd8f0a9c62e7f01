"""Who the reps are, over a whole run: a `--rep` that names nobody is a typo, not a pass.

A loader decides rep or not message by message (`LoadOptions.is_rep`); only the run as a whole
can tell that `--rep "Tom Beker"` matched no speaker or sender in any file, or that, with no rep
named, mail from several senders (the prospect's replies among them) was judged as the reps'.
`RepTracker` watches every loaded message and words those two cases as lines for stderr; the
command decides whether they warn or, under `--strict`, fail the run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parseaddr

from plumbline.formats import LoadOptions
from plumbline.model import Message

_SHOWN = 5  # names quoted in a warning


def identities(message: Message) -> list[str]:
    """Everyone a selector could name in a message: its speakers, and an email's sender."""
    from plumbline.formats.email import sender_identities

    found = [b.speaker for b in message.blocks if b.speaker]
    if message.kind == "email":
        name, _ = parseaddr(message.metadata.get("From", ""))
        found += sender_identities(name or None, message.sender)
    return found


@dataclass
class RepTracker:
    options: LoadOptions
    matched: set[str] = field(default_factory=set)
    seen: dict[str, None] = field(default_factory=dict)  # speakers and senders, first few, for the warning
    judged_senders: dict[str, None] = field(default_factory=dict)  # addresses of mail judged as a rep's
    files: int = 0

    def add(self, messages: list[Message]) -> None:
        """Record one loaded file's messages."""
        self.files += 1
        for message in messages:
            people = identities(message)
            for who in people:
                self.matched.update(self.options.selectors_naming(who))
            if people and len(self.seen) < _SHOWN:
                self.seen.setdefault(message.sender or people[0])
            if message.kind == "email" and message.sender and any(b.judged for b in message.blocks):
                self.judged_senders.setdefault(message.sender.casefold())

    def unmatched(self) -> list[str]:
        return [s for s in self.options.selectors() if s not in self.matched]

    def problems(self) -> list[str]:
        """One line per selector that named nobody (a warning, or an error under --strict); none
        when no file was read (every input unreadable, or an audit resumed whole)."""
        if not self.files:
            return []
        seen = f"; speakers and senders seen include {', '.join(self.seen)}" if self.seen else ""
        return [f"{selector} matched no speaker or sender in the {self.files} file(s) read{seen}"
                for selector in self.unmatched()]

    def notes(self) -> list[str]:
        """A line when, with no rep named, mail from more than one sender was judged as the reps'."""
        if self.options.selects_reps or len(self.judged_senders) < 2:
            return []
        shown = ", ".join(list(self.judged_senders)[:_SHOWN - 2]) + (", …" if len(self.judged_senders) > 3 else "")
        return [f"no rep named, so mail from {len(self.judged_senders)} senders was judged as the reps' words "
                f"({shown}); name the reps with --rep or --rep-domain (config: reps, rep_domains) so inbound "
                "mail is not judged"]

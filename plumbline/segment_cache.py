"""spaCy's analysis of text units remembered on disk, so a re-check of unchanged text loads
neither spaCy nor (through thinc) torch.

A row is keyed by the sha256 of a parse fingerprint and the unit's exact text. The
fingerprint names everything the analysis depends on: the spaCy pipeline package and its
version, spaCy's version, and the source of plumbline/segment.py and plumbline/signals.py
(the cue patterns), so editing a pattern or upgrading a model can never reuse an old row.
Rows are checksummed like the embedding cache (embed.cache.RowStore); a row that fails its
checksum or does not decode to the expected shape is parsed again.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
from functools import lru_cache

from plumbline.embed.cache import SEGMENTS_DB_NAME, RowStore, row_key


@lru_cache(maxsize=4)
def parse_fingerprint(spacy_model: str) -> str:
    from plumbline.segment import DEFAULT_SPACY_MODEL

    package = spacy_model
    if importlib.util.find_spec(package) is None and spacy_model == DEFAULT_SPACY_MODEL:
        package = "en_core_web_sm"  # the fallback load_nlp uses
    parts = [package, _version(package), "spacy", _version("spacy")]
    digest = hashlib.sha256("\x1f".join(parts).encode())
    for module in ("plumbline.segment", "plumbline.signals"):
        spec = importlib.util.find_spec(module)
        with open(spec.origin, "rb") as fh:
            digest.update(b"\x1f" + fh.read())
    return f"parse:{package}@{digest.hexdigest()[:32]}"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


class ParseCache:
    """get/put of {unit text: tuple of segment.ParsedSentence} for one spaCy pipeline."""

    def __init__(self, directory: str | None = None, max_rows: int | None = None):
        self.rows = RowStore(SEGMENTS_DB_NAME, directory, max_rows)
        self.stats = {"hits": 0, "parsed": 0}

    def get(self, units: list[str], spacy_model: str) -> dict:
        fingerprint = parse_fingerprint(spacy_model)
        keys = {row_key(fingerprint, u): u for u in units}
        found = {}
        for key, data in self.rows.get(list(keys)).items():
            parsed = _decode(data)
            if parsed is not None:
                found[keys[key]] = parsed
        self.stats["hits"] += len(found)
        return found

    def put(self, parsed: dict, spacy_model: str) -> None:
        fingerprint = parse_fingerprint(spacy_model)
        self.stats["parsed"] += len(parsed)
        self.rows.put({row_key(fingerprint, unit): _encode(sentences) for unit, sentences in parsed.items()})


def _encode(sentences) -> bytes:
    rows = [[s.start, s.raw, [list(e) for e in s.entities], s.has_verb, s.n_tokens, list(s.signals)] for s in sentences]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _decode(data: bytes):
    from plumbline.segment import ParsedSentence

    try:
        rows = json.loads(data.decode("utf-8"))
        out = []
        for start, raw, entities, has_verb, n_tokens, signals in rows:
            if not (isinstance(start, int) and isinstance(raw, str) and isinstance(has_verb, bool)
                    and isinstance(n_tokens, int) and all(isinstance(s, str) for s in signals)
                    and all(len(e) == 2 and all(isinstance(x, str) for x in e) for e in entities)):
                return None
            out.append(ParsedSentence(start, raw, tuple((e[0], e[1]) for e in entities), has_verb, n_tokens, tuple(signals)))
        return tuple(out)
    except (ValueError, TypeError, UnicodeDecodeError):
        return None

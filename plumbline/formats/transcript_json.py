"""JSON transcripts exported by meeting recorders and speech-to-text services.

Accepted shapes (anything else is refused with one line saying what was expected):
* a list of turns: `[{"speaker": "Dana", "text": "…", "start": 1.2}, …]`;
* an object holding that list under `segments`, `transcript`, `utterances`, `turns`,
  `monologues`, `sentences`, `entries`, `results` or `items` (one nested object level too,
  e.g. `{"transcript": {"utterances": […]}}`);
* a recording date, when the object has one at its top level (`date`, `created_at`,
  `start_time`, `recorded_at`, `meeting_date`, …), is kept as the message's `date`
  metadata (an audit groups by it);
* turn keys: text in `text`, `transcript`, `content`, `sentence` or `utterance`, or a `words` / `elements` / `sentences` list of strings or of objects with `word` /
  `text` / `value` / `punctuated_word`; speaker in `speaker_name`, `speakerName`, `name`,
  `speaker`, `speaker_label`, `participant`, `user`, `speaker_id` or `speakerId`, first
  found wins (a string, a number, or an object with a `name`). `start` and other keys
  are ignored.

Each turn's line is the line of the JSON file where its text string (or its first word)
appears: `json` keeps no positions, so we scan the file's string tokens in order and match
turns to them. Turns with no speaker anywhere in the file (Whisper segments) are one voice,
the rep's; with speakers, --rep is required, as for every transcript.
"""
from __future__ import annotations

import bisect
import json
import re

from plumbline.formats import check_reps
from plumbline.model import Block, InputError, Message

EXTENSIONS = {".json"}

WRAPPERS = ("segments", "transcript", "utterances", "turns", "monologues", "sentences", "entries", "results", "items")
TEXT_KEYS = ("text", "transcript", "content", "sentence", "utterance")
WORD_LISTS = ("words", "elements", "sentences")
WORD_KEYS = ("punctuated_word", "word", "text", "value")
# Names before ids: Rev gives both `speaker: 0` and `speaker_name: "Sam"`.
SPEAKER_KEYS = ("speaker_name", "speakerName", "name", "speaker", "speaker_label", "participant", "user", "speaker_id", "speakerId")
DATE_KEYS = ("date", "created_at", "createdAt", "start_time", "startTime", "started_at", "startedAt", "recorded_at",
             "recordedAt", "meeting_date", "meetingDate", "dateString", "created", "timestamp")
EXPECTED = "expected a list of {speaker, text} turns, or an object with segments/transcript/utterances/turns"

_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_SNIFF = re.compile(r'^\s*(?:\[\s*[{\]]|\{\s*["}])')


def sniff(head: str) -> bool:
    return bool(_SNIFF.match(head.lstrip("\ufeff")))


def load(source, options) -> list[Message]:
    text = source.text.lstrip("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(source.path, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    turns = find_turns(data)
    if turns is None:
        raise InputError(source.path, f"JSON is not a transcript: {EXPECTED}")
    parsed = [_turn(turn) for turn in turns]
    if not any(said for _, said in parsed):
        raise InputError(source.path, "JSON transcript has no turn text")
    check_reps(source.path, (who for who, said in parsed if said), options)
    labelled = any(who for who, _ in parsed)
    strings = _string_tokens(text)
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    blocks, cursor, offset = [], 0, 0
    for who, said in parsed:
        if not said:
            continue
        offset, cursor = _locate(strings, said, cursor, offset)
        line = bisect.bisect_right(line_starts, offset)
        column = offset - line_starts[line - 1] + 1
        judged = options.is_rep(who) if who else not labelled
        blocks.append(Block(text=_join(said), line=line, column=column, speaker=who, judged=judged))
    return [Message(path=source.path, blocks=tuple(blocks), kind="transcript", metadata=_date(data))]


def _date(data) -> dict[str, str]:
    """{"date": …} from the first date key at the top level (or one wrapper level down)."""
    for holder in (data, *(data.get(key) for key in WRAPPERS)) if isinstance(data, dict) else ():
        if isinstance(holder, dict):
            for key in DATE_KEYS:
                value = holder.get(key)
                if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
                    return {"date": str(value).strip()}
    return {}


def find_turns(data) -> list | None:
    """The list of turn objects, wherever one of the accepted shapes keeps it."""
    if isinstance(data, list):
        turns = all(isinstance(t, dict) for t in data) and any(_turn(t)[1] is not None for t in data)
        return data if data and turns else None
    if isinstance(data, dict):
        for key in WRAPPERS:
            value = data.get(key)
            if isinstance(value, (list, dict)):
                found = find_turns(value) if isinstance(value, list) else _unwrap(value)
                if found is not None:
                    return found
    return None


def _unwrap(value: dict) -> list | None:
    for key in WRAPPERS:
        if isinstance(value.get(key), list):
            return find_turns(value[key])
    return None


def _turn(turn: dict) -> tuple[str | None, list[str] | None]:
    """(speaker, text pieces in file order), or text None when this is not a turn."""
    speaker = next((turn[k] for k in SPEAKER_KEYS if turn.get(k) not in (None, "")), None)
    if isinstance(speaker, dict):
        speaker = speaker.get("name") or speaker.get("id")
    speaker = str(speaker).strip() if speaker is not None and not isinstance(speaker, (list, dict)) else None
    for key in TEXT_KEYS:
        if isinstance(turn.get(key), str):
            return speaker, [turn[key]] if turn[key].strip() else []
    for key in WORD_LISTS:
        if isinstance(turn.get(key), list):
            return speaker, _words(turn[key])
    return speaker, None


def _words(items: list) -> list[str] | None:
    pieces = []
    for item in items:
        if isinstance(item, str):
            pieces.append(item)
        elif isinstance(item, dict):
            value = next((item[k] for k in WORD_KEYS if isinstance(item.get(k), str)), None)
            if value is None:
                return None
            pieces.append(value)
        else:
            return None
    return [p for p in pieces if p.strip()]


def _string_tokens(text: str) -> list[tuple[str, int]]:
    """Every JSON string value (not key) with its offset: strings are the only quoted tokens."""
    tokens = []
    for match in _STRING.finditer(text):
        rest = text[match.end() : match.end() + 40].lstrip()
        if rest.startswith(":"):
            continue
        try:
            tokens.append((json.loads(match.group()), match.start() + 1))
        except json.JSONDecodeError:
            continue
    return tokens


def _locate(strings: list[tuple[str, int]], said: list[str], cursor: int, previous: int) -> tuple[int, int]:
    """Offset of the turn's first piece, searching forward from the previous turn's."""
    for k in range(cursor, len(strings)):
        if strings[k][0] == said[0]:
            return strings[k][1], k + 1
    return previous, cursor  # not found as one string (cannot happen for valid JSON): stay put


def _join(pieces: list[str]) -> str:
    """Words joined by spaces, punctuation tokens ("," "." from word-level exports) attached."""
    out = ""
    for piece in (" ".join(p.split()) for p in pieces):
        if not piece:
            continue
        attach = not out or not any(ch.isalnum() for ch in piece[:1]) and piece[:1] not in "\"'(“‘$£€"
        out += piece if attach else " " + piece
    return out

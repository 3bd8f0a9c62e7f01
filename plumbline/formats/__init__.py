"""Turn input files into Messages, whatever shape sales sent them in.

One module per format; each exposes `EXTENSIONS`, `sniff(head: str) -> bool` and
`load(source: Source, options: LoadOptions) -> list[Message]`. This module owns what is
common: reading bytes with a size limit, refusing binary data, decoding text, choosing the
format, and deciding which speakers are reps. A loader raises `InputError` with a one-line
problem; it never prints and never judges.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

from plumbline.model import InputError, Message
from plumbline.suppress import with_suppressions

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Characters of rep text in one message: about 35,000 words, four hours of one rep talking (a
# two-hour call is about 100,000 characters, both sides). Bounds the time and memory one message
# can take: embedding is linear in sentences, and a 480,000-character one-line file took 238 s and
# 690 MB on a busy 2-core machine (a 5 MB one took 83 s and 1.2 GB for a user). A file with a
# larger message is reported, not judged in part; a file of many messages (an mbox, a CRM
# export) is bounded by --max-bytes.
MAX_MESSAGE_CHARS = 200_000
STDIN = "-"


@dataclass(frozen=True)
class LoadOptions:
    reps: tuple[str, ...] = ()
    rep_pattern: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    encoding: str | None = None  # --encoding: decode every text input with this codec, no detection
    rep_domains: tuple[str, ...] = ()  # --rep-domain: mail from these domains (and their subdomains) is the reps'
    columns: tuple[tuple[str, str], ...] = ()  # --export-column FIELD=NAME: CRM export columns (export_columns.py)

    @property
    def selects_reps(self) -> bool:
        return bool(self.reps or self.rep_pattern or self.rep_domains)

    def is_rep(self, speaker: str | None) -> bool:
        """A speaker is a rep if named by --rep (full name or first name, any case) or --rep-pattern;
        an email address also if its domain is a --rep-domain."""
        if speaker is None:
            return True
        return bool(self.selectors_naming(speaker))

    def selectors(self) -> tuple[str, ...]:
        """Each way reps are named, as the user wrote it: `--rep Dana`, `--rep-domain northwind.com`."""
        return (tuple(f"--rep {rep}" for rep in self.reps) + tuple(f"--rep-domain {d}" for d in self.rep_domains)
                + ((f"--rep-pattern {self.rep_pattern}",) if self.rep_pattern else ()))

    def selectors_naming(self, who: str) -> tuple[str, ...]:
        """The selectors (see `selectors`) that name `who`: a speaker, or an email sender's name or address."""
        name = who.strip().casefold()
        found = [f"--rep {rep}" for rep in self.reps if _names(rep.strip().casefold(), name)]
        domain = name.rpartition("@")[2] if "@" in name else ""
        found += [f"--rep-domain {d}" for d in self.rep_domains if domain == d or domain.endswith("." + d)]
        if self.rep_pattern and re.search(self.rep_pattern, who, re.IGNORECASE):
            found.append(f"--rep-pattern {self.rep_pattern}")
        return tuple(found)


def _names(rep: str, name: str) -> bool:
    return name == rep or name.split(" ")[0] == rep or rep.split(" ")[0] == name


@dataclass(frozen=True)
class Source:
    """An input's bytes and its decoded text (text is None for binary formats like .docx)."""

    path: str
    data: bytes
    text: str | None
    encoding: str | None = None  # what `text` was decoded from, when not UTF-8 or forced

    @property
    def suffix(self) -> str:
        return Path(self.path).suffix.lower()


def _format_modules():
    """Loaders in sniffing order: formats with a magic first line before `Speaker:` turns.

    An email's `Received:` or `MIME-Version:` header would pass for a speaker turn, so the
    transcript sniffer goes after every format that has an unambiguous signature.
    """
    from plumbline.formats import text, transcript

    modules = []
    for name in ("vtt", "mbox", "email", "transcript_json", "html", "srt", "docx", "export"):
        try:
            modules.append(__import__(f"plumbline.formats.{name}", fromlist=["load"]))
        except ImportError:
            continue  # format not available in this build
    return modules + [transcript, text]


BINARY_SUFFIXES = {".docx"}
MAIL_SUFFIXES = {".eml", ".mbox"}  # mail declares its charsets per part: raw 8-bit bytes are not an error


def read_source(path: str, options: LoadOptions, stdin_bytes: bytes | None = None) -> Source:
    """Read one input, refusing what is too big, binary or not decodable text."""
    if path == STDIN:
        data = stdin_bytes if stdin_bytes is not None else _read_stdin(options.max_bytes)
    elif os.path.isdir(path):  # named on the command line, with nothing inside to read
        raise InputError(path, "directory with no files to read (hidden files and --include/--exclude applied)")
    else:
        try:
            size = os.path.getsize(path)
        except ValueError:  # a NUL in the name (from the API; a command line cannot hold one)
            raise InputError(path, "cannot read: invalid file name") from None
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
        if size > options.max_bytes:
            raise InputError(path, f"file is {size} bytes, over the {options.max_bytes}-byte limit")
        try:
            with _open(path) as fh:
                data = fh.read(options.max_bytes + 1)
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > options.max_bytes:
        raise InputError(path, f"input is over the {options.max_bytes}-byte limit")
    suffix = Path(path).suffix.lower()
    if suffix in BINARY_SUFFIXES:
        return Source(path, data, None)
    if suffix in MAIL_SUFFIXES:
        return Source(path, data, _decode_mail(path, data))
    from plumbline.formats.encoding import decode

    text, encoding = decode(path, data, options.encoding)
    return Source(path, data, text, encoding if options.encoding or encoding != "utf-8" else None)


def _open(path: str):
    """Open for reading without waiting: a named pipe nobody writes to (found while walking a
    directory) would block `open` forever; opened non-blocking, it reads as empty. A pipe with a
    writer, like bash's `<(command)`, reads normally once the descriptor is made blocking again."""
    if not hasattr(os, "O_NONBLOCK"):
        return open(path, "rb")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _decode_mail(path: str, data: bytes) -> str:
    """Mail may carry 8-bit parts in any charset; the loader decodes parts from `data` itself."""
    try:
        return decode_text(path, data)
    except InputError as exc:
        if "UTF-8" not in exc.problem:
            raise
        return data.decode("latin-1").replace("\r\n", "\n").replace("\r", "\n")


def _read_stdin(limit: int) -> bytes:
    import sys

    return sys.stdin.buffer.read(limit + 1)


def decode_text(path: str, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or BOM-marked UTF-16; anything else is an error."""
    from plumbline.formats.encoding import decode

    if data.strip() and not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in data[:8192]:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    return decode(path, data)[0]


def choose_format(source: Source):
    """Pick the loader by extension first, then by sniffing the head of the text."""
    modules = _format_modules()
    for module in modules:
        if source.suffix in module.EXTENSIONS and not getattr(module, "GENERIC", False):
            return module
    head = (source.text or "")[:4096]
    for module in modules:
        if module.sniff(head):
            return module
    from plumbline.formats import text

    return text


def load_source(source: Source, options: LoadOptions) -> list[Message]:
    module = choose_format(source)
    messages = [_valid_unicode(m) for m in module.load(source, options)]
    if getattr(module, "MERGE_TAGS", False):
        messages = [m for m in (_without_merge_tags(m) for m in messages) if m.blocks]
    if not messages:
        raise InputError(source.path, "no message text found")
    notes = [f"read as {source.encoding}" + (" (--encoding)" if options.encoding else " (detected: not UTF-8)")
             ] if source.encoding else []
    if options.selects_reps and not any(m.sender or m.kind == "email" or any(b.speaker for b in m.blocks)
                                        for m in messages):
        notes.append("judged whole as a rep's words: no speaker or sender to match --rep against")
    if notes:  # about the file: said once, with its first message
        messages[0] = replace(messages[0], notes=(*notes, *messages[0].notes))
    for message in messages:
        judged = sum(len(b.text) for b in message.blocks if b.judged)
        if judged > MAX_MESSAGE_CHARS:
            which = f"message {message.index + 1} has " if len(messages) > 1 else ""
            raise InputError(source.path, f"{which}{judged:,} characters of rep text, over the "
                                          f"{MAX_MESSAGE_CHARS:,}-character limit for one message: split it")
    return messages


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_unicode(message: Message) -> Message:
    """Lone surrogates (a JSON transcript may spell "\\ud800"; 8-bit mail headers) become U+FFFD:
    they cannot be encoded as UTF-8, so the tokenizer, the disk caches and every report writer
    would fail on them, losing the whole batch."""
    from dataclasses import replace

    def fix(text):
        return _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", text) if isinstance(text, str) else text

    parts = [message.sender, *message.metadata.values()]
    parts += [text for block in message.blocks for text in (block.text, block.speaker)]
    if not any(isinstance(p, str) and _SURROGATE.search(p) for p in parts):
        return message
    blocks = tuple(replace(b, text=fix(b.text), speaker=fix(b.speaker)) for b in message.blocks)
    metadata = {key: fix(value) for key, value in message.metadata.items()}
    return replace(message, blocks=blocks, sender=fix(message.sender), metadata=metadata)


def _without_merge_tags(message: Message) -> Message:
    """Templates are judged as if merged: tags become neutral words (see merge_tags.py), and
    the block keeps the text as written so findings quote it at its own line and column."""
    from dataclasses import replace

    from plumbline.formats.merge_tags import apply, stand_ins

    blocks = []
    for block in message.blocks:
        edits = stand_ins(block.text)
        if not edits:
            blocks.append(block)
            continue
        text = apply(block.text, edits)
        if text.strip():
            blocks.append(replace(block, text=text, source_text=block.text, stand_ins=_spans(edits)))
    return replace(message, blocks=tuple(blocks))


def _spans(edits) -> tuple[tuple[int, int, int, int], ...]:
    """Each edit as (start, end) in the replaced text and (start, end) in the original."""
    spans, shift = [], 0
    for start, end, replacement in edits:
        spans.append((start + shift, start + shift + len(replacement), start, end))
        shift += len(replacement) - (end - start)
    return tuple(spans)


def require(path: str, module: str, package: str):
    """Import a format's parser, or say in one line which package to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(path, f"reading this format needs the '{package}' package: pip install {package}") from None


def check_reps(path: str, speakers: Iterable[str], options: LoadOptions) -> None:
    """A transcript is judged only for its reps: refuse one where no speaker is a rep.

    Without --rep every turn, the prospect's included, would be judged as the rep's words;
    with --rep matching nobody, nothing would be judged and the file would pass silently.
    """
    speakers = [s for s in dict.fromkeys(speakers) if s]
    if not speakers:
        return  # no speaker labels: one voice, the rep's (a recorded pitch, a script)
    if not options.selects_reps:
        raise InputError(path, f"transcript with speakers {', '.join(speakers)}: name the rep with --rep")
    if not any(options.is_rep(s) for s in speakers):
        domains = " (--rep-domain names email senders only)" if options.rep_domains and not options.reps else ""
        raise InputError(path, f"no speaker matches --rep/--rep-pattern{domains}; speakers are {', '.join(speakers)}")


_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


def load_path(path: str, options: LoadOptions = LoadOptions(), stdin_bytes: bytes | None = None) -> list[Message]:
    """Read and parse one input into messages; raises InputError with a one-line reason."""
    try:
        return _load_path(path, options, stdin_bytes)
    except InputError as exc:
        if not _LINE_BREAKS.search(exc.problem) and not _SURROGATE.search(exc.problem):
            raise
        # the problem may quote the file (a speaker named "Dana\nEvil" or "\\ud800" in a JSON transcript)
        problem = _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", _LINE_BREAKS.sub(" ", exc.problem))
        raise InputError(path, problem) from None


def _load_path(path: str, options: LoadOptions, stdin_bytes: bytes | None) -> list[Message]:
    source = read_source(path, options, stdin_bytes)
    try:
        return with_suppressions(load_source(source, options), source.text)
    except InputError:
        raise
    except RecursionError:
        raise InputError(path, "structure nested too deeply to read") from None
    except Exception as exc:  # a parser bug or a malformed file must not kill the batch
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(path, f"cannot parse as {choose_format(source).__name__.rsplit('.', 1)[-1]}: {detail}") from None


def expand_paths(paths: Iterable[str], include: Iterable[str] = (), exclude: Iterable[str] = ()) -> Iterator[str]:
    """Yield files from paths, walking directories recursively in a stable order.

    Hidden files and folders inside a walked directory are skipped; a path named on the
    command line is always yielded (even if missing, or a directory holding no file to read,
    so it is reported, not lost). Each file is
    yielded once, under the first name it is reached by: a path given twice, or a file named
    beside its directory, is judged and counted once (names are compared after os.path.abspath
    and normpath; two symlinks to one file are two inputs).
    """
    include, exclude = tuple(include), tuple(exclude)
    seen: set[str] = set()

    def first_time(path: str) -> bool:
        key = path if path == STDIN else os.path.normpath(os.path.abspath(path))
        if key in seen:
            return False
        seen.add(key)
        return True

    for path in paths:
        if path == STDIN or not os.path.isdir(path):
            if first_time(path):
                yield path
            continue
        found = False
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith(".") or name.endswith(IGNORED_SUFFIXES):
                    continue
                full = os.path.join(root, name)
                if _selected(full, include, exclude):
                    found = True
                    if first_time(full):
                        yield full
        if not found and first_time(path):
            yield path


IGNORED_SUFFIXES = (".labels.tsv", ".toml", ".json.labels")


def _selected(path: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    from fnmatch import fnmatch

    if include and not any(fnmatch(path, g) or fnmatch(os.path.basename(path), g) for g in include):
        return False
    return not any(fnmatch(path, g) or fnmatch(os.path.basename(path), g) for g in exclude)

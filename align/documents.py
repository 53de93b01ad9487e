"""Core data types and reading documents from disk.

Offsets are always character offsets into ``Document.text``, which is the
decoded file exactly as it was (no normalisation), so every report can point
back into the user's file. Sentence *text* is NFC-normalised with runs of
ordinary whitespace collapsed; that is what gets aligned and exported.
"""

from __future__ import annotations

import bisect
import codecs
import functools
import re
import types
import typing
import unicodedata
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

from .errors import InputError

MAX_BYTES = 512 * 1024 * 1024  # refuse anything larger than this outright

_WS = re.compile(r"[ \t\r\n\f\v]+")


def clean_text(raw: str) -> str:
    """NFC-normalise and collapse whitespace runs (no-break spaces are kept)."""
    return _WS.sub(" ", unicodedata.normalize("NFC", raw)).strip()


@dataclass
class Sentence:
    """One segment: cleaned text plus where it sits in the original file."""

    text: str
    start: int
    end: int
    paragraph: int
    lang: str | None = None  # language of this sentence when it differs from the document's


@dataclass
class Document:
    """A text in one language; a bilingual file gives one Document per language."""

    path: str
    name: str
    text: str
    lang: str = ""
    paragraphs: list[tuple[int, int]] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    span: tuple[int, int] | None = None  # the part of ``text`` this document covers
    paragraph_langs: list[str] = field(default_factory=list)  # detected language of each paragraph
    # The numbers a user knows the sentences by, where they are not their positions: a --presplit file's 0-based
    # line numbers (its blank lines are no sentences, but gold links of a test set count them). None: positions.
    ids: list[int] | None = None

    def joined(self, positions) -> str:
        """The text of the sentences at these positions as one segment: how every output writes a link's side."""
        return " ".join(self.sentences[k].text for k in positions)

    def sentence_ids(self, positions) -> list[int]:
        """The user's numbers of the sentences at these positions (for link files and JSONL ids)."""
        return [self.ids[k] for k in positions] if self.ids is not None else list(positions)

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset (for human-readable reports).

        A binary search over the line starts, found once: counting newlines per call made a
        report on a 100,000-sentence document quadratic.
        """
        return bisect.bisect_left(self._line_starts, offset + 1) + 1

    @functools.cached_property
    def _line_starts(self) -> list[int]:
        """Offsets where lines 2, 3, ... begin (the text of a Document is not changed once read)."""
        return [m.end() for m in re.finditer("\n", self.text)]


@dataclass
class Link:
    """An alignment bead: sentence indices on each side (either may be empty)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float = 0.0
    # sentences at the edge of a merge that the bead reads as well without: the alignment keeps
    # the bead (most such merges are right), the missing-block check reports them as one-sided
    unsupported_src: tuple[int, ...] = ()
    unsupported_tgt: tuple[int, ...] = ()

    @property
    def kind(self) -> str:
        return f"{len(self.src)}-{len(self.tgt)}"


@dataclass
class Alignment:
    """Ordered links that cover every sentence of both sides once.

    Links follow source order; they do not cross, except the out-of-order
    pairs the embedding aligner adds (``rescue_reordered``, ``swap_crossed``),
    which the reordering check reports.
    """

    src: Document
    tgt: Document
    links: list[Link]
    method: str = ""
    encoder: str = ""

    def pairs(self) -> list[tuple[Link, str, str]]:
        """Links with both sides non-empty, with the joined texts of each side."""
        return [(link, *self.texts(link)) for link in self.links if link.src and link.tgt]

    def texts(self, link: Link) -> tuple[str, str]:
        """A link's source and target text, its sentences joined."""
        return self.src.joined(link.src), self.tgt.joined(link.tgt)


@dataclass
class Divergence:
    """One way in which the two versions disagree, located on both sides."""

    kind: str
    severity: str  # "error" | "warning" | "note"
    message: str
    src: tuple[int, ...] = ()
    tgt: tuple[int, ...] = ()
    src_text: str = ""
    tgt_text: str = ""
    details: dict = field(default_factory=dict)


def to_json(value):
    """A Document, Sentence, Link or Divergence (or a list of them) as plain JSON values, tuples as lists:
    the one encoding that state files, review files and reports share (``from_json`` reads it back)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def from_json(cls: type, data: dict):
    """The dataclass ``cls`` from what ``to_json`` made of it: tuples and nested dataclasses rebuilt from the
    field types; a field missing from ``data`` takes its default (a file written before the field existed)."""
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: _decode(hints[f.name], data[f.name]) for f in fields(cls) if f.name in data})


def _decode(tp, value):
    if value is None:
        return None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return _decode(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in value)
        return tuple(_decode(a, v) for a, v in zip(args, value)) if args else tuple(value)
    if origin is list:
        return [_decode(args[0], v) for v in value] if args else list(value)
    if is_dataclass(tp):
        return from_json(tp, value)
    return value


_SIGNATURES = {b"%PDF-": "a PDF", b"PK\x03\x04": "a ZIP archive (e.g. .docx, .xlsx)", b"\x7fELF": "a program",
               b"\xd0\xcf\x11\xe0": "an old Office document", b"{\\rtf": "an RTF document"}
# PDF and .docx are read by their extension (align/readers.py): a file misnamed .txt only needs renaming
_HINTS = {b"%PDF-": "name it .pdf to read its text layer",
          b"PK\x03\x04": "a Word document is read when named .docx; export other formats' text first"}


def _legacy_8bit(data: bytes) -> str | None:
    """Windows-1252 / Latin-1 text, when the bytes read as plausible prose in it."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if any("\x80" <= ch <= "\x9f" for ch in text):
        return None  # C1 controls: not Latin-1 text either
    high = [ch for ch in text if ord(ch) >= 0x80]
    visible = [ch for ch in text if not ch.isspace()]
    # legacy text: accented letters and typographic marks among mostly plain letters
    letters = sum(ch.isalpha() for ch in visible)
    ascii_letters = sum(ch.isascii() and ch.isalpha() for ch in visible)
    if not visible or letters < 0.6 * len(visible) or ascii_letters < 0.5 * letters:
        return None  # Western European text is mostly plain ASCII letters
    if high and sum(ch.isalpha() or ch in "–—‘’“”€…«»°§" for ch in high) < 0.8 * len(high):
        return None
    return text


def decode(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with a BOM, or detectable Windows-1252/Latin-1."""
    for magic, what in _SIGNATURES.items():
        if data.startswith(magic):
            raise InputError(f"{name}: this is {what}, not plain text; {_HINTS.get(magic, 'export its text first')}")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
        encoding = "utf-8"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
        if b"\x00" in data[:8192]:
            raise InputError(f"{name}: binary data, not a text file")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        legacy = _legacy_8bit(data) if encoding == "utf-8" else None
        if legacy is None:
            raise InputError(
                f"{name}: not valid {encoding.upper()} (byte {data[err.start]:#04x} at offset {err.start}) nor "
                "recognisable Windows-1252 text; convert it to UTF-8 first, e.g. with iconv"
            ) from None
        text = legacy
    if "\x00" in text:
        raise InputError(f"{name}: binary data, not a text file")
    return text


def read_bytes(path: str | Path) -> bytes:
    """A file's bytes, with one-line errors for a missing, odd or oversized file (every reader starts here)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if not p.is_file():
        raise InputError(f"{p}: not a regular file")
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"{p}: {size / 2**20:.0f} MiB is larger than the {MAX_BYTES // 2**20} MiB limit")
    try:
        data = p.read_bytes()
    except OSError as err:
        raise InputError(f"{p}: cannot read ({err.strerror})") from None
    return data


def read_text(path: str | Path) -> str:
    """Read a plain-text file for alignment, with one-line errors for every bad case."""
    p = Path(path)
    text = decode(read_bytes(p), str(p))
    if not text.strip():
        raise InputError(f"{p}: the file is empty")
    return text

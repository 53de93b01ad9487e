"""Paragraphs and sentences, with offsets into the original text.

Paragraphs are blocks separated by blank lines (or single lines, in files that
have no blank line at all). Inside a paragraph a line break ends a segment
unless it is a soft wrap (the line does not end a sentence and the next one
starts in lower case): headers such as "Pressmeddelande 99/2017" / "24.5.2017"
stay apart, hard-wrapped prose is joined.

Sentences come from ``sentence-splitter`` (Moses rules, best precision on UD
test sets) where it has a list for the language, from our own Bulgarian list,
and from ``sentencex`` otherwise. No-break and other Unicode spaces are seen
as plain spaces by the splitters; offsets always point into the original.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from importlib import resources
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .documents import Sentence, clean_text
from .errors import InputError

if TYPE_CHECKING:
    from .srx import SrxRules

_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")
_SENT_END = re.compile(r"[.!?:;…»\"”’)\]]\s*$")

# Languages with a Moses list in sentence-splitter ("no" covers Norwegian).
_MOSES = {"ca", "cs", "da", "de", "el", "en", "es", "fi", "fr", "hu", "is", "it", "lt", "lv",
          "nl", "pl", "pt", "ro", "ru", "sk", "sl", "sv", "tr", "no"}
_ALIASES = {"nb": "no", "nn": "no"}


SEGTYPES = ("sentence", "paragraph")


@dataclass(frozen=True)
class Segmentation:
    """How to cut paragraphs into segments: our sentence splitters, an SRX file, or not at all."""

    segtype: str = "sentence"
    srx: "SrxRules | None" = None
    srx_lang: str | None = None  # the code looked up in the SRX file instead of the document's language

    def __post_init__(self) -> None:
        if self.segtype not in SEGTYPES:
            raise InputError(f"unknown segment type {self.segtype!r} (use sentence or paragraph)")
        if self.srx is not None and self.segtype == "paragraph":
            raise InputError("--srx segments sentences; it cannot be combined with --segtype paragraph")

    def with_lang(self, code: str | None) -> "Segmentation":
        return Segmentation(self.segtype, self.srx, code)

    @classmethod
    def make(cls, segtype: str = "sentence", srx_path: str | os.PathLike | None = None,
             srx_lang: str | None = None) -> "Segmentation":
        """From command-line options (an SRX file is read and checked here)."""
        from .srx import load_srx

        if srx_lang and srx_path is None:
            raise InputError("--srx-lang needs --srx FILE")
        srx = load_srx(str(srx_path)) if srx_path is not None else None
        return cls(segtype, srx, srx_lang or None)


SENTENCES = Segmentation()


def paragraph_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the non-empty paragraphs of ``text[start:end]``, trimmed of whitespace."""
    end = len(text) if end is None else end
    chunk = text[start:end]
    if _BLANK_LINE.search(chunk):
        pieces = [(m.start(), m.end()) for m in re.finditer(r"(?:(?!\n[ \t\r\f\v\u00a0]*\n)[\s\S])+", chunk)]
    else:
        pieces = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", chunk)]
    spans: list[tuple[int, int]] = []
    for s, e in pieces:
        seg = chunk[s:e]
        if not seg.strip():
            continue
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        s, e = start + s + lead, start + e - trail
        if spans and _soft_wrap(text[spans[-1][0]:spans[-1][1]], text[s:e]):
            spans[-1] = (spans[-1][0], e)  # one paragraph hard-wrapped over several lines
        else:
            spans.append((s, e))
    return spans


def _soft_wrap(line: str, next_line: str) -> bool:
    """A line break inside a sentence: no sentence end before it, lower case after it."""
    return not _SENT_END.search(line) and next_line.lstrip()[:1].islower()


def _line_groups(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a paragraph at hard line breaks, joining soft-wrapped lines."""
    lines = [(start + m.start(), start + m.end()) for m in re.finditer(r"[^\n]+", text[start:end])]
    lines = [(s, e) for s, e in lines if text[s:e].strip()]
    groups: list[list[int]] = []
    for s, e in lines:
        if groups:
            if _soft_wrap(text[groups[-1][0]:groups[-1][1]], text[s:e]):
                groups[-1][1] = e
                continue
        groups.append([s, e])
    return [(s, e) for s, e in groups]


@functools.lru_cache(maxsize=None)
def _bulgarian_prefix_file() -> str:
    """Russian Moses list minus "г" (it ends sentences after years) plus our Bulgarian list."""
    ru = resources.files("sentence_splitter").joinpath("non_breaking_prefixes/ru.txt").read_text("utf-8")
    kept = [line for line in ru.splitlines() if line.strip() != "г"]
    ours = resources.files("align").joinpath("data/bg_prefixes.txt").read_text("utf-8").splitlines()
    # Moses matches prefixes case-sensitively: "Проф." opens sentences too
    ours = "\n".join(sorted({w for line in ours if line and not line.startswith("#")
                              for w in (line, line[:1].upper() + line[1:])}))
    fd, path = tempfile.mkstemp(prefix="align-bg-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(kept) + "\n" + ours)
    return path


@functools.lru_cache(maxsize=None)
def splitter_for(lang: str) -> Callable[[str], list[str]]:
    """A function text -> sentences for a language code (ISO 639-1)."""
    lang = _ALIASES.get(lang, lang)
    if lang in _MOSES or lang == "bg":
        from sentence_splitter import SentenceSplitter

        if lang == "bg":
            path = _bulgarian_prefix_file()
            try:
                splitter = SentenceSplitter(language="ru", non_breaking_prefix_file=path)
            finally:
                os.unlink(path)
                _bulgarian_prefix_file.cache_clear()
        else:
            splitter = SentenceSplitter(language=lang)
        return splitter.split

    import sentencex

    return lambda text: list(sentencex.segment(lang or "en", text))


def _map_back(view: str, offset: int, parts: list[str]) -> list[tuple[int, int]]:
    """Find each split part in ``view`` by its non-space characters; return absolute spans."""
    spans = []
    pos = 0
    for part in parts:
        needed = sum(1 for ch in part if not ch.isspace())
        if needed == 0:
            continue
        while pos < len(view) and view[pos].isspace():
            pos += 1
        s = pos
        seen = 0
        while pos < len(view) and seen < needed:
            if not view[pos].isspace():
                seen += 1
            pos += 1
        spans.append((offset + s, offset + pos))
    if spans and pos < len(view) and view[pos:].strip():
        # the splitter dropped or changed characters: keep the rest as its own sentence
        rest = len(view) - len(view[pos:].lstrip())
        spans.append((offset + rest, offset + len(view.rstrip())))
    return spans


def split_sentences(text: str, start: int, end: int, lang: str,
                    seg: Segmentation = SENTENCES) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]`` (one paragraph), in order."""
    if seg.segtype == "paragraph":
        return [(start, end)] if text[start:end].strip() else []
    out: list[tuple[int, int]] = []
    if seg.srx is not None:
        code = seg.srx_lang or lang
        for s, e in _line_groups(text, start, end):
            # the CAT tool sees the text as it is (a no-break space is not a space to its rules)
            view = text[s:e].replace("\n", " ").replace("\r", " ")
            out.extend((s + a, s + b) for a, b in seg.srx.split(view, code))
        return out
    split = splitter_for(lang)
    for s, e in _line_groups(text, start, end):
        view = _SPACES.sub(" ", text[s:e]).replace("\n", " ").replace("\r", " ")
        parts = split(view) or [view]
        out.extend(_map_back(view, s, parts))
    return out


def segment(text: str, lang: str, start: int = 0, end: int | None = None,
            paragraphs: list[tuple[int, int]] | None = None,
            seg: Segmentation = SENTENCES) -> tuple[list[tuple[int, int]], list[Sentence]]:
    """Paragraph spans and sentences (or other segments, see ``seg``) of ``text[start:end]``."""
    paras = paragraphs if paragraphs is not None else paragraph_spans(text, start, end)
    sentences = []
    for p, (ps, pe) in enumerate(paras):
        for s, e in split_sentences(text, ps, pe, lang, seg):
            cleaned = clean_text(text[s:e])
            if cleaned:
                sentences.append(Sentence(cleaned, s, e, p))
    return paras, sentences

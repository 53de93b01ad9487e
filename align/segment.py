"""Paragraphs and sentences, with offsets into the original text.

Paragraphs are blocks separated by blank lines (or single lines, in files that
have no blank line at all). Inside a paragraph a line break ends a segment
unless it is a soft wrap: the line does not end a sentence and the next one
starts in lower case, or (German capitalises its nouns) starts with a capital
where the line was wrapped at the text's margin: the next word would not have
fitted. Headers such as "Pressmeddelande 99/2017" / "24.5.2017" stay apart,
hard-wrapped prose is joined, and a list item ("- ", "* ", "1. ") always starts
a segment of its own.

Sentences come from ``sentence-splitter`` (Moses rules, best precision on UD
test sets) where it has a list for the language, from our own Bulgarian list,
and from ``sentencex`` otherwise. No-break and other Unicode spaces are seen
as plain spaces by the splitters; offsets always point into the original.
"""

from __future__ import annotations

import functools
import itertools
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
# a line that ends a sentence: end punctuation, perhaps closed by quotes or brackets ("(see below.)", «… »);
# a bracket alone does not ("[owner references](/docs/…)" wraps on into "describe the relationships")
_SENT_END = re.compile(r"[.!?:;…][\s\"”’»)\]]*$|[»\"”’]\s*$")
# what may open a line before its first word: link text, shortcodes, code, emphasis, brackets, quotes; it continues
# a line that stops in mid-sentence (on a word, a comma or a link's bracket), not one that ends in markup
# ("{{</note>}}", "</div>")
_OPENERS = re.compile(r"[\[({<`*_\"'“‘«„]*")
_MID_SENTENCE = re.compile(r"[\w,)\]]\s*$")
_BULLET = re.compile(r"[-*+•‣◦▪▸–—]\s")  # a Markdown or typographic bullet opening a line
_NUMBERED = re.compile(r"(?:\d{1,3}|[a-zA-Z])[.)]\s")  # "1. ", "2) ", "a) "
# the last word of a split part, when it is one or two letters and a full stop ("J.", "Ph.")
_SHORT_LAST = re.compile(r"(?:^|[\s(\[\"'“„«‘])([^\W\d_]{1,2})\.$")
_VOWELS = set("aeiouyäöüåæøœàáâãèéêëìíîïòóôõùúûýÿаеёиоуыэюяіїєѣ")

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
    blocks = bool(_BLANK_LINE.search(chunk))
    if blocks:
        pieces = [(m.start(), m.end()) for m in re.finditer(r"(?:(?!\n[ \t\r\f\v\u00a0]*\n)[\s\S])+", chunk)]
    else:
        pieces = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", chunk)]
    spans: list[tuple[int, int]] = []
    width = 0 if blocks else wrap_width(text)  # a blank line is a paragraph end, whatever the margin
    for s, e in pieces:
        seg = chunk[s:e]
        if not seg.strip():
            continue
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        raw = start + s + seg.rfind("\n", 0, lead) + 1  # where the first line starts, with its indentation
        s, e = start + s + lead, start + e - trail
        if spans and _soft_wrap(text[spans[-1][0]:spans[-1][1]], text[raw:e], width):
            spans[-1] = (spans[-1][0], e)  # one paragraph hard-wrapped over several lines
        else:
            spans.append((s, e))
    return spans


@functools.lru_cache(maxsize=4)
def wrap_width(text: str) -> int:
    """The margin a text was hard-wrapped at, in characters; 0 when it was not.

    Estimated from the lines that run on into another line (a paragraph's
    last line stops short): 90 % of them are at most this long, and in a
    wrapped text most of them come close to it (verse, tables of contents and
    subtitles have lines of all lengths). Nobody wraps beyond 120 columns,
    so a text of longer lines has one paragraph per line.
    """
    lengths = sorted(len(line.strip()) for line, nxt in itertools.pairwise(text.split("\n"))
                     if line.strip() and nxt.strip())
    if len(lengths) < 8:  # too few lines to tell a margin from chance
        return 0
    width = lengths[int(0.9 * (len(lengths) - 1))]
    near = sum(1 for n in lengths if n >= 0.8 * width)
    return width if 30 <= width <= 120 and near >= 0.7 * len(lengths) else 0


def _list_item(line: str) -> bool:
    return bool(_BULLET.match(line) or _NUMBERED.match(line))


def _soft_wrap(line: str, next_line: str, width: int = 0, inside: bool = False) -> bool:
    """A line break inside a sentence: no sentence end before it, and lower case after it (also after
    the link bracket, shortcode or code mark that opens the next line, when this one stops in mid-sentence
    and both are lines of one paragraph (``inside``): Markdown wraps "Like {{<tooltip>}}," / "[owner
    references](…)" / "describe …"; after a blank line such a line opens a block of its own, as a code
    fence does) or, in text wrapped at ``width``, anything but a list item where the next word would not have
    fitted.

    ``line`` is everything joined so far (its last line is what was wrapped). A list item never
    continues it; an indented line continues a list item (Markdown's continuation lines).
    """
    nxt = next_line.lstrip()
    item = _list_item(line.lstrip())
    if _SENT_END.search(line) or _BULLET.match(nxt) or (item and _NUMBERED.match(nxt)):
        return False
    opened = nxt[_OPENERS.match(nxt).end():] if inside and _MID_SENTENCE.search(line) else nxt
    if nxt[:1].islower() or opened[:1].islower() or (item and next_line[:1].isspace()):
        return True
    last = line.rstrip().rsplit("\n", 1)[-1].strip()
    word = nxt.split(maxsplit=1)[0] if nxt else ""
    # a greedy wrapper fills the line: the next word would not have fitted, and the line is not short
    return bool(width) and len(last) + 1 + len(word) > width and len(last) >= 0.7 * width


def _line_groups(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a paragraph at hard line breaks, joining soft-wrapped lines."""
    lines = [(start + m.start(), start + m.end()) for m in re.finditer(r"[^\n]+", text[start:end])]
    lines = [(s, e) for s, e in lines if text[s:e].strip()]
    width = wrap_width(text)
    groups: list[list[int]] = []
    for s, e in lines:
        if groups:
            if _soft_wrap(text[groups[-1][0]:groups[-1][1]], text[s:e], width, inside=True):
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


# a pattern that ends so (without alternatives) matches only a string ending in "." (or ".\n", as $ allows)
_FULL_STOPS_AT_END = r"(\.+)$"


class _CompiledPatterns:
    """The ``regex`` module as sentence_splitter calls it (pattern strings every time), compiled once.

    regex's own cache lookup works through flag enums and cost more than the matching itself
    (3.7 of 5.4 CPU s when splitting the handbook pair of eval/data/long); the patterns and results
    are the same.
    """

    def __init__(self, module) -> None:
        self._module = module
        self._compiled: dict[tuple[str, int], object] = {}
        self._full_stop_only: dict[str, bool] = {}  # pattern -> whether only a string ending in "." can match

    def _get(self, pattern: str, flags: int):
        key = (pattern, flags)  # a flag enum hashes and compares as its number
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = self._module.compile(pattern, flags)
        return found

    def sub(self, pattern, repl, string, count=0, flags=0):
        return self._get(pattern, flags).sub(repl, string, count)

    def search(self, pattern, string, flags=0):
        if not string.endswith((".", ".\n")):  # the splitter asks this of every word
            only = self._full_stop_only.get(pattern)
            if only is None:
                only = self._full_stop_only[pattern] = pattern.endswith(_FULL_STOPS_AT_END) and "|" not in pattern
            if only:
                return None  # only a word ending in a full stop can match
        return self._get(pattern, flags).search(string)

    def match(self, pattern, string, flags=0):
        return self._get(pattern, flags).match(string)

    def split(self, pattern, string, maxsplit=0, flags=0):
        return self._get(pattern, flags).split(string, maxsplit)

    def __getattr__(self, name: str):
        value = getattr(self._module, name)  # flags (regex.UNICODE) on every call: looked up once
        setattr(self, name, value)
        return value


@functools.lru_cache(maxsize=None)
def splitter_for(lang: str) -> Callable[[str], list[str]]:
    """A function text -> sentences for a language code (ISO 639-1; ``EN`` or ``en-GB`` are read as ``en``)."""
    lang = (lang or "").replace("_", "-").split("-")[0].lower()
    lang = _ALIASES.get(lang, lang)
    if lang in _MOSES or lang == "bg":
        import sentence_splitter
        from sentence_splitter import SentenceSplitter

        if not isinstance(sentence_splitter.regex, _CompiledPatterns):
            sentence_splitter.regex = _CompiledPatterns(sentence_splitter.regex)

        if lang == "bg":
            path = _bulgarian_prefix_file()
            try:
                splitter = SentenceSplitter(language="ru", non_breaking_prefix_file=path)
            finally:
                os.unlink(path)
                _bulgarian_prefix_file.cache_clear()
        else:
            splitter = SentenceSplitter(language=lang)
        return functools.partial(_moses_split, splitter.split)

    import sentencex

    return lambda text: list(sentencex.segment(lang or "en", text))


# every rule of the Moses splitter cuts after a ".", "?" or "!" and the rest of its word, at a space (only a space:
# it splits words on spaces alone); a line without one, or with them only in its last word, cannot be cut
_MAY_CUT = re.compile(r"[.?!][^ ]* ")
_RUN_OF_SPACES = re.compile(" +")


def _moses_split(split: Callable[[str], list[str]], text: str) -> list[str]:
    """``split(text)``, or what it gives for a line it cannot cut (spaces collapsed, stripped), without its passes.

    (A newline is a cut to the splitter: such text always takes its passes.)
    """
    if _MAY_CUT.search(text) or "\n" in text:
        return split(text)
    return [_RUN_OF_SPACES.sub(" ", text).strip()] if text else []


def _map_back(view: str, offset: int, parts: list[str]) -> list[tuple[int, int]]:
    """Find each split part in ``view`` by its non-space characters; return absolute spans."""
    spans = []
    pos = 0
    for part in parts:
        core = part.strip()
        if not core:
            continue
        while pos < len(view) and view[pos].isspace():
            pos += 1
        s = pos
        if view.startswith(core, s):  # the part as it stands in the view (the usual case): no count needed
            pos = s + len(core)
            spans.append((offset + s, offset + pos))
            continue
        needed = sum(1 for ch in core if not ch.isspace())
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
        out.extend(_join_initials(text, _map_back(view, s, parts)))
    return out


def _ends_with_initial(part: str) -> bool:
    """Whether a sentence ends in an initial ("J.", "Ph.", "Th.") rather than a word.

    Every word has a vowel, so a capital alone, or a capital and a consonant,
    before a full stop is an abbreviation; the splitters' lists know "Dr." but
    not "Ph." or "Ch.", and cut "Ph. Suuronen" in two.
    """
    m = _SHORT_LAST.search(part)
    if not m:
        return False
    token = m.group(1)
    return token[0].isupper() and (len(token) == 1 or (token[1].islower() and token.lower()[0] not in _VOWELS
                                                       and token[1] not in _VOWELS))


def _join_initials(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a sentence that ends in an initial to the next one when that starts with a capital (a name)."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and text[s:s + 1].isupper() and _ends_with_initial(text[out[-1][0]:out[-1][1]]):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
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

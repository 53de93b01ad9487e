"""Every format aligned pairs are written in and memories read from: one registry, one path.

| name     | extension       | read | write | carries                                               |
|----------|-----------------|------|-------|-------------------------------------------------------|
| tmx      | .tmx            | yes  | yes   | languages, text, score, link type, document            |
| xliff    | .xlf, .xliff    | yes  | yes   | the same (XLIFF 1.2; reading also takes 2.0)          |
| xliff2   | (--to xliff2)   | yes  | yes   | the same (XLIFF 2.0)                                  |
| xlsx     | .xlsx           | yes  | yes   | the same (review sheet)                               |
| jsonl    | .jsonl          | yes  | yes   | the same, sentence numbers, one-sided links           |
| tsv      | .tsv            | yes  | yes   | text, score, document (LF Aligner's columns)          |
| moses    | .moses (a stem) | yes  | yes   | text only, languages in the two file names            |
| links    | .links          | no   | yes   | sentence numbers (``[0, 1]:[2]``), one-sided links too |

How to call it::

    from align.export import write, read_bitext, WriteOptions
    write(alignment, "out.tmx")                       # an Alignment, a list of them, a PairResult or a Bitext
    write([al1, al2], "merged.tmx", segtype="sentence", split_even=True)   # one memory from several pairs
    write(alignment, "-", "tsv")                      # "-" is standard output (tsv, jsonl, links)
    n = write(read_bitext("in.tmx"), "out.xlf", min_score=0.5)   # convert, as ``align convert`` does

Every writer has one signature, ``writer(bitext, path) -> units written``,
over a stream of ``Unit``s that ``prepare`` built once: locales set, units
under ``min_score`` left out, n-n beads split (``split_even``), texts made
XML-safe and units with an empty side left out where the format cannot
carry them. Readers stream (a generator of units), so converting a large file
takes little memory; writers write a temporary file and rename it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..errors import InputError
from .atomic import STDOUT
from .bitext import Bitext, Unit, WriteOptions, bitext_from_alignments
from .tabular import read_jsonl, read_moses, read_tsv, write_jsonl, write_links, write_moses, write_tsv
from .tmx import bcp47, read_tmx_bitext, write_tmx, xml_safe
from .xliff import read_xliff, write_xliff
from .xlsx import read_xlsx, write_xlsx

Reader = Callable[[str | Path, str | None, str | None], Bitext]
Writer = Callable[[Bitext, str | Path], int]


@dataclass(frozen=True)
class Format:
    """A format: how to read and write it and what its files can hold."""

    name: str
    suffixes: tuple[str, ...]
    reader: Reader | None
    writer: Writer
    one_sided: bool = False  # holds units with an empty side (a sentence with no counterpart)
    plain: bool = True  # segment text on one line without XML-illegal characters (``xml_safe``)
    numbers: bool = False  # writes sentence numbers: the alignment's links as aligned, never split
    stdout: bool = False  # can be printed (``align pair`` without ``-o``)


_FORMATS = (
    Format("tmx", (".tmx",), read_tmx_bitext, write_tmx),
    Format("tsv", (".tsv",), read_tsv, write_tsv, stdout=True),
    Format("jsonl", (".jsonl",), read_jsonl, write_jsonl, one_sided=True, plain=False, stdout=True),
    Format("links", (".links",), None, write_links, one_sided=True, plain=False, numbers=True, stdout=True),
    Format("moses", (".moses",), read_moses, write_moses),
    Format("xliff", (".xlf", ".xliff"), read_xliff, partial(write_xliff, version="1.2")),
    Format("xliff2", (), read_xliff, partial(write_xliff, version="2.0")),
    Format("xlsx", (".xlsx",), read_xlsx, write_xlsx),
)
FORMATS: dict[str, Format] = {f.name: f for f in _FORMATS}
EXTENSIONS = {suffix: f.name for f in _FORMATS for suffix in f.suffixes}
READABLE = tuple(name for name, f in FORMATS.items() if f.reader is not None)
# formats a memory converts to (the links format needs an alignment's sentence numbers)
CONVERTIBLE = tuple(name for name, f in FORMATS.items() if not f.numbers)
# ``align pair -o X.review.json`` also writes a review file (align.review), for the browser editor
REVIEW_SUFFIX = ".review.json"
PAIR_FORMATS = tuple(FORMATS) + ("review",)


def format_of(path: str | Path, fmt: str | None = None, allowed: Iterable[str] = tuple(FORMATS),
              option: str = "--format") -> str:
    """The format named by ``fmt``, or else by the file's extension."""
    allowed = tuple(allowed)
    if fmt:
        name = fmt.lower().strip()
        if name == "xliff1":
            name = "xliff"
        if name not in allowed:
            raise InputError(f"unknown format {fmt!r} (use one of {', '.join(allowed)})")
        return name
    name = "review" if str(path).lower().endswith(REVIEW_SUFFIX) else EXTENSIONS.get(Path(path).suffix.lower())
    if name is None or name not in allowed:
        raise InputError(f"{path}: cannot tell the format from the extension; give {option} "
                         f"{'|'.join(allowed)}")
    return name


def stdout_format(fmt: str | None) -> str:
    """The format ``align pair`` prints without ``-o`` (TSV unless told)."""
    name = format_of("-", fmt or "tsv", PAIR_FORMATS)
    if name not in FORMATS or not FORMATS[name].stdout:
        suffix = FORMATS[name].suffixes[0] if name in FORMATS and FORMATS[name].suffixes else ""
        raise InputError(f"{name.upper() if name == 'tmx' else name} needs an output file: give -o FILE{suffix}")
    return name


def pair_format(path: str | Path | None, fmt: str | None) -> str:
    """The format ``align pair`` writes: ``fmt``, or else ``path``'s extension; no path: printed (TSV unless
    ``fmt`` names another format that can be)."""
    return stdout_format(fmt) if path is None or str(path) == STDOUT else format_of(path, fmt, PAIR_FORMATS)


def read_bitext(path: str | Path, fmt: str | None = None, src_lang: str | None = None,
                tgt_lang: str | None = None) -> Bitext:
    """Open any readable format as a streamed Bitext."""
    name = format_of(path, fmt, READABLE, "--from")
    return FORMATS[name].reader(path, src_lang, tgt_lang)


def prepare(bt: Bitext, fmt: Format, options: WriteOptions) -> Bitext:
    """The units ``fmt`` writes, with the options applied: the one place they are."""
    src_lang = bcp47(options.src_locale) if options.src_locale else bt.src_lang
    tgt_lang = bcp47(options.tgt_locale) if options.tgt_locale else bt.tgt_lang
    return Bitext(src_lang, tgt_lang, _units(bt.units, fmt, options.min_score), bt.segtype, bt.extra)


def _units(units: Iterable[Unit], fmt: Format, min_score: float) -> Iterator[Unit]:
    plain, one_sided = fmt.plain, fmt.one_sided
    if fmt.numbers:  # the links themselves, every one (``align eval`` scores them against a gold): no filter
        min_score = 0.0
    safe: dict[str, str] = {}  # documents and link types, made XML-safe once (a memory has few of them)
    for u in units:
        if min_score > 0 and u.score is not None and u.score < min_score:
            continue
        if plain:
            s, t = xml_safe(u.src), xml_safe(u.tgt)
            doc = safe.get(u.document)
            if doc is None:
                doc = safe[u.document] = xml_safe(u.document)
            link = safe.get(u.link)
            if link is None:
                link = safe[u.link] = xml_safe(u.link)
            if s is not u.src or t is not u.tgt or doc != u.document or link != u.link:
                u = replace(u, src=s, tgt=t, document=doc, link=link)
        if not one_sided and not (u.src and u.tgt):
            continue
        yield u


def as_bitext(data, fmt: Format, options: WriteOptions) -> Bitext:
    """What ``write`` takes (a Bitext, an Alignment, a PairResult, or several of one language pair) as units."""
    if isinstance(data, Bitext):
        return data
    alignments = getattr(data, "alignment", data)  # a PairResult
    if not isinstance(alignments, (list, tuple)) and hasattr(alignments, "links"):
        alignments = [alignments]
    alignments = [getattr(a, "alignment", a) for a in alignments]
    if not all(hasattr(a, "links") for a in alignments):
        raise InputError("write takes an Alignment, a checked pair, a list of them or a memory (Bitext)")
    return bitext_from_alignments(alignments, options.segtype, one_sided=fmt.one_sided,
                                  split_even=options.split_even and not fmt.numbers)


def write(data, path: str | Path, fmt: str | None = None, src_locale: str | None = None,
          tgt_locale: str | None = None, min_score: float = 0.0, *, segtype: str = "sentence",
          split_even: bool = False) -> int:
    """Write ``data`` to ``path`` (``-``: standard output) in ``fmt`` or the format its extension names;
    return the number of units (or links) written. See the module docstring."""
    name = stdout_format(fmt) if str(path) == STDOUT else format_of(path, fmt)
    form = FORMATS[name]
    options = WriteOptions(src_locale, tgt_locale, min_score, split_even, segtype)
    return form.writer(prepare(as_bitext(data, form, options), form, options), path)


def convert(src: str | Path, dst: str | Path, to: str | None = None, from_: str | None = None,
            src_lang: str | None = None, tgt_lang: str | None = None, src_locale: str | None = None,
            tgt_locale: str | None = None, min_score: float = 0.0) -> tuple[int, str, str]:
    """Convert a translation memory between formats; return (units written, input format, output format)."""
    in_fmt = format_of(src, from_, READABLE, "--from")
    out_fmt = format_of(dst, to, CONVERTIBLE, "--to")
    if Path(src).resolve() == Path(dst).resolve() and out_fmt != "moses":
        raise InputError(f"{dst}: the output would overwrite the input")
    bt = read_bitext(src, in_fmt, src_lang, tgt_lang)
    n = write(bt, dst, out_fmt, src_locale, tgt_locale, min_score)
    return n, in_fmt, out_fmt

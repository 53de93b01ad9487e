"""Every translation-memory format we read and write, and conversion between them.

| name     | extension       | read | write | carries                                        |
|----------|-----------------|------|-------|------------------------------------------------|
| tmx      | .tmx            | yes  | yes   | languages, text, score, link type, document    |
| xliff    | .xlf, .xliff    | yes  | yes   | the same (XLIFF 1.2; reading also takes 2.0)   |
| xliff2   | (--to xliff2)   | yes  | yes   | the same (XLIFF 2.0)                           |
| xlsx     | .xlsx           | yes  | yes   | the same (review sheet)                        |
| jsonl    | .jsonl          | yes  | yes   | the same                                       |
| tsv      | .tsv            | yes  | yes   | text, score, document (LF Aligner's columns)   |
| moses    | .moses (a stem) | yes  | yes   | text only, languages in the two file names     |
| links    | .links          | no   | yes   | sentence indices (``[0, 1]:[2]``), pairs only  |

Readers stream (a generator of units), so converting a large file takes
little memory; writers write a temporary file and rename it.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .bitext import Bitext
from .tabular import read_jsonl, read_moses, read_tsv, write_jsonl_bitext, write_moses_bitext, write_tsv_bitext
from .tmx import bcp47, read_tmx_bitext, write_tmx_bitext
from .xliff import read_xliff, write_xliff_bitext
from .xlsx import read_xlsx, write_xlsx_bitext

EXTENSIONS = {".tmx": "tmx", ".tsv": "tsv", ".jsonl": "jsonl", ".links": "links", ".moses": "moses",
              ".xlf": "xliff", ".xliff": "xliff", ".xlsx": "xlsx"}
FORMATS = ("tmx", "tsv", "jsonl", "links", "moses", "xliff", "xliff2", "xlsx")
# ``align pair -o X.review.json`` also writes a review file (align.review), for the browser editor
REVIEW_SUFFIX = ".review.json"
PAIR_FORMATS = FORMATS + ("review",)
READABLE = ("tmx", "tsv", "jsonl", "moses", "xliff", "xliff2", "xlsx")
_READERS = {"tmx": read_tmx_bitext, "tsv": read_tsv, "jsonl": read_jsonl, "moses": read_moses,
            "xliff": read_xliff, "xliff2": read_xliff, "xlsx": read_xlsx}


def format_of(path: str | Path, fmt: str | None = None, allowed: tuple[str, ...] = FORMATS,
              option: str = "--format") -> str:
    """The format named by ``fmt``, or else by the file's extension."""
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


def read_bitext(path: str | Path, fmt: str | None = None, src_lang: str | None = None,
                tgt_lang: str | None = None) -> Bitext:
    """Open any readable format as a streamed Bitext."""
    name = format_of(path, fmt, READABLE, "--from")
    return _READERS[name](path, src_lang, tgt_lang)


def write_bitext(bt: Bitext, path: str | Path, fmt: str | None = None, src_locale: str | None = None,
                 tgt_locale: str | None = None, min_score: float = 0.0) -> int:
    """Write a Bitext in any writable format but links; return the number of units written."""
    name = format_of(path, fmt, tuple(f for f in FORMATS if f != "links"), "--to")
    if src_locale:
        bt.src_lang = bcp47(src_locale)
    if tgt_locale:
        bt.tgt_lang = bcp47(tgt_locale)
    if min_score > 0:
        bt.units = (u for u in bt.units if u.score is None or u.score >= min_score)
    if name == "tmx":
        return write_tmx_bitext(bt, path)
    if name in ("xliff", "xliff2"):
        return write_xliff_bitext(bt, path, "1.2" if name == "xliff" else "2.0")
    writer = {"tsv": write_tsv_bitext, "jsonl": write_jsonl_bitext, "moses": write_moses_bitext,
              "xlsx": write_xlsx_bitext}[name]
    return writer(bt, path)


def convert(src: str | Path, dst: str | Path, to: str | None = None, from_: str | None = None,
            src_lang: str | None = None, tgt_lang: str | None = None, src_locale: str | None = None,
            tgt_locale: str | None = None, min_score: float = 0.0) -> tuple[int, str, str]:
    """Convert a translation memory between formats; return (units written, input format, output format)."""
    in_fmt = format_of(src, from_, READABLE, "--from")
    out_fmt = format_of(dst, to, tuple(f for f in FORMATS if f != "links"), "--to")
    if Path(src).resolve() == Path(dst).resolve() and out_fmt != "moses":
        raise InputError(f"{dst}: the output would overwrite the input")
    bt = read_bitext(src, in_fmt, src_lang, tgt_lang)
    n = write_bitext(bt, dst, out_fmt, src_locale, tgt_locale, min_score)
    return n, in_fmt, out_fmt

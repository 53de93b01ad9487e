"""A reviewed alignment out to every format ``align convert`` writes, and to gold links.

The texts are the reviewer's (edited where edited), the rows the reviewer's.
TMX units say what the reviewer did in an ``x-review`` property
(``confirmed``: checked by a person; ``edited``: a row the reviewer made and
did not confirm); rows made by the aligner and left alone carry none. The
``links`` format (``[0, 1]:[2]``, every row, one-sided ones too) is the gold
format of ``align eval``, so a reviewed file is a test set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..errors import InputError
from ..export.bitext import Bitext, Unit
from ..export.formats import FORMATS, format_of, write
from .model import Review

EXPORT_FORMATS = tuple(FORMATS)  # tmx, tsv, jsonl, links, moses, xliff, xliff2, xlsx


def _rows(review: Review, confirmed_only: bool):
    for row in review.links:
        if not confirmed_only or row.status == "confirmed":
            yield row


def review_units(review: Review, confirmed_only: bool = False) -> Iterator[tuple[Unit, str]]:
    """(unit, status) per row, texts as edited; rows with an empty side give units with an empty side."""
    doc = f"{review.source['document']} | {review.target['document']}"
    for row in _rows(review, confirmed_only):
        s = " ".join(t for t in (review.text("src", i) for i in row.src) if t)
        t = " ".join(t for t in (review.text("tgt", j) for j in row.tgt) if t)
        review_prop = None if row.status == "auto" else {"x-review": row.status}
        yield Unit(s, t, row.score, f"{len(row.src)}-{len(row.tgt)}", doc, review_prop,
                   tuple(review.ids("src", row.src)), tuple(review.ids("tgt", row.tgt))), row.status


def export_review(review: Review, path: str | Path, fmt: str | None = None, confirmed_only: bool = False,
                  src_locale: str | None = None, tgt_locale: str | None = None) -> int:
    """Write the reviewed pairs to ``path``; return the number of units (or links) written."""
    name = format_of(path, fmt, EXPORT_FORMATS)
    src_lang, tgt_lang = review.source.get("lang") or "", review.target.get("lang") or ""
    if not FORMATS[name].numbers and (not src_lang or not tgt_lang):
        raise InputError(f"{path}: the review file does not say its languages")
    bt = Bitext(src_lang, tgt_lang, (u for u, _ in review_units(review, confirmed_only)))
    return write(bt, path, name, src_locale, tgt_locale)

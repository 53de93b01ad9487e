"""Writers (and readers, where a format can be read back) for aligned pairs and reports."""

from .atomic import atomic_open, write_text
from .bitext import Bitext, Unit, bitext_from_alignments
from .formats import FORMATS, READABLE, convert, format_of, read_bitext, write_bitext
from .tabular import write_jsonl, write_links, write_tsv
from .tmx import read_tmx, write_tmx

__all__ = ["FORMATS", "READABLE", "Bitext", "Unit", "atomic_open", "write_text", "write_tmx", "read_tmx",
           "write_tsv", "write_jsonl", "write_links", "write_pairs", "read_bitext", "write_bitext", "convert",
           "format_of", "bitext_from_alignments"]


def write_pairs(al, path, fmt: str, segtype: str = "sentence", src_locale=None, tgt_locale=None,
                min_score: float = 0.0, split_even: bool = False) -> int:
    """Write an alignment in one of FORMATS; return the number of records written.

    ``split_even`` (used with ``--srx``): n-n beads become n units, one per CAT segment.
    """
    fmt = format_of(path, fmt)
    if fmt == "tmx":
        return write_tmx([al], path, src_locale, tgt_locale, min_score, segtype, split_even)
    if fmt == "jsonl" and not (src_locale or tgt_locale or min_score or split_even):
        return write_jsonl(al, path)  # every link, with sentence ids
    if fmt == "links":
        return write_links(al, path)
    return write_bitext(bitext_from_alignments([al], segtype, split_even=split_even), path, fmt, src_locale,
                        tgt_locale, min_score)

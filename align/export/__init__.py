"""Writers (and readers, where a format can be read back) for aligned pairs and reports."""

from .atomic import atomic_open, write_text
from .tabular import write_jsonl, write_links, write_tsv
from .tmx import read_tmx, write_tmx

FORMATS = ("tmx", "tsv", "jsonl", "links")

__all__ = ["FORMATS", "atomic_open", "write_text", "write_tmx", "read_tmx", "write_tsv", "write_jsonl",
           "write_links", "write_pairs"]


def write_pairs(al, path, fmt: str, **options) -> None:
    """Write an alignment in one of FORMATS."""
    if fmt == "tmx":
        write_tmx([al], path, **options)
    elif fmt == "tsv":
        write_tsv(al, path)
    elif fmt == "jsonl":
        write_jsonl(al, path)
    elif fmt == "links":
        write_links(al, path)
    else:
        from ..errors import InputError

        raise InputError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")

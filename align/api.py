"""The public Python API: what ``align`` exports, and exactly what the CLI calls.

    import align
    pairs = align.align(align.read("sv.txt"), align.read("en.txt"))
    align.write(pairs, "out.tmx")

``read`` a document (any input format, or a list of sentences), ``align``
two, ``check`` an alignment for divergences, ``write`` any format (or
``write_report``), ``read_memory`` a translation memory. Everything a user
can get wrong is an ``InputError`` with a one-line message. Heavy modules
(the encoder, language models) are imported on first use, so ``import
align`` stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from .documents import Alignment, Divergence, Document
from .errors import InputError

if TYPE_CHECKING:
    from .aligners.base import Aligner
    from .checks import Selection
    from .encoders import Encoder
    from .export.bitext import Bitext
    from .pipeline import PairResult
    from .segment import Segmentation

PathLike = str | Path


def read(source: PathLike | Sequence[str], lang: str | None = None, *, presplit: bool = False,
         segmentation: Segmentation | None = None, name: str | None = None) -> Document:
    """One document in one language, segmented into sentences.

    ``source``: a file (plain text, Markdown, HTML, .docx, PDF, subtitles: see
    ``readers``), or a list of sentences taken as they are (as ``presplit``
    takes a file's lines). ``lang``: its ISO 639-1 code; detected when not
    given. ``segmentation``: how to cut sentences (``Segmentation.make`` with
    an SRX file or ``paragraph``); default our sentence splitters.
    """
    from .pipeline import load_one, presplit_document, read_presplit
    from .segment import SENTENCES

    if not isinstance(source, (str, Path)):
        sentences = [" ".join(str(s).split("\n")) for s in source]
        if not any(s.strip() for s in sentences):
            raise InputError("no sentences to read")
        label = name or "sentences"
        return presplit_document("\n".join(sentences), label, label, lang)
    if presplit:
        if segmentation not in (None, SENTENCES):
            raise InputError("presplit input is already segmented: give no segmentation")
        return read_presplit(source, lang)
    return load_one(source, lang, seg=segmentation or SENTENCES)


def read_parts(path: PathLike, *, segmentation: Segmentation | None = None) -> list[Document]:
    """A file's language parts: one Document per language (two for a bilingual file)."""
    from .pipeline import load
    from .segment import SENTENCES

    return load(path, seg=segmentation or SENTENCES)


def read_pair(src: PathLike, tgt: PathLike, src_lang: str | None = None, tgt_lang: str | None = None, *,
              presplit: bool = False, segmentation: Segmentation | None = None) -> tuple[Document, Document]:
    """A document and its translation as ``align pair`` reads them: one file naming the other twice, or a
    side without sentences, is an ``InputError`` before the other side is read."""
    from .pipeline import read_pair as _read_pair
    from .segment import SENTENCES

    return _read_pair(src, tgt, src_lang, tgt_lang, presplit, segmentation or SENTENCES)


def make_encoder(model: str | None = None, *, cache: bool = True, engine: str = "auto", threads: int | None = None,
                 device: str = "auto") -> Encoder:
    """The sentence encoder: the bundled e5, or a local sentence-transformers ``model`` (``encoders``)."""
    from .encoders import make_encoder as _make_encoder

    return _make_encoder(model, cache=cache, engine=engine, threads=threads, device=device)


def make_aligner(method: str = "embedding", encoder: Encoder | None = None, params=None) -> Aligner:
    """An ``Aligner``: ``embedding`` (with ``encoder``, default the bundled one) or ``length`` (Gale–Church)."""
    from .pipeline import make_aligner as _make_aligner

    return _make_aligner(method, encoder, params)


def align(src: Document | PathLike | Sequence[str], tgt: Document | PathLike | Sequence[str],
          method: str = "embedding", *, encoder: Encoder | None = None, aligner: Aligner | None = None) -> Alignment:
    """Sentence-align two documents (or files, or sentence lists, read with ``read``).

    ``aligner`` (from ``make_aligner``) is reused across pairs; otherwise one is
    made for ``method`` with ``encoder``.
    """
    from .pipeline import align_documents

    src = src if isinstance(src, Document) else read(src)
    tgt = tgt if isinstance(tgt, Document) else read(tgt)
    return align_documents(src, tgt, aligner or make_aligner(method, encoder))


def check(alignment: Alignment, *, encoder: Encoder | None = None, select: Selection | None = None
          ) -> list[Divergence]:
    """Where the two sides of an alignment disagree (missing text, numbers, names, languages, order).

    ``encoder`` lets the checks look again at sentences merged into one link;
    ``select`` (``checks.selection``) keeps some severities or checks only.
    """
    from .checks import check_alignment

    return check_alignment(alignment, encoder, select)


def align_and_check(src: Document, tgt: Document, aligner: Aligner, select: Selection | None = None) -> PairResult:
    """``align`` and ``check`` in one, timed: the ``PairResult`` that reports and review files take."""
    from .pipeline import run_pair

    return run_pair(src, tgt, aligner, select)


def write(data: Alignment | PairResult | Bitext | Iterable[Alignment], path: PathLike, format: str | None = None,
          **options) -> int:
    """Write aligned pairs in any format (``tmx``, ``xliff``, ``xlsx``, ``tsv``, ``jsonl``, ``moses``,
    ``links``, or a review file ``X.review.json`` for ``align review``); the format from the extension unless
    given; ``-`` is standard output. ``options``: ``src_locale``, ``tgt_locale``, ``min_score``,
    ``segtype``, ``split_even`` (``export.formats``). Returns the units (or links) written."""
    from .export.atomic import check_writable
    from .export.formats import PAIR_FORMATS, format_of

    check_writable(path)  # a missing folder is a typo: never created
    if format_of(path, format, PAIR_FORMATS) == "review":
        from .review import write_review

        if str(path) == "-":
            raise InputError("a review file cannot be printed: give it a file name")
        if not hasattr(data, "divergences"):
            raise InputError(f"{path}: a review file is written from a checked pair (align_and_check)")
        write_review(data, path)
        return len(data.alignment.links)
    from .export.formats import write as _write

    return _write(data, path, format, **options)


def write_report(path: PathLike, results: Sequence[PairResult], unpaired: list[dict] | None = None,
                 select: Selection | None = None) -> None:
    """A divergence report (.html, .md, .csv, or .json for one pair) of checked pairs."""
    from .export.report import write_report as _write_report

    _write_report(path, list(results), unpaired, select.describe() if select is not None else None)


def read_memory(path: PathLike, format: str | None = None, src_lang: str | None = None,
                tgt_lang: str | None = None) -> Bitext:
    """A translation memory (TMX, XLIFF, xlsx, TSV, JSONL, Moses) as a stream of units."""
    from .export.formats import read_bitext

    return read_bitext(path, format, src_lang, tgt_lang)

"""The per-file and per-pair pipeline: read → language → split → segment → align → check.

The stages behind the public API (``align.api``, which the CLI calls) and corpus mode; nothing here prints.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import langid
from .checks import check_alignment
from .documents import Alignment, Divergence, Document, Link, Sentence, clean_text
from .errors import InputError
from .readers import read_text
from .segment import SENTENCES, Segmentation, paragraph_spans, segment

if TYPE_CHECKING:
    from .aligners.base import Aligner


def documents_from_text(text: str, path: str, lang: str | None = None, split: bool = True,
                        codes: tuple[str, ...] = tuple(langid.DEFAULT_LANGUAGES),
                        seg: Segmentation = SENTENCES) -> list[Document]:
    """One Document per language part of ``text`` (two for a bilingual file).

    With ``lang`` given the whole text is taken as that language and never split.
    ``seg`` says how paragraphs are cut into segments (sentences, an SRX file, paragraphs).
    """
    name = Path(path).name
    paras = paragraph_spans(text)
    if not paras:
        raise InputError(f"{path}: the file is empty")
    labels: list[str | None] = [lang] * len(paras)
    if lang:
        runs = [langid.LanguageRun(lang, 0, len(paras), 0)]
    else:
        texts = [text[s:e] for s, e in paras]
        labels = langid.label_paragraphs(texts, codes)
        runs = langid.language_runs(texts, labels)
        if not split and len(runs) > 1:
            main = max(runs, key=lambda r: r.letters)
            runs = [langid.LanguageRun(main.lang, 0, len(paras), main.letters)]
        for run in runs:
            body = "\n\n".join(texts[run.first:run.last])
            run.lang = langid.document_language(body, run.lang, codes) if run.lang else ""
        if any(not run.lang for run in runs):
            raise InputError(f"{path}: cannot tell the language (no letters?); give it with --src-lang/--tgt-lang")
    docs = []
    for run in runs:
        part_paras = paras[run.first:run.last]
        sentences = _sentences(text, run.lang, part_paras, seg, codes)
        part = name if len(runs) == 1 else f"{name}#{run.lang}"
        span = (part_paras[0][0], part_paras[-1][1])
        para_langs = [run.lang if not lab or langid.same_group(lab, run.lang) else lab
                      for lab in labels[run.first:run.last]]
        docs.append(Document(str(path), part, text, run.lang, part_paras, sentences, span, para_langs))
    langid.save()  # what lingua said about this file, for the next run
    return docs


def _sentences(text: str, lang: str, paras: list[tuple[int, int]], seg: Segmentation,
               codes: tuple[str, ...]):
    _, sentences = segment(text, lang, paragraphs=paras, seg=seg)
    for s, other in zip(sentences, langid.other_languages([s.text for s in sentences], lang, codes)):
        s.lang = other
    return sentences


def resegment(doc: Document, seg: Segmentation,
              codes: tuple[str, ...] = tuple(langid.DEFAULT_LANGUAGES)) -> Document:
    """The same Document cut into segments another way (paragraphs and language kept)."""
    return Document(doc.path, doc.name, doc.text, doc.lang, doc.paragraphs,
                    _sentences(doc.text, doc.lang, doc.paragraphs, seg, codes), doc.span, doc.paragraph_langs)


def load(path: str | Path, lang: str | None = None, split: bool = True,
         codes: tuple[str, ...] = tuple(langid.DEFAULT_LANGUAGES), seg: Segmentation = SENTENCES) -> list[Document]:
    """Read a file (plain text, HTML, .docx or PDF: see ``readers``) and return its language parts as segmented
    Documents."""
    return documents_from_text(read_text(path), str(path), lang, split, codes, seg)


def load_one(path: str | Path, lang: str | None = None,
             codes: tuple[str, ...] = tuple(langid.DEFAULT_LANGUAGES), seg: Segmentation = SENTENCES) -> Document:
    """A file as a single Document (``align pair`` inputs are one language each)."""
    return load(path, lang, split=False, codes=codes, seg=seg)[0]


def read_presplit(path: str | Path, lang: str | None = None) -> Document:
    """A file with one sentence per line, taken as it is (test sets, pre-segmented text).

    A blank line ends a paragraph, as in plain text; otherwise the lines are
    sentences of one paragraph (giving each line its own paragraph made every
    merge pay the paragraph-crossing cost). Blank lines are not aligned but
    keep their numbers: ``Document.ids`` holds each sentence's 0-based line
    number, as the gold files of test sets count them.
    """
    from .documents import read_text as read_plain_text

    if Path(path).suffix.lower() in (".srt", ".vtt"):  # its numbers and timings are not sentences
        raise InputError(f"{path}: subtitles are read cue by cue; leave out --presplit")
    return presplit_document(read_plain_text(path), str(path), Path(path).name, lang)


def presplit_document(text: str, path: str, name: str, lang: str | None = None) -> Document:
    """``text``'s lines as the sentences of a Document (``read_presplit``; a list of sentences joined by
    newlines). The language is detected when not given."""
    sentences: list[Sentence] = []
    ids: list[int] = []
    pos, para, blank = 0, 0, False
    for number, line in enumerate(text.split("\n")):
        if line.strip():
            if blank and sentences:
                para += 1
            sentences.append(Sentence(clean_text(line), pos, pos + len(line), para))
            ids.append(number)
            blank = False
        else:
            blank = True
        pos += len(line) + 1
    if not lang:
        lang = langid.detect(text[:5000])[0] or ""
    spans: list[tuple[int, int]] = []
    for s in sentences:
        if spans and s.paragraph == len(spans) - 1:
            spans[-1] = (spans[-1][0], s.end)
        else:
            spans.append((s.start, s.end))
    return Document(path, name, text, lang, spans, sentences, ids=ids)


def read_pair(src: str | Path, tgt: str | Path, src_lang: str | None = None, tgt_lang: str | None = None,
              presplit: bool = False, seg: Segmentation = SENTENCES) -> tuple[Document, Document]:
    """A document and its translation, each read whole as one language (``align pair``'s inputs).

    Two names for one file are refused before either is read, and a side with no
    sentences before the other is read. ``seg`` cuts the source side; the target
    side is cut by the same rules for its own language.
    """
    if presplit and seg != SENTENCES:
        raise InputError("--presplit inputs are already segmented: drop --srx / --segtype")
    src, tgt = Path(src), Path(tgt)
    if src.resolve() == tgt.resolve() or (src.exists() and tgt.exists() and os.path.samefile(src, tgt)):
        raise InputError(f"{src}: source and target are the same file")  # symlinks, "..", hard links
    docs = []
    for path, lang, side_seg in ((src, src_lang, seg), (tgt, tgt_lang, seg.with_lang(None))):
        # --srx-lang names the source side's rules (the side a CAT tool segments)
        doc = read_presplit(path, lang) if presplit else load_one(path, lang, seg=side_seg)
        if not doc.sentences:
            raise InputError(f"{path}: no sentences found")
        docs.append(doc)
    return docs[0], docs[1]


def line_links(al: Alignment) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The links by the user's sentence numbers (a --presplit file's line numbers): what ``--format links`` writes."""
    return [(tuple(al.src.sentence_ids(l.src)), tuple(al.tgt.sentence_ids(l.tgt))) for l in al.links]


def make_aligner(method: str = "embedding", encoder=None, params=None) -> Aligner:
    """The aligner ``align pair`` uses: ``embedding`` (the bundled encoder unless ``encoder`` is given) or
    ``length``; ``params`` (``EmbeddingParams``) changes the embedding aligner's settings (benchmarks)."""
    from .aligners import EmbeddingAligner, LengthAligner

    if method == "length":
        return LengthAligner()
    if method == "embedding":
        if encoder is None:
            from .encoders import make_encoder

            encoder = make_encoder()
        return EmbeddingAligner(encoder, params)
    raise InputError(f"unknown method {method!r} (use embedding or length)")


def align_documents(src: Document, tgt: Document, aligner: Aligner) -> Alignment:
    """Sentence-align two Documents."""
    links = aligner.align([s.text for s in src.sentences], [t.text for t in tgt.sentences],
                          [s.paragraph for s in src.sentences], [t.paragraph for t in tgt.sentences],
                          # a sentence in a third language (neither side's) is rarely a translation
                          src_foreign=[bool(s.lang) and s.lang != tgt.lang for s in src.sentences],
                          tgt_foreign=[bool(t.lang) and t.lang != src.lang for t in tgt.sentences])
    return aligned_by(src, tgt, links, aligner)


def aligned_by(src: Document, tgt: Document, links: list[Link], aligner: Aligner) -> Alignment:
    """``links`` as the Alignment ``aligner`` made of the two Documents (its method and encoder named)."""
    return Alignment(src, tgt, links, method=aligner.name, encoder=aligner.encoder.name if aligner.encoder else "")


@dataclass
class PairResult:
    """An aligned pair with its divergences, what was written, and how long it took."""

    alignment: Alignment
    divergences: list[Divergence]
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    pair_score: float | None = None  # corpus mode: how surely these two translate each other


def run_pair(src: Document, tgt: Document, aligner: Aligner, select=None,
             links: list[Link] | None = None, divergences: list[Divergence] | None = None) -> PairResult:
    """Align two Documents and check them for divergences (those ``select``, a ``checks.Selection``, keeps).

    The checks get the aligner's encoder, to look again at sentences merged into 1-n links. ``links``: the
    alignment ``aligner`` already made of them (corpus pairing's), checked without aligning again; with its
    ``divergences`` too, it is not checked again either.
    """
    t0 = time.perf_counter()
    al = align_documents(src, tgt, aligner) if links is None else aligned_by(src, tgt, links, aligner)
    divs = check_alignment(al, aligner.encoder, select) if divergences is None or links is None else divergences
    return PairResult(al, divs, time.perf_counter() - t0)

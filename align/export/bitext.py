"""The one shape every reader returns and every writer takes: a language pair and a stream of units.

A ``Bitext`` holds its units as an iterable, usually a generator, so a
million-unit file is converted from one format to another without ever being
held in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import InputError

_LANGS_IN_NAME = re.compile(r"\.([A-Za-z]{2,3}(?:_[A-Za-z0-9]+)?)-([A-Za-z]{2,3}(?:_[A-Za-z0-9]+)?)$")


@dataclass
class Unit:
    """One aligned pair of segments and what we know about it."""

    src: str
    tgt: str
    score: float | None = None
    link: str = ""  # bead type, e.g. "1-2"
    document: str = ""  # where it comes from ("source.txt | target.txt")
    props: dict[str, str] | None = None  # other ``x-`` properties (e.g. ``x-review``), carried by TMX
    # the sentence numbers each side joins (0-based; a --presplit file's line numbers): what links and JSONL
    # record; None where the source does not know them (a memory)
    src_ids: tuple[int, ...] | None = None
    tgt_ids: tuple[int, ...] | None = None


@dataclass
class Bitext:
    """A language pair and its units (read lazily where the reader can)."""

    src_lang: str
    tgt_lang: str
    units: Iterable[Unit]
    segtype: str = "sentence"
    extra: dict = field(default_factory=dict)

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)


@dataclass(frozen=True)
class WriteOptions:
    """How an alignment becomes units, and units a file: applied once, when the units are built (``prepare``).

    ``split_even`` (used with ``--srx``) writes a bead of n source and n target
    segments (n > 1) as n units paired in order, what OmegaT does with a
    paragraph-level TM, so that every unit's source is one segment of the CAT
    tool; each part keeps the bead's link type (``2-2``).
    """

    src_locale: str | None = None
    tgt_locale: str | None = None
    min_score: float = 0.0
    split_even: bool = False
    segtype: str = "sentence"


def document_name(al) -> str:
    return f"{al.src.name} | {al.tgt.name}"


def units_from_alignments(alignments, one_sided: bool = False, split_even: bool = False) -> Iterator[Unit]:
    """The links of alignments as units (texts, score, link type, sentence numbers); one-sided links only
    when asked for."""
    for al in alignments:
        doc = document_name(al)
        src_ids, tgt_ids = al.src.sentence_ids, al.tgt.sentence_ids
        for link in al.links:
            if not (link.src and link.tgt) and not one_sided:
                continue
            if split_even and len(link.src) == len(link.tgt) > 1:
                for i, j in zip(link.src, link.tgt):
                    yield Unit(al.src.sentences[i].text, al.tgt.sentences[j].text, link.score, link.kind, doc,
                               src_ids=tuple(src_ids((i,))), tgt_ids=tuple(tgt_ids((j,))))
                continue
            s, t = al.texts(link)
            yield Unit(s, t, link.score, link.kind, doc, src_ids=tuple(src_ids(link.src)),
                       tgt_ids=tuple(tgt_ids(link.tgt)))


def bitext_from_alignments(alignments, segtype: str = "sentence", one_sided: bool = False,
                           split_even: bool = False) -> Bitext:
    """Alignments of one language pair as one Bitext (the first alignment names the languages)."""
    alignments = list(alignments)
    if not alignments:
        raise InputError("nothing to write")
    first = alignments[0]
    pairs = {(a.src.lang, a.tgt.lang) for a in alignments}
    if len(pairs) > 1:
        raise InputError("alignments of several language pairs ("
                         + ", ".join(sorted(f"{s}-{t}" for s, t in pairs)) + "): write one file per language pair")
    return Bitext(first.src.lang, first.tgt.lang, units_from_alignments(alignments, one_sided, split_even),
                  segtype, extra={"documents": f"{first.src.path} and {first.tgt.path}"})


def langs_from_name(path: str | Path) -> tuple[str, str] | None:
    """``x.sv-en.tsv`` -> ("sv", "en"): the language pair our own file names carry."""
    stem = Path(path).name
    for _ in range(2):
        stem = stem.rsplit(".", 1)[0] if "." in stem else stem
        m = _LANGS_IN_NAME.search(stem)
        if m:
            return m.group(1).replace("_", "-"), m.group(2).replace("_", "-")
    return None


def need_langs(path: str | Path, src_lang: str | None, tgt_lang: str | None, fmt: str) -> tuple[str, str]:
    """Languages for a format that does not carry them: given, or read from the file name."""
    if src_lang and tgt_lang:
        return src_lang, tgt_lang
    found = langs_from_name(path)
    if found:
        return src_lang or found[0], tgt_lang or found[1]
    raise InputError(f"{path}: {fmt} files do not say their languages; give --src-lang and --tgt-lang "
                     "(or name the file like x.sv-en.tsv)")


def parse_score(value, where: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: score {value!r} is not a number") from None
    if score != score:  # NaN
        raise InputError(f"{where}: score is not a number")
    return score

"""Sentence pairs from real translations for ``eval.tmcheck``, and the corrupted memories built from them.

Sources (nothing here was written by us):

- Text+Berg de-fr (``eval/data/textberg``): the gold 1-1 links of seven articles, in document order;
- MAC-Dev zh-en (``eval/data/tmcheck/macdev.zh-en.tsv``, GPL-3.0, LICENSE beside it): the gold 1-1
  links of six novel chapters, in document order;
- PostgreSQL 15's message catalogues (``eval/data/tmcheck/postgres.en-XX.tsv``, PostgreSQL licence):
  server messages of five or more words with their translations by the PostgreSQL translation teams
  (sv, de, es, ru, ja). A catalogue has no document order, so its "documents" are seeded shuffles:
  a shifted pair there is an unrelated message of the same software.

``python -m eval.tmcheck_data`` rebuilds the TSV files from ``/work/shared/mac-dev`` and the installed
``postgresql-15`` package; the benchmark only reads the TSVs.
"""

from __future__ import annotations

import csv
import gettext
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from align.scoring import read_links

HERE = Path(__file__).resolve().parent / "data"
TEXTBERG = HERE / "textberg"
DATA = HERE / "tmcheck"
MACDEV = Path("/work/shared/mac-dev")
PG_LANGS = ("sv", "de", "es", "ru", "ja")
PG_PER_LANG = 400
DOC_SIZE = 50  # pairs per shuffled "document" of the catalogues


@dataclass
class Pair:
    """One true 1-1 translation pair and the document (and position) it comes from."""

    doc: str
    src: str
    tgt: str


def _lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.strip() for line in lines]


def gold_pairs(root: Path, src_dir: str, tgt_dir: str) -> list[Pair]:
    """The gold 1-1 links of a Text+Berg-style test set, document by document, in order."""
    out = []
    for gold in sorted((root / "gold").iterdir()):
        src, tgt = _lines(root / src_dir / gold.name), _lines(root / tgt_dir / gold.name)
        for s, t in read_links(gold):
            if len(s) == len(t) == 1 and src[s[0]] and tgt[t[0]]:
                out.append(Pair(gold.name, src[s[0]], tgt[t[0]]))
    return out


_PLACEHOLDER_ONLY = re.compile(r"^[\W\d_%sdluxX]*$")


def postgres_pairs(lang: str, n: int = PG_PER_LANG, seed: int = 0) -> list[Pair]:
    """A seeded sample of the server's message catalogue for one language (English source)."""
    path = Path(f"/usr/share/locale/{lang}/LC_MESSAGES/postgres-15.mo")
    with path.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    rows = sorted((k, v) for k, v in catalog.items()
                  if isinstance(k, str) and isinstance(v, str) and v and k != v and len(k.split()) >= 5
                  and "\n" not in k and not _PLACEHOLDER_ONLY.match(k))
    random.Random(seed).shuffle(rows)
    return [Pair(f"pg{k // DOC_SIZE:03d}", s, t) for k, (s, t) in enumerate(rows[:n])]


def write_pairs(path: Path, pairs: list[Pair]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        for p in pairs:
            w.writerow([p.doc, p.src, p.tgt])


def read_pairs(path: Path) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [Pair(*row) for row in csv.reader(fh, delimiter="\t")]


def language_pairs() -> dict[str, list[Pair]]:
    """Every language pair of the benchmark, by name (``de-fr`` first: the thresholds are chosen on it)."""
    out = {"de-fr": gold_pairs(TEXTBERG, "de", "fr"), "zh-en": read_pairs(DATA / "macdev.zh-en.tsv")}
    for lang in PG_LANGS:
        out[f"en-{lang}"] = read_pairs(DATA / f"postgres.en-{lang}.tsv")
    return out


def build() -> None:
    """Write the TSV files from their sources (MAC-Dev keeps its licence beside the copy)."""
    write_pairs(DATA / "macdev.zh-en.tsv", gold_pairs(MACDEV, "zh", "en"))
    shutil.copy(MACDEV / "LICENSE", DATA / "LICENSE.mac-dev")
    for lang in PG_LANGS:
        write_pairs(DATA / f"postgres.en-{lang}.tsv", postgres_pairs(lang))


if __name__ == "__main__":
    build()
    for name, pairs in language_pairs().items():
        print(f"{name}: {len(pairs)} pairs in {len({p.doc for p in pairs})} documents")

"""Corpus mode: find which files translate which in a folder, align them all, write everything.

Pairing is by content, never by file name: every document (a bilingual file
gives two) is embedded sentence by sentence; a cross-language candidate pair
must stand out against the folder and have mutual best-matching sentences
(see ``pair_documents``); plausible ones are aligned with a fast first pass,
and their score is the share of both texts covered by confident links. A
one-to-one assignment (best score first) keeps pairs scoring above
``MIN_PAIR_SCORE``; the rest are reported as having no translation in the
folder, with their closest candidate.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import langid
from .aligners import EmbeddingAligner, EmbeddingParams
from .documents import Document
from .errors import InputError
from .export import write_pairs
from .export.atomic import write_text
from .export.report import render_html, write_divergences_json
from .export.tmx import write_tmx
from .pipeline import PairResult, align_documents, load, resegment, run_pair
from .segment import SENTENCES, Segmentation

SUFFIXES = (".txt", ".md")
MIN_PAIR_SCORE = 0.35  # share of both texts in confident links
MIN_MARGIN = 0.02  # how much a pair must stand out against other candidates (cosine units)
MIN_MUTUAL = 0.5  # share of sentences that are each other's best match
CONFIDENT = 0.5


@dataclass
class Candidate:
    src: Document
    tgt: Document
    score: float
    margin: float = 0.0


@dataclass
class CorpusResult:
    results: list[PairResult]
    unpaired: list[dict]
    skipped: list[dict]
    seconds: float
    summary: dict = field(default_factory=dict)


def discover(folder: Path) -> list[Path]:
    """Text files under ``folder`` (recursively), in a stable order; hidden files are ignored."""
    if not folder.exists():
        raise InputError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix.lower() in SUFFIXES
             and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    if not files:
        raise InputError(f"{folder}: no .txt or .md files found")
    return files


def coverage(aligner: EmbeddingAligner, a: Document, b: Document) -> float:
    """Share of the characters of both documents that sit in confident links."""
    al = align_documents(a, b, aligner)
    covered = total = 0
    for link in al.links:
        size = sum(len(a.sentences[i].text) for i in link.src) + sum(len(b.sentences[j].text) for j in link.tgt)
        total += size
        if link.src and link.tgt and link.score >= CONFIDENT:
            covered += size
    return covered / total if total else 0.0


def orient(a: Document, b: Document) -> tuple[Document, Document]:
    """Source first: the earlier part of a bilingual file, else the non-English side."""
    if a.path == b.path:
        return (a, b) if (a.span or (0, 0))[0] <= (b.span or (0, 0))[0] else (b, a)
    if b.lang == "en" and a.lang != "en":
        return a, b
    if a.lang == "en" and b.lang != "en":
        return b, a
    return (a, b) if (a.lang, a.name) <= (b.lang, b.name) else (b, a)


@dataclass
class DocMatch:
    """Cheap evidence that two documents translate each other, from their sentence vectors."""

    similarity: float  # mean best-match cosine, both directions
    mutual: float  # share of sentences whose best match picks them back


def match_table(docs: list[Document], encoder) -> dict[tuple[int, int], DocMatch]:
    """Evidence for every cross-language document pair (x < y)."""
    vecs = [encoder.encode([s.text for s in d.sentences]) if d.sentences else None for d in docs]
    table = {}
    for x in range(len(docs)):
        for y in range(x + 1, len(docs)):
            if vecs[x] is None or vecs[y] is None or langid.same_group(docs[x].lang, docs[y].lang):
                continue
            sims = vecs[x] @ vecs[y].T
            best_y, best_x = sims.argmax(axis=1), sims.argmax(axis=0)
            mutual_x = (best_x[best_y] == range(len(best_y))).mean()
            mutual_y = (best_y[best_x] == range(len(best_x))).mean()
            table[(x, y)] = DocMatch(float(0.5 * (sims.max(axis=1).mean() + sims.max(axis=0).mean())),
                                     float(0.5 * (mutual_x + mutual_y)))
    return table


def document_margins(table: dict[tuple[int, int], DocMatch], n: int, k: int = 3) -> dict[tuple[int, int], float | None]:
    """How much better a pair matches than each document's other candidates (bitext-mining margin).

    Small encoders rate any two texts on one topic as rather similar, so the
    absolute similarity says little; a translation stands out against the
    other documents of the folder. None where neither document has another
    candidate to compare with.
    """
    others: dict[int, list[float]] = {i: [] for i in range(n)}
    for (x, y), m in table.items():
        others[x].append(m.similarity)
        others[y].append(m.similarity)
    out: dict[tuple[int, int], float | None] = {}
    for (x, y), m in table.items():
        bg = []
        for me in (x, y):
            rest = sorted(others[me], reverse=True)
            rest.remove(m.similarity)
            if rest:
                bg.append(sum(rest[:k]) / len(rest[:k]))
        out[(x, y)] = m.similarity - sum(bg) / len(bg) if bg else None
    return out


def pair_documents(docs: list[Document], encoder) -> tuple[list[Candidate], list[dict]]:
    """One-to-one pairs of translations among ``docs``, and the documents left without one.

    A candidate must stand out against the folder (``document_margins``),
    most of its sentences must pick each other as best matches (translations
    do; two texts on one topic do not), and then most of both texts must be
    covered by confident links.
    """
    table = match_table(docs, encoder)
    margins = document_margins(table, len(docs))
    quick = EmbeddingAligner(encoder, EmbeddingParams(exact_overlaps=False))
    cands = []
    for (x, y), margin in margins.items():
        src, tgt = orient(docs[x], docs[y])
        plausible = table[(x, y)].mutual >= MIN_MUTUAL and (margin is None or margin >= MIN_MARGIN)
        score = coverage(quick, src, tgt) if plausible else 0.0
        cands.append(Candidate(src, tgt, score, margin or 0.0))
    cands.sort(key=lambda c: (-c.score, -c.margin))
    used: set[int] = set()
    chosen = []
    for c in cands:
        if c.score < MIN_PAIR_SCORE or id(c.src) in used or id(c.tgt) in used:
            continue
        used |= {id(c.src), id(c.tgt)}
        chosen.append(c)
    unpaired = []
    for d in docs:
        if id(d) in used:
            continue
        best = max((c for c in cands if d in (c.src, c.tgt)), key=lambda c: c.margin, default=None)
        other = (best.tgt if best.src is d else best.src) if best else None
        unpaired.append({"document": d.name, "file": d.path, "lang": d.lang,
                         "best": other.name if other else None,
                         "score": round(best.score, 3) if best else 0.0,
                         "margin": round(best.margin, 3) if best else 0.0})
    return chosen, unpaired


_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)


MAX_STEM_BYTES = 180  # leaves room for ".divergences.json" under the usual 255-byte limit


def output_stem(src: Document, tgt: Document, taken: set[str] | None = None) -> str:
    """A file-name stem for a pair that cannot escape the output folder, is not too long for the
    file system, and (given the stems already ``taken``) does not overwrite another pair's files."""
    a = Path(src.path).stem
    b = Path(tgt.path).stem
    base = a if a == b else f"{a}__{b}"
    base = _UNSAFE.sub("_", base).strip("._") or "pair"
    langs = f".{src.lang}-{tgt.lang}"
    if len((base + langs).encode("utf-8")) > MAX_STEM_BYTES:
        digest = hashlib.sha1(base.encode("utf-8")).hexdigest()[:8]
        room = MAX_STEM_BYTES - len(langs) - 9
        base = base.encode("utf-8")[:room].decode("utf-8", "ignore") + "_" + digest
    stem, k = base + langs, 2
    while taken is not None and stem in taken:
        stem, k = f"{base}-{k}{langs}", k + 1
    if taken is not None:
        taken.add(stem)
    return stem


def write_merged(results: list[PairResult], out: Path, segtype: str = "sentence",
                 split_even: bool = False) -> dict[str, dict]:
    """One TMX per language pair with the units of every pair in those languages (in pair order)."""
    groups: dict[str, list[PairResult]] = {}
    for r in results:
        groups.setdefault(f"{r.alignment.src.lang}-{r.alignment.tgt.lang}", []).append(r)
    taken = {Path(p).name for r in results for p in r.outputs.values()}
    merged = {}
    for langs, rs in groups.items():
        name = f"merged.{langs}.tmx"
        while name in taken:  # a document called "merged": never overwrite its own TMX
            name = "_" + name
        path = out / name
        n = write_tmx([r.alignment for r in rs], path, segtype=segtype, split_even=split_even)
        merged[langs] = {"tmx": str(path), "pairs": len(rs), "units": n}
    return merged


def run_corpus(folder: str | Path, out: str | Path, encoder, aligner,
               progress: Callable[[str, int, int], None] | None = None,
               seg: Segmentation = SENTENCES) -> CorpusResult:
    """Read, pair, align and check everything in ``folder``; write TMX, TSV, JSON and one HTML report.

    Besides one TMX per pair, one merged TMX per language pair (``merged.sv-en.tmx``)
    holds the units of all the pairs in those languages. ``seg`` says how documents
    are segmented; its ``srx_lang`` applies to the source side of each pair.
    """
    t0 = time.perf_counter()
    folder, out = Path(folder), Path(out)
    files = discover(folder)
    docs: list[Document] = []
    skipped = []
    for k, path in enumerate(files):
        if progress:
            progress("reading", k, len(files))
        try:
            docs.extend(load(path, seg=seg.with_lang(None)))
        except InputError as err:
            skipped.append({"file": str(path), "error": str(err)})
    if progress:
        progress("pairing", 0, 1)
    pairs, unpaired = pair_documents(docs, encoder)
    results = []
    stems: set[str] = set()
    for k, cand in enumerate(pairs):
        if progress:
            progress("aligning", k, len(pairs))
        src_doc = resegment(cand.src, seg) if seg.srx_lang else cand.src
        res = run_pair(src_doc, cand.tgt, aligner)
        stem = output_stem(cand.src, cand.tgt, stems)
        paths = {"tmx": out / f"{stem}.tmx", "tsv": out / f"{stem}.tsv",
                 "divergences": out / f"{stem}.divergences.json"}
        cat = seg.srx is not None  # one unit per CAT segment where a bead allows it
        write_pairs(res.alignment, paths["tmx"], "tmx", segtype=seg.segtype, split_even=cat)
        write_pairs(res.alignment, paths["tsv"], "tsv", segtype=seg.segtype, split_even=cat)
        write_divergences_json(res.alignment, res.divergences, paths["divergences"])
        res.outputs = {k2: str(v) for k2, v in paths.items()}
        res.pair_score = cand.score
        results.append(res)
    merged = write_merged(results, out, seg.segtype, split_even=seg.srx is not None)
    report = out / "report.html"
    write_text(report, render_html(results, unpaired, title=f"Alignment report: {folder}"))
    seconds = time.perf_counter() - t0
    summary = {
        "folder": str(folder),
        "pairs": [{
            "source": r.alignment.src.name, "target": r.alignment.tgt.name,
            "languages": f"{r.alignment.src.lang}-{r.alignment.tgt.lang}",
            "sentences": [len(r.alignment.src.sentences), len(r.alignment.tgt.sentences)],
            "links": sum(1 for l in r.alignment.links if l.src and l.tgt),
            "divergences": len(r.divergences), "pair_score": round(r.pair_score or 0.0, 3),
            "seconds": round(r.seconds, 2), "outputs": r.outputs,
        } for r in results],
        "documents": [{
            "document": d.name, "file": d.path, "lang": d.lang, "sentences": len(d.sentences),
            "other_languages": {f"paragraph {k + 1}": lang for k, lang in enumerate(d.paragraph_langs)
                                if lang != d.lang},
        } for d in docs],
        "merged": merged,
        "unpaired": unpaired,
        "skipped": skipped,
        "report": str(report),
        "encoder": getattr(encoder, "name", ""),
        "embedded": {"strings": stats.embedded, "requested": stats.requested, "seconds": round(stats.seconds, 2)}
        if (stats := getattr(encoder, "stats", None)) else {},
        "seconds": round(seconds, 2),
    }
    write_text(out / "summary.json", json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    return CorpusResult(results, unpaired, skipped, seconds, summary)

"""Corpus mode: find which files translate which in a folder, align them all, write everything.

Pairing is by content, never required by file name. Every document (a
bilingual file gives two) is embedded sentence by sentence, once. Candidates
are found cheaply: the mean sentence vector of each document (centred per
language, so that hubs and documents built from shared parts do not crowd
out the true partner), a length prior and the numbers and names two
documents share rank every document of another language, and only each
document's ``TOP_K`` best (plus any pair whose names differ only by a
language code) go on. Those get the detailed evidence: a candidate must
stand out against its other candidates (near-copies of the partner are not
held against it) and have mutual best-matching sentences (see
``pair_documents``); plausible ones are aligned
with a fast first pass, and their score is the share of both texts covered by
confident links. A one-to-one assignment (best score first) keeps pairs
scoring above ``MIN_PAIR_SCORE``; the rest are reported as having no
translation in the folder, with their closest candidate.

A manifest (``corpora/seeds.toml``) can fix pairs and languages instead.
Running the pairs (in parallel, resumable, on Dask) is ``align.batch``'s job.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import langid
from .aligners import EmbeddingAligner, EmbeddingParams
from .batch import (BatchOptions, LoadTask, PairTask, ScoreTask, Timer, ToolSpec, coverage_of, describe_error,
                    document_key, load_task, make_runner, pair_key, process_id, read_documents, read_scores,
                    read_state, register_encoder, result_from_record, run_pair_task, score_key, score_task,
                    write_documents, write_scores)
from .documents import Alignment, Document
from .errors import InputError
from .export.atomic import write_text
from .export.report import render_html
from .export.tmx import write_tmx
from .pipeline import PairResult, resegment
from .segment import SENTENCES, Segmentation

try:  # the reader of every input format (another module's job); plain text until it is there
    from .readers import SUFFIXES
except ImportError:  # pragma: no cover - depends on what is installed alongside
    SUFFIXES = (".txt", ".md")
MIN_PAIR_SCORE = 0.35  # share of both texts in confident links
MIN_MARGIN = 0.02  # how much a pair must stand out against other candidates (cosine units)
MIN_MUTUAL = 0.5  # share of sentences that are each other's best match
CONFIDENT = 0.5
TOP_K = 8  # candidates per document that get the detailed evidence
SHORTLIST = 32  # candidates per document re-ranked with shared numbers and names
LENGTH_WEIGHT = 0.1  # cost per unit of |log(length ratio)| in the cheap ranking
TOKEN_WEIGHT = 0.1  # bonus for the share of numbers and names two documents have in common


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
    failed: list[dict] = field(default_factory=list)


def discover(folder: Path, exclude: Path | None = None) -> list[Path]:
    """Readable files under ``folder`` (recursively), in a stable order; hidden files, and anything
    under ``exclude`` (the output folder, when it sits inside), are ignored."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    suffixes = tuple(s.lower() for s in SUFFIXES)
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix.lower() in suffixes
             and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    if exclude is not None and Path(exclude).resolve().is_relative_to(folder.resolve()):
        skip = Path(exclude).resolve()
        files = [p for p in files if not p.resolve().is_relative_to(skip)]
    if not files:
        raise InputError(f"{folder}: no {', '.join(suffixes)} files found")
    return files


def coverage(aligner: EmbeddingAligner, a: Document, b: Document) -> float:
    """Share of the characters of both documents that sit in confident links."""
    return coverage_of(aligner, a, b)


def orient(a: Document, b: Document) -> tuple[Document, Document]:
    """Source first: the earlier part of a bilingual file, else the non-English side."""
    if a.path == b.path:
        return (a, b) if (a.span or (0, 0))[0] <= (b.span or (0, 0))[0] else (b, a)
    if b.lang == "en" and a.lang != "en":
        return a, b
    if a.lang == "en" and b.lang != "en":
        return b, a
    return (a, b) if (a.lang, a.name) <= (b.lang, b.name) else (b, a)


# -- sentence vectors, once per folder ----------------------------------------------------------

@dataclass
class SentenceVectors:
    """Every distinct sentence of the folder and its vector (one row per text, shared by documents)."""

    index: dict[str, int]
    matrix: np.ndarray

    def of(self, doc: Document) -> np.ndarray:
        return self.matrix[[self.index[s.text] for s in doc.sentences]]

    def for_texts(self, texts) -> dict[str, np.ndarray]:
        return {t: self.matrix[self.index[t]] for t in texts if t in self.index}


def sentence_vectors(docs: list[Document], encoder, progress: Callable[[str, int, int], None] | None = None,
                     batch: int = 4096) -> SentenceVectors:
    """Embed each distinct sentence of ``docs`` once, in large batches (the model sorts them by length)."""
    index: dict[str, int] = {}
    for d in docs:
        for s in d.sentences:
            index.setdefault(s.text, len(index))
    texts = list(index)
    parts = []
    for start in range(0, len(texts), batch):
        if progress:
            progress("embedding", start, len(texts))
        parts.append(np.asarray(encoder.encode(texts[start:start + batch]), dtype=np.float32))
    if progress:
        progress("embedding", len(texts), len(texts))
    dim = parts[0].shape[1] if parts else 0
    return SentenceVectors(index, np.concatenate(parts) if parts else np.zeros((0, dim), np.float32))


# -- cheap candidates ----------------------------------------------------------------------------

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|\b[^\W\d_][^\W_]{3,}\b")
_LANG_TAG = re.compile(r"[._-]([a-z]{2,3})(?:[-_][a-z]{2})?$")
_CODES = set(langid.DEFAULT_LANGUAGES) | {"no", "nn", "gb", "us"}


def _anchors(doc: Document) -> set[str]:
    """Numbers and capitalised words past a sentence's start: what translations keep as they are."""
    out: set[str] = set()
    for s in doc.sentences:
        for k, m in enumerate(_TOKEN.finditer(s.text)):
            w = m.group()
            if w[0].isdigit():
                out.add(re.sub(r"[.,:]", "", w))
            elif k and w[0].isupper():
                out.add(w.casefold())
    return out


def name_key(doc: Document) -> str:
    """The file name without extension and language tags (``foo.sv.txt`` and ``foo_en.txt`` give ``foo``)."""
    stem = Path(doc.path).stem.lower()
    while (m := _LANG_TAG.search(stem)) and m.group(1) in _CODES and m.start() > 0:
        stem = stem[:m.start()]
    return stem


def document_means(docs: list[Document], vectors: SentenceVectors) -> np.ndarray:
    """One unit vector per document for the cheap ranking: its mean sentence vector, centred per language.

    Raw mean vectors of one folder all lean towards the folder's topic and
    their language, so a document that covers much of the topic (a hub) looks
    close to everything, and documents built from shared parts look alike. Taking
    away each language's mean document leaves what sets a document apart,
    which its translation shares. With few documents a language's mean is
    mostly those documents themselves, so it is blended with the folder's
    topic (the mean of the language means) by n/(n+1) for n documents: a
    language with a single document loses only the topic, never itself.
    """
    means = np.stack([vectors.of(d).mean(axis=0) for d in docs]).astype(np.float64)
    means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
    langs = np.array([d.lang for d in docs])
    by_lang = {lang: langs == lang for lang in sorted(set(langs.tolist()))}
    lang_mean = {lang: means[rows].mean(axis=0) for lang, rows in by_lang.items()}
    topic = np.mean(list(lang_mean.values()), axis=0)
    out = means.copy()
    for lang, rows in by_lang.items():
        w = rows.sum() / (rows.sum() + 1)
        out[rows] -= w * lang_mean[lang] + (1 - w) * topic
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out


def candidate_pairs(docs: list[Document], vectors: SentenceVectors, k: int = TOP_K) -> list[tuple[int, int]]:
    """Cross-language document pairs (x < y) worth the detailed evidence: each document's ``k`` best.

    The ranking is cheap and needs nothing but the sentence vectors already
    computed: cosine of the centred mean vectors (``document_means``), minus a cost for unlike lengths,
    plus a bonus for shared numbers and names (on a short list only). The two
    parts of one bilingual file, and files named alike but for a language
    code, are always candidates.
    """
    n = len(docs)
    live = [x for x in range(n) if docs[x].sentences]
    if len(live) < 2:
        return []
    means = document_means([docs[x] for x in live], vectors)
    loglen = np.log1p([sum(len(s.text) for s in docs[x].sentences) for x in live])
    langs = [docs[x].lang for x in live]
    groups = {lang: {m for m in set(langs) if langid.same_group(lang, m)} for lang in set(langs)}
    lang_ids = {lang: i for i, lang in enumerate(sorted(set(langs)))}
    lang_of = np.array([lang_ids[lang] for lang in langs])
    same = np.zeros((len(lang_ids), len(lang_ids)), dtype=bool)
    for a, members in groups.items():
        for b in members:
            same[lang_ids[a], lang_ids[b]] = True
    anchors: dict[int, set[str]] = {}

    def anchors_of(i: int) -> set[str]:
        if i not in anchors:
            anchors[i] = _anchors(docs[live[i]])
        return anchors[i]

    chosen: set[tuple[int, int]] = set()
    short = max(SHORTLIST, k)
    for start in range(0, len(live), 512):
        rows = slice(start, start + 512)
        cheap = means[rows] @ means.T - LENGTH_WEIGHT * np.abs(loglen[rows, None] - loglen[None, :])
        cheap[same[lang_of[rows]][:, lang_of]] = -np.inf
        for r, row in enumerate(cheap):
            a = start + r
            top = np.argsort(-row, kind="stable")[:short]
            top = [b for b in top.tolist() if np.isfinite(row[b])]
            if not top:
                continue
            sa = anchors_of(a)
            scored = []
            for b in top:
                sb = anchors_of(b)
                shared = len(sa & sb) / len(sa | sb) if sa or sb else 0.0
                scored.append((row[b] + TOKEN_WEIGHT * shared, b))
            scored.sort(key=lambda t: -t[0])
            for _, b in scored[:k]:
                chosen.add((min(live[a], live[b]), max(live[a], live[b])))
    by_key: dict[str, list[int]] = {}
    for x in live:
        by_key.setdefault(docs[x].path, []).append(x)
        key = name_key(docs[x])
        if key != Path(docs[x].path).stem.lower():  # the name carried a language tag
            by_key.setdefault("name:" + key, []).append(x)
    for members in by_key.values():
        for i, x in enumerate(members):
            for y in members[i + 1:]:
                if not langid.same_group(docs[x].lang, docs[y].lang):
                    chosen.add((min(x, y), max(x, y)))
    return sorted(chosen)


# -- detailed evidence and the one-to-one assignment ---------------------------------------------

@dataclass
class DocMatch:
    """Cheap evidence that two documents translate each other, from their sentence vectors."""

    similarity: float  # mean best-match cosine, both directions
    mutual: float  # share of sentences whose best match picks them back


def match_table(docs: list[Document], encoder, pairs: list[tuple[int, int]] | None = None,
                vectors: SentenceVectors | None = None) -> dict[tuple[int, int], DocMatch]:
    """Evidence for the given cross-language document pairs (x < y); every such pair by default."""
    vectors = vectors or sentence_vectors(docs, encoder)
    if pairs is None:
        pairs = [(x, y) for x in range(len(docs)) for y in range(x + 1, len(docs))]
    cache: dict[int, np.ndarray] = {}

    def vec(i: int) -> np.ndarray:
        if i not in cache:
            cache[i] = vectors.of(docs[i])
        return cache[i]

    table = {}
    for x, y in pairs:
        if not docs[x].sentences or not docs[y].sentences or langid.same_group(docs[x].lang, docs[y].lang):
            continue
        sims = vec(x) @ vec(y).T
        best_y, best_x = sims.argmax(axis=1), sims.argmax(axis=0)
        mutual_x = (best_x[best_y] == range(len(best_y))).mean()
        mutual_y = (best_y[best_x] == range(len(best_x))).mean()
        table[(x, y)] = DocMatch(_similarity(sims), float(0.5 * (mutual_x + mutual_y)))
    return table


def _similarity(sims: np.ndarray) -> float:
    """Mean best-match cosine, both directions, of a sentence similarity matrix."""
    return float(0.5 * (sims.max(axis=1).mean() + sims.max(axis=0).mean()))


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


def copy_aware_margins(table: dict[tuple[int, int], DocMatch], margins: dict[tuple[int, int], float | None],
                       docs: list[Document], vectors: SentenceVectors,
                       k: int = 3) -> dict[tuple[int, int], float | None]:
    """The margins again, without crediting a competitor for text it shares with the partner.

    A folder can hold near-copies: revisions of one document, or documents
    assembled from shared parts. When z repeats much of y, y's translation x
    is rightly similar to z too, and the pair x-y loses its margin although
    nothing speaks against it. So, for the pair x-y, each other candidate z of
    x is judged only on the sentences it does not share (by exact text) with
    y, and is left out when it has none; likewise for y's candidates against
    x. Documents that share no sentence with the partner keep their
    similarity, so unrelated texts on one topic gain nothing. Only pairs that
    fail ``MIN_MARGIN`` while most of their sentences match mutually are
    recomputed (the others' outcome cannot change); their margin can only be
    the plain one or this one.
    """
    neighbours: dict[int, list[tuple[int, float]]] = {}
    for (x, y), m in table.items():
        neighbours.setdefault(x, []).append((y, m.similarity))
        neighbours.setdefault(y, []).append((x, m.similarity))
    rows: dict[int, np.ndarray] = {}  # a document's sentences as rows of the vector matrix (one per text)

    def rows_of(i: int) -> np.ndarray:
        if i not in rows:
            rows[i] = np.array([vectors.index[s.text] for s in docs[i].sentences], dtype=np.int64)
        return rows[i]

    out = dict(margins)
    for (x, y), m in table.items():
        margin = margins.get((x, y))
        if margin is None or margin >= MIN_MARGIN or m.mutual < MIN_MUTUAL:
            continue
        bg = []
        for me, partner in ((x, y), (y, x)):
            mine = vectors.matrix[rows_of(me)]
            sims = []
            for z, sim in neighbours[me]:
                if z == partner:
                    continue
                keep = rows_of(z)[~np.isin(rows_of(z), rows_of(partner))]
                if not len(keep):
                    continue  # all of it is the partner's text
                if len(keep) < len(rows_of(z)):
                    sim = _similarity(mine @ vectors.matrix[keep].T)
                sims.append(sim)
            sims.sort(reverse=True)
            if sims:
                bg.append(sum(sims[:k]) / len(sims[:k]))
        out[(x, y)] = m.similarity - sum(bg) / len(bg) if bg else None
    return out


Scorer = Callable[[list[tuple[Document, Document]]], list[float]]


def pair_documents(docs: list[Document], encoder, vectors: SentenceVectors | None = None,
                   scorer: Scorer | None = None, k: int = TOP_K) -> tuple[list[Candidate], list[dict]]:
    """One-to-one pairs of translations among ``docs``, and the documents left without one.

    Only ``candidate_pairs`` are looked at. A candidate must stand out against
    the folder (``document_margins``, then ``copy_aware_margins`` where that
    fails), most of its sentences must pick each
    other as best matches (translations do; two texts on one topic do not),
    and then most of both texts must be covered by confident links (computed
    by ``scorer`` for all plausible candidates at once, so it can run them in
    parallel; by default here, one after the other).
    """
    vectors = vectors or sentence_vectors(docs, encoder)
    table = match_table(docs, encoder, candidate_pairs(docs, vectors, k), vectors)
    margins = copy_aware_margins(table, document_margins(table, len(docs)), docs, vectors)
    plausible = {xy for xy, margin in margins.items()
                 if table[xy].mutual >= MIN_MUTUAL and (margin is None or margin >= MIN_MARGIN)}
    oriented = {xy: orient(docs[xy[0]], docs[xy[1]]) for xy in margins}
    todo = [xy for xy in margins if xy in plausible]
    if scorer is None:
        quick = EmbeddingAligner(encoder, EmbeddingParams(exact_overlaps=False))
        scores = [coverage(quick, *oriented[xy]) for xy in todo]
    else:
        scores = scorer([oriented[xy] for xy in todo])
    score_of = dict(zip(todo, scores))
    cands = [Candidate(*oriented[xy], score_of.get(xy, 0.0), margin or 0.0) for xy, margin in margins.items()]
    cands.sort(key=lambda c: (-c.score, -c.margin))
    used: set[int] = set()
    chosen = []
    for c in cands:
        if c.score < MIN_PAIR_SCORE or id(c.src) in used or id(c.tgt) in used:
            continue
        used |= {id(c.src), id(c.tgt)}
        chosen.append(c)
    return chosen, unpaired_entries(docs, used, cands)


def unpaired_entries(docs: list[Document], used: set[int], cands: list[Candidate]) -> list[dict]:
    """The documents without a partner, each with its closest candidate (highest margin) and score."""
    best_of: dict[int, Candidate] = {}
    for c in cands:
        for d in (c.src, c.tgt):
            if id(d) not in best_of or c.margin > best_of[id(d)].margin:
                best_of[id(d)] = c
    unpaired = []
    for d in docs:
        if id(d) in used:
            continue
        best = best_of.get(id(d))
        other = (best.tgt if best.src is d else best.src) if best else None
        unpaired.append({"document": d.name, "file": d.path, "lang": d.lang,
                         "best": other.name if other else None,
                         "score": round(best.score, 3) if best else 0.0,
                         "margin": round(best.margin, 3) if best else 0.0})
    return unpaired


# -- manifests -----------------------------------------------------------------------------------

@dataclass
class ManifestPair:
    """A pair fixed by hand: two files, or the two language parts of one bilingual ``file``."""

    source: Path
    target: Path | None
    source_lang: str | None = None
    target_lang: str | None = None


@dataclass
class Manifest:
    path: Path
    folder: Path | None = None  # other files found here are paired by content
    pairs: list[ManifestPair] = field(default_factory=list)
    languages: dict[Path, str] = field(default_factory=dict)  # file -> language (the whole file)
    options: dict = field(default_factory=dict)


MANIFEST_OPTIONS = {"segtype", "srx", "srx_lang", "method", "model"}


def read_manifest(path: str | Path) -> Manifest:
    """Read a TOML manifest; paths in it are relative to the manifest's folder."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such manifest") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the manifest ({err})") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path}: malformed TOML ({err})") from None
    base = path.parent

    def file(value, where: str) -> Path:
        if not isinstance(value, str) or not value:
            raise InputError(f"{path}: {where} must be a file name")
        p = (base / value) if not Path(value).is_absolute() else Path(value)
        if not p.is_file():
            raise InputError(f"{path}: {where} {value!r}: no such file")
        return p

    def lang(value, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not re.fullmatch(r"[a-z]{2,3}", value):
            raise InputError(f"{path}: {where} must be a language code such as sv or en")
        return value

    unknown = set(data) - {"folder", "pair", "languages", "options"}
    if unknown:
        raise InputError(f"{path}: unknown key {sorted(unknown)[0]!r} (use folder, pair, languages, options)")
    man = Manifest(path)
    if "folder" in data:
        folder = base / str(data["folder"])
        if not folder.is_dir():
            raise InputError(f"{path}: folder {data['folder']!r}: no such folder")
        man.folder = folder
    for k, entry in enumerate(data.get("pair", []), 1):
        where = f"pair {k}"
        if not isinstance(entry, dict) or not ({"file"} <= set(entry) or {"source", "target"} <= set(entry)):
            raise InputError(f"{path}: {where} needs source and target, or file (a bilingual file)")
        extra = set(entry) - {"file", "source", "target", "source_lang", "target_lang"}
        if extra:
            raise InputError(f"{path}: {where}: unknown key {sorted(extra)[0]!r}")
        if "file" in entry:
            man.pairs.append(ManifestPair(file(entry["file"], where), None, lang(entry.get("source_lang"), where),
                                          lang(entry.get("target_lang"), where)))
        else:
            man.pairs.append(ManifestPair(file(entry["source"], where), file(entry["target"], where),
                                          lang(entry.get("source_lang"), where), lang(entry.get("target_lang"), where)))
    for name, code in (data.get("languages") or {}).items():
        man.languages[file(name, "languages")] = lang(code, f"languages.{name}")
    opts = data.get("options") or {}
    bad = set(opts) - MANIFEST_OPTIONS
    if bad:
        raise InputError(f"{path}: unknown option {sorted(bad)[0]!r} (use {', '.join(sorted(MANIFEST_OPTIONS))})")
    man.options = {k: (str(base / v) if k == "srx" else v) for k, v in opts.items()}
    if not man.pairs and man.folder is None:
        raise InputError(f"{path}: the manifest names no pair and no folder")
    return man


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


def _load_all(tasks: list[LoadTask], runner, progress, out: Path) -> tuple[dict[str, list[Document]], list[dict]]:
    """Read every file (in parallel, or from the output folder's record of an unchanged file); a file
    that cannot be read is listed, never fatal."""
    loaded: dict[str, list[Document]] = {}
    skipped = []
    keys = {t.path: document_key(t) for t in tasks}
    for t in tasks:
        docs = read_documents(out, keys[t.path]) if keys[t.path] else None
        if docs is not None:
            loaded[t.path] = docs
    todo = [t for t in tasks if t.path not in loaded]
    done = len(tasks) - len(todo)
    if progress:
        progress("reading", done, len(tasks))
    for k, docs, error in runner.imap(load_task, todo):
        path = todo[k].path
        if error is None:
            loaded[path] = docs
            if keys[path] and isinstance(docs, list):
                write_documents(out, keys[path], docs)
        else:
            skipped.append({"file": path, "error": describe_error(error)})
        done += 1
        if progress:
            progress("reading", done, len(tasks))
    skipped.sort(key=lambda s: s["file"])
    return loaded, skipped


def _fixed_pair(pair: ManifestPair, loaded: dict[str, list[Document]]) -> tuple[Document, Document] | None:
    """The two documents of a manifest pair (None when one of its files could not be read)."""
    if pair.target is None:
        parts = loaded.get(str(pair.source))
        if parts is None:
            return None
        if len(parts) < 2:
            raise InputError(f"{pair.source}: found only one language ({parts[0].lang}); it is not bilingual")
        pick = {d.lang: d for d in parts}
        if pair.source_lang and pair.target_lang:
            if pair.source_lang not in pick or pair.target_lang not in pick:
                raise InputError(f"{pair.source}: its parts are {', '.join(pick)}, not "
                                 f"{pair.source_lang} and {pair.target_lang}")
            return pick[pair.source_lang], pick[pair.target_lang]
        return parts[0], parts[1]
    a, b = loaded.get(str(pair.source)), loaded.get(str(pair.target))
    return (a[0], b[0]) if a and b else None


def run_corpus(folder: str | Path | None, out: str | Path, encoder, aligner,
               progress: Callable[[str, int, int], None] | None = None,
               seg: Segmentation = SENTENCES, options: BatchOptions | None = None,
               manifest: Manifest | None = None) -> CorpusResult:
    """Read, pair, align and check everything in ``folder``; write TMX, TSV, JSON and one HTML report.

    Besides one TMX per pair, one merged TMX per language pair (``merged.sv-en.tmx``)
    holds the units of all the pairs in those languages. ``seg`` says how documents
    are segmented; its ``srx_lang`` applies to the source side of each pair.
    ``options`` say where pairs run (see ``align.batch``); pairs whose outputs
    are up to date are reused unless ``options.force``. A ``manifest`` fixes
    pairs and languages (its ``folder``, if any, replaces ``folder``).
    """
    t0 = time.perf_counter()
    timer = Timer()
    stats = getattr(encoder, "stats", None)
    stats0 = (stats.embedded, stats.requested, stats.seconds) if stats else (0, 0, 0.0)  # this run's share
    options = options or BatchOptions()
    out = Path(out)
    spec = ToolSpec(aligner.name, options.model, options.cache,
                    getattr(aligner, "p", None) if aligner.name == "embedding" else None,
                    getattr(encoder, "name", ""), options.engine)
    register_encoder(spec, encoder)
    local = make_runner(options.jobs, inline_below=options.inline_below)
    runner = make_runner(options.jobs, options.scheduler) if options.scheduler else local
    try:
        # 1. which files, read in parallel
        fixed_files: dict[Path, tuple[str | None, bool]] = {}  # file -> (language, split)
        for pair in (manifest.pairs if manifest else []):
            if pair.target is None:
                fixed_files[pair.source] = (None, True)
            else:
                fixed_files[pair.source] = (pair.source_lang, False)
                fixed_files[pair.target] = (pair.target_lang, False)
        source_folder = manifest.folder if manifest else (Path(folder) if folder is not None else None)
        fixed_keys = {p.resolve() for p in fixed_files}
        auto_files = [p for p in discover(source_folder, exclude=out)
                      if p.resolve() not in fixed_keys] if source_folder else []
        langs = manifest.languages if manifest else {}
        lang_of = {p.resolve(): code for p, code in langs.items()}
        tasks = [LoadTask(str(p), lang or lang_of.get(p.resolve()), seg.with_lang(None), split)
                 for p, (lang, split) in fixed_files.items()]
        tasks += [LoadTask(str(p), lang_of.get(p.resolve()), seg.with_lang(None)) for p in auto_files]
        loaded, skipped = _load_all(tasks, local, progress, out)
        timer.lap("reading")
        memories = {path: al for path, al in loaded.items() if isinstance(al, Alignment)}  # .tmx: re-check
        loaded = {path: d for path, d in loaded.items() if path not in memories}
        docs = [d for t in tasks for d in loaded.get(t.path, [])]
        docs += [d for al in memories.values() for d in (al.src, al.tgt)]
        fixed = [fp for fp in (_fixed_pair(p, loaded) for p in (manifest.pairs if manifest else [])) if fp]
        fixed += [(al.src, al.tgt) for al in memories.values()]
        memory_links = {id(al.src): al.links for al in memories.values()}
        fixed_docs = {id(d) for pair in fixed for d in pair}
        auto_docs = [d for t in tasks[len(fixed_files):] for d in loaded.get(t.path, []) if id(d) not in fixed_docs]

        # 2. every sentence embedded once, here, in large batches (a memory's are not needed)
        memory_docs = {id(d) for al in memories.values() for d in (al.src, al.tgt)}
        vectors = sentence_vectors([d for d in docs if id(d) not in memory_docs], encoder, progress)
        timer.lap("embedding")

        # 3. pairing: cheap candidates, then quick alignments of the plausible ones (in parallel)
        failed: list[dict] = []  # pairing checks and pairs that raised: listed, never silent

        def scorer(pairs: list[tuple[Document, Document]]) -> list[float]:
            """Quick alignments of the plausible candidates, remembered in OUT for the next run."""
            known = read_scores(out)
            keys = [score_key(a, b, spec) for a, b in pairs]
            scores = [known.get(key, 0.0) for key in keys]
            todo = [k for k, key in enumerate(keys) if key not in known]
            items = [ScoreTask(a, b, vectors.for_texts(s.text for d in (a, b) for s in d.sentences), spec)
                     for a, b in (pairs[k] for k in todo)]
            done = len(pairs) - len(todo)
            for k, value, error in runner.imap(score_task, items):
                scores[todo[k]] = value if error is None else 0.0
                if error is None:
                    known[keys[todo[k]]] = value
                else:  # the candidate cannot be paired this run; say why (the next run tries again)
                    a, b = pairs[todo[k]]
                    failed.append({"source": a.name, "target": b.name,
                                   "error": f"pairing check failed: {describe_error(error)}"})
                done += 1
                if progress:
                    progress("pairing", done, len(pairs))
            if todo:
                write_scores(out, known)
            return scores

        if progress:
            progress("pairing", 0, 1)
        pairs, unpaired = pair_documents(auto_docs, encoder, vectors, scorer) if auto_docs else ([], [])
        pairs = [Candidate(a, b, 1.0, 0.0) for a, b in fixed] + pairs
        timer.lap("pairing")

        # 4. align, check and write every pair that is not up to date (in parallel)
        split_even = seg.srx is not None  # one unit per CAT segment where a bead allows it
        stems: set[str] = set()
        jobs: list[PairTask] = []
        records: list[dict | None] = []
        for cand in pairs:
            links = memory_links.get(id(cand.src))
            src_doc = resegment(cand.src, seg) if seg.srx_lang and links is None else cand.src
            stem = output_stem(cand.src, cand.tgt, stems)
            key = pair_key(src_doc, cand.tgt, spec, getattr(encoder, "name", ""), seg.segtype, split_even, stem,
                           links)
            record = None if options.force else read_state(out, stem, key)
            records.append(record)
            if record is None:
                texts = [s.text for d in (src_doc, cand.tgt) for s in d.sentences] if links is None else []
                jobs.append(PairTask(stem, src_doc, cand.tgt, str(out), key, vectors.for_texts(texts), spec,
                                     seg.segtype, split_even, None if id(cand.src) in fixed_docs else cand.score,
                                     links))
        reused = sum(r is not None for r in records)
        fresh_flags = [r is None for r in records]
        slot = [k for k, r in enumerate(records) if r is None]
        if progress:
            progress("aligning", reused, len(pairs))
        done = reused
        for k, record, error in runner.imap(run_pair_task, jobs):
            if error is None:
                records[slot[k]] = record
            else:
                t = jobs[k]
                failed.append({"source": t.src.name, "target": t.tgt.name, "error": describe_error(error)})
            done += 1
            if progress:
                progress("aligning", done, len(pairs))
        timer.lap("aligning")
    finally:
        if runner is not local:
            runner.close()
        local.close()

    results = []
    for cand, record in zip(pairs, records):
        if record is None:
            continue
        src_doc = resegment(cand.src, seg) if seg.srx_lang and id(cand.src) not in memory_links else cand.src
        res = result_from_record(record, src_doc, cand.tgt)
        res.pair_score = None if id(cand.src) in fixed_docs else cand.score
        results.append(res)
    merged = write_merged(results, out, seg.segtype, split_even=split_even)
    report = out / "report.html"
    write_text(report, render_html(results, unpaired, title=f"Alignment report: {source_folder or manifest.path}"))
    timer.lap("writing")
    seconds = time.perf_counter() - t0
    here = process_id()  # strings embedded by other processes in this run (this one's are in its stats)
    worker_embedded = sum(r.get("embedded", 0) for r, fresh in zip(records, fresh_flags)
                          if r and fresh and r.get("process") != here)
    pair_rows = [{
        "source": r.alignment.src.name, "target": r.alignment.tgt.name,
        "languages": f"{r.alignment.src.lang}-{r.alignment.tgt.lang}",
        "sentences": [len(r.alignment.src.sentences), len(r.alignment.tgt.sentences)],
        "links": sum(1 for l in r.alignment.links if l.src and l.tgt),
        "divergences": len(r.divergences),
        "pair_score": None if r.pair_score is None else round(r.pair_score, 3),
        "seconds": round(r.seconds, 2), "outputs": r.outputs,
    } for r in results]
    summary = {
        "folder": str(source_folder) if source_folder else None,
        "manifest": str(manifest.path) if manifest else None,
        "pairs": pair_rows,
        "documents": [{
            "document": d.name, "file": d.path, "lang": d.lang, "sentences": len(d.sentences),
            "other_languages": {f"paragraph {k + 1}": lang for k, lang in enumerate(d.paragraph_langs)
                                if lang != d.lang},
        } for d in docs],
        "merged": merged,
        "unpaired": unpaired,
        "skipped": skipped,
        "failed": failed,
        "report": str(report),
        "encoder": getattr(encoder, "name", ""),
        "embedded": {"strings": stats.embedded - stats0[0] + worker_embedded, "requested": stats.requested - stats0[1],
                     "seconds": round(stats.seconds - stats0[2], 2)} if stats else {},
        "totals": {
            "pairs": len(results), "unpaired": len(unpaired), "skipped_files": len(skipped),
            "failed_pairs": len(failed), "aligned": len(results) - reused, "up_to_date": reused,
            "sentences": sum(sum(p["sentences"]) for p in pair_rows),
            "links": sum(p["links"] for p in pair_rows),
            "divergences": sum(p["divergences"] for p in pair_rows),
            "seconds": round(seconds, 2),
        },
        "stages": timer.stages,
        "workers": runner.workers,
        "seconds": round(seconds, 2),
    }
    write_text(out / "summary.json", json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    return CorpusResult(results, unpaired, skipped, seconds, summary, failed)

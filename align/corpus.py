"""Corpus mode: find which files translate which in a folder, align them all, write everything.

Pairing is by content, never required by file name. Every document (a
bilingual file gives two) is embedded sentence by sentence, once. Candidates
are ranked cheaply: the mean sentence vector of each document (centred per
language, so that hubs and documents built from shared parts do not crowd
out the true partner), a length prior and the numbers and names two
documents share rank every document of another language; each document's
``TOP_K`` best (plus any pair whose names differ only by a language code)
are its candidates. Then the evidence is the alignment itself: a document's
best few candidates are aligned with a quick first pass, and a pair must
cover enough of both texts with confident links and more than any rival of
either document (``pair_documents``, ``Thresholds``). Free translations
split and merge sentences, and sibling chapters of one book look alike
sentence by sentence, so neither cosine margins nor one-to-one best matches
decide. A one-to-one assignment (best cover first) keeps the pairs; the rest
are reported as having no translation in the folder, with their closest
candidate and the test it failed.

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
                    pairing_evidence,
                    document_key, load_task, make_runner, pair_key, process_id, read_documents, read_scores,
                    read_state, register_encoder, result_from_record, run_pair_task, score_key, score_task,
                    write_documents, write_scores)
from .documents import Alignment, Document
from .errors import InputError
from .languages import base_language
from .export.atomic import write_text
from .export.report import render_html
from .export.tmx import write_tmx
from .pipeline import PairResult, resegment
from .segment import SENTENCES, Segmentation

try:  # the reader of every input format (another module's job); plain text until it is there
    from .readers import SUFFIXES
except ImportError:  # pragma: no cover - depends on what is installed alongside
    SUFFIXES = (".txt", ".md")
TOP_K = 8  # candidates per document that may be aligned (the best ``Thresholds.align_k`` first)
SHORTLIST = 32  # candidates per document re-ranked with shared numbers and names
LENGTH_WEIGHT = 0.1  # cost per unit of |log(length ratio)| in the cheap ranking
TOKEN_WEIGHT = 0.1  # bonus for the share of numbers and names two documents have in common


@dataclass
class Candidate:
    """A candidate pair and its evidence: ``score`` is the share of both texts in confident links."""

    src: Document
    tgt: Document
    score: float
    lead: float = 0.0  # score minus the best rival's (the score itself when there is none)
    src_cover: float = 0.0
    tgt_cover: float = 0.0
    rival: str | None = None  # the rival document the lead is measured against
    control: float = -1.0  # cover with one side shuffled (-1: not needed, the texts are long)
    test: str | None = None  # the first test failed (cover, side, lead), None when it passes
    value: float | None = None
    threshold: float | None = None
    why: str | None = None


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
    return coverage_of(aligner, a, b)[0]


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
    """Cross-language document pairs (x < y) worth the detailed evidence: each document's ``k`` best
    (``ranked_candidates``), and the pairs that are always candidates."""
    ranked, always = ranked_candidates(docs, vectors, k)
    chosen = set(always) | {(min(x, y), max(x, y)) for x, ys in ranked.items() for y in ys}
    return sorted(chosen)


def ranked_candidates(docs: list[Document], vectors: SentenceVectors,
                      k: int = TOP_K) -> tuple[dict[int, list[int]], set[tuple[int, int]]]:
    """Each document's ``k`` best candidates in another language, best first, and the pairs (x < y) that
    are always candidates.

    The ranking is cheap and needs nothing but the sentence vectors already
    computed: cosine of the centred mean vectors (``document_means``), minus a cost for unlike lengths,
    plus a bonus for shared numbers and names (on a short list only). The two
    parts of one bilingual file, and files named alike but for a language
    code, are always candidates.
    """
    n = len(docs)
    live = [x for x in range(n) if docs[x].sentences]
    ranked: dict[int, list[int]] = {x: [] for x in live}
    always: set[tuple[int, int]] = set()
    if len(live) < 2:
        return ranked, always
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
            ranked[live[a]] = [live[b] for _, b in scored[:k]]
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
                    always.add((min(x, y), max(x, y)))
    return ranked, always


# -- evidence from the alignment itself, and the one-to-one assignment ---------------------------

@dataclass
class Thresholds:
    """What a candidate pair must show to be paired; recorded in summary.json, set with ``align corpus`` options.

    Every test reads the quick alignment of the two texts (confident links of
    any bead type on a monotone path, ``batch.coverage_of``): free translations
    split and merge sentences, so one-to-one sentence matches undercount them,
    while the alignment covers them. Measured on the sets of ``eval.pairing``:
    true pairs cover 20-99 % of both texts, wrong ones (sibling chapters of one
    novel, texts on one topic) at most 7 %.
    """

    min_cover: float = 0.15  # share of both texts (characters) in confident links
    min_side: float = 0.08  # share of each text alone (a short text inside a long one is not its translation)
    min_lead: float = 0.05  # how far the pair must cover more than the best rival of either document
    min_gain: float = 0.15  # short texts: how far the cover must exceed the cover with one side shuffled
    align_k: int = 1  # candidates per document aligned per round (more only while it has no plausible one)

    def as_dict(self) -> dict:
        return {"min_cover": self.min_cover, "min_side": self.min_side, "min_lead": self.min_lead,
                "min_gain": self.min_gain, "align_k": self.align_k, "candidates": TOP_K}


@dataclass
class Evidence:
    """Shares of characters in confident links of the quick alignment: both texts, the source, the target."""

    cover: float
    src_cover: float
    tgt_cover: float
    control: float = -1.0  # cover with the target shuffled (``batch.pairing_evidence``); -1: not needed


Scorer = Callable[[list[tuple[Document, Document]]], list[Evidence]]


def near_copies(a: Document, b: Document, share: float = 0.5) -> bool:
    """Two documents of one language that share most of their sentences (revisions of one text)."""
    if not langid.same_group(a.lang, b.lang):
        return False
    ta, tb = {s.text for s in a.sentences}, {s.text for s in b.sentences}
    return bool(ta and tb) and len(ta & tb) >= share * min(len(ta), len(tb))


def _pct(value: float, threshold: float | None = None) -> str:
    """A share as a percentage, with a decimal where whole percents would hide which side of the threshold
    it is on (14.96 % is not "15 %, needs 15 %")."""
    digits = 0
    while threshold is not None and digits < 3 and value != threshold \
            and f"{value:.{digits}%}" == f"{threshold:.{digits}%}":
        digits += 1
    return f"{value:.{digits}%}"


def _judge(c: Candidate, th: Thresholds) -> None:
    """Fill in ``c.test``/``c.why``: the first test the pair fails (None when it passes all)."""
    side, name = min((c.src_cover, c.src), (c.tgt_cover, c.tgt), key=lambda t: t[0])
    gain = c.score - c.control
    if c.score < th.min_cover:
        c.test, c.value, c.threshold = "cover", c.score, th.min_cover
        c.why = (f"{c.src.name} and {c.tgt.name}: confident links cover {_pct(c.score, th.min_cover)} of both "
                 f"texts, needs {_pct(th.min_cover)}")
    elif side < th.min_side:
        c.test, c.value, c.threshold = "side", side, th.min_side
        c.why = f"covered {_pct(side, th.min_side)} of the {name.lang} text {name.name}, needs {_pct(th.min_side)}"
    elif c.control >= 0 and gain < th.min_gain:
        c.test, c.value, c.threshold = "gain", gain, th.min_gain
        c.why = (f"{c.src.name} and {c.tgt.name} cover {_pct(c.score)} of both texts, and still {_pct(c.control)} "
                 f"with one of them shuffled: order adds {_pct(gain, th.min_gain)}, needs {_pct(th.min_gain)}")
    elif c.rival is not None and c.lead < th.min_lead:
        c.test, c.value, c.threshold = "lead", c.lead, th.min_lead
        c.why = (f"{c.src.name} and {c.tgt.name} cover {_pct(c.score)} of both texts, but {c.rival} covers "
                 f"{_pct(c.score - c.lead)}: a lead of {_pct(c.lead, th.min_lead)}, needs {_pct(th.min_lead)}")


def pair_documents(docs: list[Document], encoder, vectors: SentenceVectors | None = None,
                   scorer: Scorer | None = None, k: int = TOP_K,
                   thresholds: Thresholds | None = None) -> tuple[list[Candidate], list[dict]]:
    """One-to-one pairs of translations among ``docs``, and the documents left without one (with why).

    Candidates come from the cheap ranking (``ranked_candidates``). Each
    document's ``align_k`` best are aligned quickly (by ``scorer``, all of a
    round at once so they can run in parallel; by default here, one after the
    other); a document with no plausible candidate yet gets its next ones, up
    to ``k``. A pair must cover enough of both texts and of each
    (``Thresholds``), and cover more than every rival of either document by
    ``min_lead`` (a rival that is a near-copy of the partner, such as another
    revision of it, is not held against the pair: the better cover wins
    below). Then pairs are taken best cover first, each document once.
    """
    th = thresholds or Thresholds()
    vectors = vectors or sentence_vectors(docs, encoder)
    ranked, always = ranked_candidates(docs, vectors, k)
    if scorer is None:
        quick = EmbeddingAligner(encoder, quick_params())
        scorer = lambda pairs: [Evidence(*pairing_evidence(quick, a, b, th.min_cover))  # noqa: E731
                                for a, b in pairs]
    evidence: dict[tuple[int, int], Evidence] = {}
    depth = {x: 0 for x in ranked}
    todo = set(always)
    while True:
        best: dict[int, tuple[float, int]] = {}  # each document's best cover so far, and with whom
        for (x, y), e in evidence.items():
            for me, other in ((x, y), (y, x)):
                if e.cover > best.get(me, (-1.0, -1))[0]:
                    best[me] = (e.cover, other)
        for x, others in ranked.items():
            # settled: its best candidate covers enough and has no better partner itself (else look further)
            cover, y = best.get(x, (0.0, -1))
            plausible = cover >= th.min_cover and best.get(y, (0.0, -1))[1] == x
            if depth[x] >= len(others) or (depth[x] and plausible):
                continue
            for y in others[depth[x]:depth[x] + max(1, th.align_k)]:
                todo.add((min(x, y), max(x, y)))
            depth[x] += max(1, th.align_k)
        todo -= set(evidence)
        if not todo:
            break
        batch = sorted(todo)
        oriented = [orient(docs[x], docs[y]) for x, y in batch]
        for xy, (a, b), ev in zip(batch, oriented, scorer(oriented)):
            evidence[xy] = ev if a is docs[xy[0]] else Evidence(ev.cover, ev.tgt_cover, ev.src_cover, ev.control)
        todo = set()
    cands = []
    for (x, y), ev in evidence.items():
        a, b = orient(docs[x], docs[y])
        c = Candidate(a, b, ev.cover, src_cover=ev.src_cover if a is docs[x] else ev.tgt_cover,
                      tgt_cover=ev.tgt_cover if a is docs[x] else ev.src_cover,
                      control=-1.0 if (x, y) in always else ev.control)  # one file's parts, or named alike
        rivals = [(e.cover, docs[w if w != me else z].name)
                  for me, partner in ((x, y), (y, x)) for (w, z), e in evidence.items()
                  if me in (w, z) and partner not in (w, z)
                  and not near_copies(docs[w if w != me else z], docs[partner])]
        if rivals:
            best = max(rivals)
            c.lead, c.rival = ev.cover - best[0], best[1]
        else:
            c.lead = ev.cover
        _judge(c, th)
        cands.append(c)
    _prefer_revisions(cands)
    cands.sort(key=lambda c: (-c.score, -c.lead, c.src.name, c.tgt.name))
    used: dict[int, Candidate] = {}
    chosen = []
    for c in cands:
        if c.test is not None or id(c.src) in used or id(c.tgt) in used:
            continue
        used[id(c.src)] = used[id(c.tgt)] = c
        chosen.append(c)
    return chosen, unpaired_entries(docs, used, cands)


def _prefer_revisions(cands: list[Candidate]) -> None:
    """Of a document's candidates that are revisions of one text, keep the one that covers most of the document.

    Two revisions of a page both cover most of its translation, and the
    older one may even cover more of both texts together (it lacks the
    sections the translation lacks too). What tells them apart is how much of
    the translation each explains: the revision it was made from leaves the
    least of it unlinked. The others fail as ``revision``.
    """
    side = {}
    for c in cands:
        side[(id(c.src), id(c.tgt))] = c
    for c in cands:
        if c.test is not None:
            continue
        for me, other, mine in ((c.src, c.tgt, c.src_cover), (c.tgt, c.src, c.tgt_cover)):
            for d in cands:
                if d is c or d.test not in (None, "lead") or me not in (d.src, d.tgt):
                    continue
                rival = d.tgt if d.src is me else d.src
                theirs = d.src_cover if d.src is me else d.tgt_cover
                if rival is other or not near_copies(rival, other):
                    continue
                if (theirs, d.score) > (mine, c.score):
                    c.test, c.value, c.threshold = "revision", mine, theirs
                    c.why = (f"{other.name} and {rival.name} are revisions of one text, and {rival.name} covers "
                             f"more of {me.name} ({theirs:.1%} against {mine:.1%})")
                    break
            if c.test is not None:
                break


def quick_params() -> EmbeddingParams:
    """The quick first pass that pairing aligns candidates with: default settings, no joined-run embeddings."""
    return EmbeddingParams(exact_overlaps=False)


def unpaired_entries(docs: list[Document], used: dict[int, Candidate], cands: list[Candidate]) -> list[dict]:
    """The documents without a partner, each with its closest candidate (best cover) and why it was refused."""
    best_of: dict[int, Candidate] = {}
    for c in cands:  # best first
        for d in (c.src, c.tgt):
            best_of.setdefault(id(d), c)
    unpaired = []
    for d in docs:
        if id(d) in used:
            continue
        best = best_of.get(id(d))
        entry = {"document": d.name, "file": d.path, "lang": d.lang, "best": None, "score": 0.0, "lead": 0.0,
                 "test": "candidates", "value": None, "threshold": None,
                 "why": "no document in another language to compare with"}
        if best is not None:
            other = best.tgt if best.src is d else best.src
            entry.update(best=other.name, score=round(best.score, 3), lead=round(best.lead, 3), test=best.test,
                         value=None if best.value is None else round(best.value, 3), threshold=best.threshold,
                         why=best.why)
            if best.test is None:  # it passed, but the other document was paired better
                taken = used[id(other)]
                mate = taken.tgt if taken.src is other else taken.src
                entry.update(test="taken", why=f"its closest candidate {other.name} (confident links cover "
                             f"{best.score:.0%} of both texts) is paired with {mate.name} ({taken.score:.0%})")
        unpaired.append(entry)
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


MANIFEST_OPTIONS = {"segtype", "srx", "srx_lang", "method", "model",
                    "min_cover", "min_side", "min_lead", "min_gain"}  # the last four: pairing's ``Thresholds``


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
        if not isinstance(value, str):
            raise InputError(f"{path}: {where} must be a language code such as sv or en")
        return base_language(value, f"{path}: {where}")

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
               manifest: Manifest | None = None, thresholds: Thresholds | None = None,
               forced: list[tuple[str | Path, str | Path]] | None = None) -> CorpusResult:
    """Read, pair, align and check everything in ``folder``; write TMX, TSV, JSON and one HTML report.

    Besides one TMX per pair, one merged TMX per language pair (``merged.sv-en.tmx``)
    holds the units of all the pairs in those languages. ``seg`` says how documents
    are segmented; its ``srx_lang`` applies to the source side of each pair.
    ``options`` say where pairs run (see ``align.batch``); pairs whose outputs
    are up to date are reused unless ``options.force``. A ``manifest`` fixes
    pairs and languages (its ``folder``, if any, replaces ``folder``); so do ``forced`` pairs of files
    (``--pair A B``). ``thresholds`` decide the other pairs (``pair_documents``).
    """
    t0 = time.perf_counter()
    thresholds = thresholds or Thresholds()
    fixed_pairs = list(manifest.pairs) if manifest else []
    for a, b in forced or []:
        for f in (a, b):
            if not Path(f).is_file():
                raise InputError(f"--pair {a} {b}: {f}: no such file")
        if Path(a).resolve() == Path(b).resolve():
            raise InputError(f"--pair {a} {b}: the same file twice")
        fixed_pairs.append(ManifestPair(Path(a), Path(b)))
    timer = Timer()
    stats = getattr(encoder, "stats", None)
    stats0 = (stats.embedded, stats.requested, stats.seconds) if stats else (0, 0, 0.0)  # this run's share
    options = options or BatchOptions()
    out = Path(out)
    spec = ToolSpec(aligner.name, options.model, options.cache,
                    getattr(aligner, "p", None) if aligner.name == "embedding" else None,
                    getattr(encoder, "name", ""), options.engine, options.checks,
                    getattr(getattr(encoder, "inner", None), "device", "cpu"))
    register_encoder(spec, encoder)
    local = make_runner(options.jobs, inline_below=options.inline_below)
    runner = make_runner(options.jobs, options.scheduler) if options.scheduler else local
    try:
        # 1. which files, read in parallel
        fixed_files: dict[Path, tuple[str | None, bool]] = {}  # file -> (language, split)
        for pair in fixed_pairs:
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
        fixed = [fp for fp in (_fixed_pair(p, loaded) for p in fixed_pairs) if fp]
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
        checks = {"quick_alignments": 0, "computed": 0}  # pairing's cost, for summary.json

        def scorer(pairs: list[tuple[Document, Document]]) -> list[Evidence]:
            """Quick alignments of the candidates, remembered in OUT for the next run."""
            known = read_scores(out)
            keys = [score_key(a, b, spec, thresholds.min_cover) for a, b in pairs]
            scores = [Evidence(*known[key]) if key in known else Evidence(0.0, 0.0, 0.0) for key in keys]
            todo = [k for k, key in enumerate(keys) if key not in known]
            checks["quick_alignments"] += len(pairs)
            checks["computed"] += len(todo)
            items = [ScoreTask(a, b, vectors.for_texts(s.text for d in (a, b) for s in d.sentences), spec,
                               thresholds.min_cover) for a, b in (pairs[k] for k in todo)]
            done = len(pairs) - len(todo)
            for k, value, error in runner.imap(score_task, items):
                if error is None:
                    scores[todo[k]] = Evidence(*value)
                    known[keys[todo[k]]] = tuple(value)
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
        pairs, unpaired = (pair_documents(auto_docs, encoder, vectors, scorer, thresholds=thresholds)
                           if auto_docs else ([], []))
        pairs = [Candidate(a, b, 1.0) for a, b in fixed] + pairs
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
    evidence_of = {(c.src.name, c.tgt.name): {"cover": round(c.score, 3), "source_cover": round(c.src_cover, 3),
                                              "target_cover": round(c.tgt_cover, 3), "lead": round(c.lead, 3),
                                              "rival": c.rival,
                                              "shuffled_cover": None if c.control < 0 else round(c.control, 3)}
                   for c in pairs if id(c.src) not in fixed_docs}
    merged = write_merged(results, out, seg.segtype, split_even=split_even)
    report = out / "report.html"
    write_text(report, render_html(results, unpaired, title=f"Alignment report: {source_folder or manifest.path}",
                                   selection=options.checks.describe() if options.checks is not None else None))
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
        "pair_evidence": evidence_of.get((r.alignment.src.name, r.alignment.tgt.name)),
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
        "pairing": {"thresholds": thresholds.as_dict(), "forced": len(fixed), **checks},
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

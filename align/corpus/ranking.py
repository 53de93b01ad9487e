"""Corpus mode's embed stage and cheap ranking: every sentence of the folder embedded once, and each
document's few best candidates in another language (what the pairing stage then aligns)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .. import langid
from ..documents import Document

TOP_K = 8  # candidates per document that may be aligned (the best ``Thresholds.align_k`` first)
SHORTLIST = 32  # candidates per document re-ranked with shared numbers and names
LENGTH_WEIGHT = 0.1  # cost per unit of |log(length ratio)| in the cheap ranking
TOKEN_WEIGHT = 0.1  # bonus for the share of numbers and names two documents have in common


@dataclass
class SentenceVectors:
    """Every distinct sentence of the folder and its vector (one row per text, shared by documents)."""

    index: dict[str, int]
    matrix: np.ndarray

    def of(self, doc: Document) -> np.ndarray:
        return self.matrix[[self.index[s.text] for s in doc.sentences]]

    def __getitem__(self, text: str) -> np.ndarray:
        return self.matrix[self.index[text]]

    def for_texts(self, texts) -> PackedVectors:
        """The vectors of ``texts`` (those embedded), for a task to carry."""
        keys = list(dict.fromkeys(t for t in texts if t in self.index))
        return PackedVectors(keys, self.matrix[[self.index[t] for t in keys]] if keys else self.matrix[:0])


class PackedVectors(dict):
    """Sentence text -> vector, pickled as one matrix and a list of texts.

    A task carries a few hundred vectors to a worker; pickled one by one,
    each costs more than its own bytes on both sides of the pipe.
    """

    def __init__(self, texts=(), matrix: np.ndarray | None = None):
        super().__init__(zip(texts, matrix) if matrix is not None else ())

    def __reduce__(self):
        texts = list(self)
        rows = np.stack(list(self.values())) if texts else np.zeros((0, 0), np.float32)
        return PackedVectors, (texts, rows)


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
        tokens = _TOKEN.findall(s.text)
        out.update(w.translate(_NUMBER_MARKS) for w in tokens if w[0].isdigit())
        out.update(w.casefold() for w in tokens[1:] if w[0].isupper())
    return out


_NUMBER_MARKS = str.maketrans("", "", ".,:")


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
                both = len(sa & sb)  # the union's size by count: building the union set cost more than the rest
                shared = both / (len(sa) + len(sb) - both) if sa or sb else 0.0
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



"""The evidence that two documents translate each other: their alignment itself, and its order.

How much of both texts sits in confident links on one monotone path
(``cover``), and for short texts how much more of them matches in order than
with one side shuffled (``order_gain``, on the sentence vectors already
computed): what ``pairing.Thresholds`` judge.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import replace

import numpy as np

from ..documents import Alignment, Document, Link
from ..pipeline import align_documents

CONFIDENT = 0.5  # a link at least this sure counts as covering its sentences
CONTROL_BELOW = 100  # sentences: a shorter side gets the shuffled-order control (``order_gain``)
CONTROL_SEEDS = (1, 2, 3)
NEIGHBOURS = 4  # a sentence pair "matches" when at least as alike as the mean of its row's and column's best 4


def cover(al: Alignment) -> tuple[float, float, float]:
    """Shares of the characters of (both documents, source, target) that sit in confident links.

    Links of any bead type count (free translations merge and split
    sentences), but only on one monotone path: pairs the aligner rescued out
    of order are left out, so scattered look-alike sentences of two texts on
    one topic add nothing.
    """
    size_a = [len(s.text) for s in al.src.sentences]
    size_b = [len(s.text) for s in al.tgt.sentences]
    got_a = got_b = 0
    for link in monotone([l for l in al.links if l.src and l.tgt]):
        if link.score >= CONFIDENT:
            got_a += sum(size_a[i] for i in link.src)
            got_b += sum(size_b[j] for j in link.tgt)
    total_a, total_b = sum(size_a), sum(size_b)
    both = (got_a + got_b) / (total_a + total_b) if total_a + total_b else 0.0
    return both, got_a / total_a if total_a else 0.0, got_b / total_b if total_b else 0.0


def monotone(links: list[Link]) -> list[Link]:
    """The largest subset of two-sided links in the same order on both sides (longest increasing run of
    target positions over links sorted by source position; O(n log n))."""
    links = sorted(links, key=lambda l: (min(l.src), min(l.tgt)))
    tails: list[int] = []  # smallest last target position of an increasing run of each length
    ends: list[int] = []  # the link index behind each tail
    back = [-1] * len(links)
    for k, link in enumerate(links):
        t = min(link.tgt)
        pos = bisect.bisect_left(tails, t)
        back[k] = ends[pos - 1] if pos else -1
        if pos == len(tails):
            tails.append(t)
            ends.append(k)
        else:
            tails[pos], ends[pos] = t, k
    out, k = [], ends[-1] if ends else -1
    while k >= 0:
        out.append(links[k])
        k = back[k]
    return out[::-1]


def shuffle_order(n: int, seed: int) -> list[int]:
    """A fixed random order of ``n`` positions (position k takes item ``order[k]``). An order that leaves more
    than a third of them in place (likely in short texts) is drawn again, so that a translation cannot keep
    its order by chance."""
    rng = random.Random(seed)
    order = list(range(n))
    for _ in range(100):
        rng.shuffle(order)
        if sum(k == i for i, k in enumerate(order)) <= n // 3:
            break
    return order


def shuffled(doc: Document, seed: int) -> Document:
    """The document with its sentence texts in the order ``shuffle_order`` (positions and paragraphs kept)."""
    texts = [doc.sentences[k].text for k in shuffle_order(len(doc.sentences), seed)]
    return replace(doc, sentences=[replace(s, text=t) for s, t in zip(doc.sentences, texts)])


def needs_control(a: Document, b: Document) -> bool:
    """Short texts get the order control (``order_gain``); a random order of a long text keeps only about
    2·√n sentences in a monotone path, so its cover says enough on its own."""
    return min(len(a.sentences), len(b.sentences)) < CONTROL_BELOW and len(b.sentences) > 1


def order_gain(va: np.ndarray, vb: np.ndarray, size_a, size_b) -> tuple[float, float]:
    """Shares of both texts (characters) matched in order: as they are, and the best of ``CONTROL_SEEDS``
    with the target's sentences shuffled.

    In short texts on one topic the aligner finds confident-looking links
    between texts that are not translations (two press releases about one
    conference); what they lack is order. Both figures
    are one measure on the sentence similarities already computed: a sentence
    pair matches when it is at least as alike as the mean of the best
    ``NEIGHBOURS`` of its row and of its column (a test that shuffling leaves
    alone: it only moves columns), and the figure is the largest share of
    characters in matches that one monotone 1-1 path holds. A translation's
    matches lie along its path and mostly scatter when shuffled; look-alike
    sentences of two texts on one topic match in any order.
    """
    la, lb = np.asarray(size_a, dtype=np.float64), np.asarray(size_b, dtype=np.float64)
    sim = _unit(va) @ _unit(vb).T
    n, m = sim.shape
    row = np.sort(sim, axis=1)[:, -min(NEIGHBOURS, m):].mean(axis=1)
    col = np.sort(sim, axis=0)[-min(NEIGHBOURS, n):, :].mean(axis=0)
    weight = (sim >= (row[:, None] + col[None, :]) / 2) * (la[:, None] + lb[None, :])
    total = la.sum() + lb.sum() or 1.0
    real = _monotone_weight(weight) / total
    shuffled_share = max(_monotone_weight(weight[:, shuffle_order(m, seed)]) / total for seed in CONTROL_SEEDS)
    return real, shuffled_share


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def _monotone_weight(weight: np.ndarray) -> float:
    """The largest total weight of a monotone 1-1 path through ``weight`` (skips free), row by row: a row's
    best is the running maximum of (the row above, or the diagonal step plus this cell)."""
    prev = np.zeros(weight.shape[1] + 1)
    for w in weight:
        step = prev.copy()
        step[1:] = np.maximum(prev[1:], prev[:-1] + w)
        prev = np.maximum.accumulate(step)
    return float(prev[-1])


def pairing_evidence(aligner, a: Document, b: Document, vectors,
                     min_cover: float = 0.0) -> tuple[tuple[float, ...], list[Link]]:
    """``evidence_of`` the alignment of ``a`` and ``b`` by ``aligner``, and its links; ``vectors`` maps each
    sentence text to its vector."""
    al = align_documents(a, b, aligner)
    return evidence_of(al, vectors, min_cover), al.links


def evidence_of(al: Alignment, vectors, min_cover: float = 0.0) -> tuple[float, ...]:
    """(cover of both texts, of the source, of the target, matched in order, matched shuffled) of an
    alignment; the last two are -1 unless the pair covers ``min_cover`` and is short (``needs_control``)."""
    a, b = al.src, al.tgt
    both = cover(al)
    order = shuffled_share = -1.0
    if both[0] >= min_cover and needs_control(a, b):
        va = np.stack([vectors[s.text] for s in a.sentences])
        vb = np.stack([vectors[s.text] for s in b.sentences])
        order, shuffled_share = order_gain(va, vb, [len(s.text) for s in a.sentences],
                                           [len(s.text) for s in b.sentences])
    return (*both, order, shuffled_share)

"""The evidence that two documents translate each other: their quick alignment itself.

How much of both texts sits in confident links on one monotone path
(``coverage_of``), and for short texts the same against the target shuffled
(``pairing_evidence``): what ``pairing.Thresholds`` judge.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import replace

from ..documents import Alignment, Document, Link
from ..pipeline import align_documents

CONFIDENT = 0.5  # a link at least this sure counts as covering its sentences
CONTROL_BELOW = 100  # sentences: a shorter side gets the shuffled-order control (``pairing_evidence``)
CONTROL_SEEDS = (1, 2, 3)


def coverage_of(aligner, a: Document, b: Document) -> tuple[float, float, float]:
    """``cover`` of the alignment of ``a`` and ``b``."""
    return cover(align_documents(a, b, aligner))


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


def shuffled(doc: Document, seed: int) -> Document:
    """The document with its sentence texts in a fixed random order (positions and paragraphs kept). An order
    that leaves more than a third of the sentences in place (likely in short texts) is drawn again, so
    that a translation cannot keep its order by chance."""
    n = len(doc.sentences)
    rng = random.Random(seed)
    order = list(range(n))
    for _ in range(100):
        rng.shuffle(order)
        if sum(k == i for i, k in enumerate(order)) <= n // 3:
            break
    texts = [doc.sentences[k].text for k in order]
    return replace(doc, sentences=[replace(s, text=t) for s, t in zip(doc.sentences, texts)])


def pairing_evidence(aligner, a: Document, b: Document, min_cover: float = 0.0) -> tuple[float, ...]:
    """``coverage_of`` and, for a plausible short pair, the best cover of ``a`` against ``b`` shuffled.

    In short texts on one topic the aligner finds confident-looking links
    between texts that are not translations (two press releases about one
    conference: 39-73 % of both texts). What they lack is order: the same
    links survive when one text is shuffled, while a translation's cover
    collapses. So a pair covering ``min_cover`` whose shorter side has fewer
    than ``CONTROL_BELOW`` sentences is aligned again against fixed
    shuffles of ``b`` (``CONTROL_SEEDS``); the gain over the better of them is judged by
    ``Thresholds.min_gain``. Longer texts need no control: a random
    order keeps only about 2·√n sentences in a monotone path. -1 where no
    control was run.
    """
    return evidence_of(align_documents(a, b, aligner), aligner, min_cover)


def evidence_of(al: Alignment, control, min_cover: float = 0.0) -> tuple[float, ...]:
    """``pairing_evidence`` from an alignment already made, ``control`` aligning the shuffled texts (so that
    the candidate's alignment and the controls can be timed apart: ``eval.throughput --cost``)."""
    a, b = al.src, al.tgt
    both = cover(al)
    shuffled_cover = -1.0
    if both[0] >= min_cover and min(len(a.sentences), len(b.sentences)) < CONTROL_BELOW and len(b.sentences) > 1:
        shuffled_cover = max(coverage_of(control, a, shuffled(b, seed))[0] for seed in CONTROL_SEEDS)
    return (*both, shuffled_cover)

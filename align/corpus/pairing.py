"""Corpus mode's pair stage: candidates judged by their alignment, then kept one-to-one.

Free translations split and merge sentences, and sibling chapters of one
book look alike sentence by sentence, so neither cosine margins nor
one-to-one best matches decide: a document's best few candidates (the cheap
ranking of ``ranking``) are aligned, and a pair must cover enough of both
texts with confident links and more than any rival of either document
(``evidence``, ``Thresholds``). Two documents that are each other's first
candidate are aligned with the final aligner, and that alignment is the
pair's output (it is not paid twice); other candidates get a quick first
pass. A one-to-one assignment (best cover first) keeps the pairs; the rest
are reported as having no translation in the folder, with their closest
candidate and the test it failed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import langid
from ..aligners import EmbeddingAligner, EmbeddingParams
from ..documents import Divergence, Document, Link
from .evidence import pairing_evidence
from .ranking import TOP_K, SentenceVectors, ranked_candidates, sentence_vectors


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
    order: float = -1.0  # share of both texts matched in order (``evidence.order_gain``; -1: not needed)
    shuffled: float = -1.0  # the same with one side shuffled
    links: list[Link] | None = None  # the final aligner's alignment of the pair, kept as its output
    checked: list[Divergence] | None = None  # its findings, when pairing checked it too
    seconds: float = 0.0  # what making (and checking) those links took
    test: str | None = None  # the first test failed (cover, side, gain, lead, revision), None when it passes
    value: float | None = None
    threshold: float | None = None
    why: str | None = None


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
class Thresholds:
    """What a candidate pair must show to be paired; recorded in summary.json, set with ``align corpus`` options.

    The cover tests read the alignment of the two texts (confident links of
    any bead type on a monotone path, ``evidence.cover``): free translations
    split and merge sentences, so one-to-one sentence matches undercount them,
    while the alignment covers them. The gain test of short texts reads the
    sentence similarities in order against shuffled (``evidence.order_gain``).
    What the thresholds separate on ``eval.pairing``'s sets: eval/RESULTS.md.
    """

    min_cover: float = 0.15  # share of both texts (characters) in confident links
    min_side: float = 0.08  # share of each text alone (a short text inside a long one is not its translation)
    min_lead: float = 0.05  # how far the pair must cover more than the best rival of either document
    min_gain: float = 0.15  # short texts: how much more of them must match in order than with one side shuffled
    align_k: int = 1  # candidates per document aligned per round (more only while it has no plausible one)

    def as_dict(self) -> dict:
        return {"min_cover": self.min_cover, "min_side": self.min_side, "min_lead": self.min_lead,
                "min_gain": self.min_gain, "align_k": self.align_k, "candidates": TOP_K}


@dataclass
class Evidence:
    """Shares of characters in confident links of a candidate's alignment (both texts, the source, the
    target), and for short texts the shares matched in order and shuffled (``evidence.order_gain``)."""

    cover: float
    src_cover: float
    tgt_cover: float
    order: float = -1.0  # -1: not needed
    shuffled: float = -1.0
    final: bool = False  # from the final aligner (else the quick pass)
    links: list[Link] | None = None  # the final aligner's links, source first as ``orient`` puts it
    checked: list[Divergence] | None = None  # their findings (None: not checked yet)
    seconds: float = 0.0  # what making (and checking) the links took

    def swapped(self) -> Evidence:
        """The covers seen from the other document (the links keep ``orient``'s order)."""
        return Evidence(self.cover, self.tgt_cover, self.src_cover, self.order, self.shuffled, self.final, self.links,
                        self.checked, self.seconds)


# candidates (oriented, and whether to align with the final aligner) -> their evidence
Scorer = Callable[[list[tuple[Document, Document, bool]]], list[Evidence]]


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
    gain = c.order - c.shuffled
    if c.score < th.min_cover:
        c.test, c.value, c.threshold = "cover", c.score, th.min_cover
        c.why = (f"{c.src.name} and {c.tgt.name}: confident links cover {_pct(c.score, th.min_cover)} of both "
                 f"texts, needs {_pct(th.min_cover)}")
    elif side < th.min_side:
        c.test, c.value, c.threshold = "side", side, th.min_side
        c.why = f"covered {_pct(side, th.min_side)} of the {name.lang} text {name.name}, needs {_pct(th.min_side)}"
    elif c.order >= 0 and gain < th.min_gain:
        c.test, c.value, c.threshold = "gain", gain, th.min_gain
        c.why = (f"{c.src.name} and {c.tgt.name}: {_pct(c.order)} of both texts match in order, and still "
                 f"{_pct(c.shuffled)} with one of them shuffled: order adds {_pct(gain, th.min_gain)}, "
                 f"needs {_pct(th.min_gain)}")
    elif c.rival is not None and c.lead < th.min_lead:
        c.test, c.value, c.threshold = "lead", c.lead, th.min_lead
        c.why = (f"{c.src.name} and {c.tgt.name} cover {_pct(c.score)} of both texts, but {c.rival} covers "
                 f"{_pct(c.score - c.lead)}: a lead of {_pct(c.lead, th.min_lead)}, needs {_pct(th.min_lead)}")


def pair_documents(docs: list[Document], encoder, vectors: SentenceVectors | None = None,
                   scorer: Scorer | None = None, k: int = TOP_K,
                   thresholds: Thresholds | None = None, aligner=None) -> tuple[list[Candidate], list[dict]]:
    """One-to-one pairs of translations among ``docs``, and the documents left without one (with why).

    Candidates come from the cheap ranking (``ranked_candidates``). Each
    document's ``align_k`` best are aligned (by ``scorer``, all of a round at
    once so they can run in parallel; by default here, one after the other,
    with ``aligner`` as the final aligner); a document with no plausible
    candidate yet gets its next ones, up to ``k``. Two documents that are each
    other's first candidate (or one file's parts, or the only two files named
    alike) are aligned by the final
    aligner, whose alignment the pair keeps; the rest by the quick pass, and a
    final candidate that meets a rival covering ``min_cover - min_lead`` is
    aligned quickly too, so that the two are compared by one measure. A pair must cover enough of both texts
    and of each (``Thresholds``), and cover more than every rival of either
    document by ``min_lead`` (a rival that is a near-copy of the partner,
    such as another revision of it, is not held against the pair:
    ``_prefer_revisions`` decides). Then pairs are taken best cover first,
    each document once.
    """
    th = thresholds or Thresholds()
    vectors = vectors or sentence_vectors(docs, encoder)
    ranked, always = ranked_candidates(docs, vectors, k)
    scorer = scorer or evidence_scorer(encoder, vectors, min_cover=th.min_cover, aligner=aligner)
    first = {x: others[0] for x, others in ranked.items() if others}
    evidence: dict[tuple[int, int], Evidence] = {}

    def score(batch: list[tuple[int, int]], final: dict[tuple[int, int], bool]) -> dict[tuple[int, int], Evidence]:
        oriented = [orient(docs[x], docs[y]) for x, y in batch]
        got = scorer([(a, b, final[xy]) for xy, (a, b) in zip(batch, oriented)])
        return {xy: ev if a is docs[xy[0]] else ev.swapped() for xy, (a, _), ev in zip(batch, oriented, got)}

    depth = {x: 0 for x in ranked}
    todo = set(always)
    # of the pairs always aligned, those whose documents are in no other (a file's two parts, a page in two
    # languages) are final at once; a page in three languages would otherwise get three final alignments
    in_always = Counter(d for xy in always for d in xy)
    alone_together = {(x, y) for x, y in always if in_always[x] == in_always[y] == 1}
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
        evidence.update(score(batch, {(x, y): (x, y) in alone_together or (first.get(x) == y and first.get(y) == x)
                                      for x, y in batch}))
        todo = set()
    by_doc: dict[int, list[tuple[int, int]]] = {}
    for xy in evidence:
        for me in xy:
            by_doc.setdefault(me, []).append(xy)

    def rivals_of(x: int, y: int) -> list[tuple[int, int]]:
        return [wz for me, partner in ((x, y), (y, x)) for wz in by_doc[me]
                if partner not in wz and not near_copies(docs[wz[0] if wz[1] == me else wz[1]], docs[partner])]

    # a final candidate is compared with its rivals by the quick pass too, unless none of them covers
    # min_cover - min_lead: such a rival is within min_lead only of a pair that fails min_cover anyway
    contested = sorted(xy for xy, e in evidence.items()
                       if e.final and any(evidence[wz].cover >= th.min_cover - th.min_lead for wz in rivals_of(*xy)))
    quick = score(contested, dict.fromkeys(contested, False)) if contested else {}
    judged = {xy: quick.get(xy, e) for xy, e in evidence.items()}  # what the tests read: one measure among rivals
    cands = []
    for (x, y), ev in judged.items():
        a, b = orient(docs[x], docs[y])
        mine = ev if a is docs[x] else ev.swapped()
        made = evidence[(x, y)]
        c = Candidate(a, b, ev.cover, src_cover=mine.src_cover, tgt_cover=mine.tgt_cover, links=made.links,
                      checked=made.checked, seconds=made.seconds)
        if (x, y) not in always:  # one file's parts, or named alike, need no order control
            c.order, c.shuffled = ev.order, ev.shuffled
        rivals = [(judged[wz].cover, docs[wz[0] if wz[1] in (x, y) else wz[1]].name) for wz in rivals_of(x, y)]
        if rivals:
            best = max(rivals)
            c.lead, c.rival = ev.cover - best[0], best[1]
        else:
            c.lead = ev.cover
        _judge(c, th)
        cands.append(c)
    _prefer_revisions(cands, vectors)
    cands.sort(key=lambda c: (-c.score, -c.lead, c.src.name, c.tgt.name))
    used: dict[int, Candidate] = {}
    chosen = []
    for c in cands:
        if c.test is not None or id(c.src) in used or id(c.tgt) in used:
            continue
        used[id(c.src)] = used[id(c.tgt)] = c
        chosen.append(c)
    return chosen, unpaired_entries(docs, used, cands)


def _prefer_revisions(cands: list[Candidate], vectors: SentenceVectors) -> None:
    """Of a document's candidates that are revisions of one text, keep the one whose own sentences it matches.

    Two revisions of a page both cover most of its translation, and the
    older one may even cover more (it lacks the sections the translation
    lacks too), so covers differ by a point or less. What tells them apart is
    what differs between them: each sentence of the document votes (with its
    length) for the sentence it is most alike among both revisions', and
    only votes for a sentence one revision has and the other lacks count
    (``revision_votes``). On a tie the revision that covers more of the
    document wins. The others fail as ``revision``.
    """
    by_doc: dict[int, list[Candidate]] = {}
    for c in cands:
        for d in (c.src, c.tgt):
            by_doc.setdefault(id(d), []).append(c)
    for c in cands:
        if c.test is not None:
            continue
        for me, other, mine in ((c.src, c.tgt, c.src_cover), (c.tgt, c.src, c.tgt_cover)):
            for d in by_doc[id(me)]:
                if d is c or d.test not in (None, "lead"):
                    continue
                rival = d.tgt if d.src is me else d.src
                theirs = d.src_cover if d.src is me else d.tgt_cover
                if rival is other or not near_copies(rival, other):
                    continue
                ours, others_ = revision_votes(me, other, rival, vectors)
                if (others_, theirs, d.score) > (ours, mine, c.score):
                    c.test, c.value, c.threshold = "revision", ours, others_
                    total = sum(len(s.text) for s in me.sentences) or 1
                    c.why = (f"{other.name} and {rival.name} are revisions of one text, and {me.name} matches more "
                             f"of what only {rival.name} has ({others_ / total:.1%} of its text against "
                             f"{ours / total:.1%}; covers {theirs:.1%} and {mine:.1%})")
                    break
            if c.test is not None:
                break


def revision_votes(doc: Document, one: Document, two: Document, vectors: SentenceVectors) -> tuple[int, int]:
    """Characters of ``doc`` whose most alike sentence among those of revisions ``one`` and ``two`` is one
    that only ``one`` has, and one that only ``two`` has (a translation follows the revision it was made from).

    Sentences that differ only in markup, punctuation or spacing (a list's
    ``*`` turned ``-``, re-indented code) count as shared: a translation may
    copy either form, and the vote is about content.
    """
    keys_one, keys_two = {_letters(s.text) for s in one.sentences}, {_letters(s.text) for s in two.sentences}
    pool = sorted({s.text for d in (one, two) for s in d.sentences})
    if not pool or not doc.sentences:
        return 0, 0
    sims = vectors.of(doc) @ np.stack([vectors[t] for t in pool]).T
    votes = [0, 0]
    for sentence, best in zip(doc.sentences, sims.argmax(axis=1)):
        key = _letters(pool[best])
        if key not in keys_two:
            votes[0] += len(sentence.text)
        elif key not in keys_one:
            votes[1] += len(sentence.text)
    return votes[0], votes[1]


def _letters(text: str) -> str:
    """A sentence's letters and digits only, case folded: what is left of it without markup and spacing."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def evidence_scorer(encoder, vectors: SentenceVectors, min_cover: float = 0.0, aligner=None) -> Scorer:
    """Candidates' evidence as corpus mode reads it (``evidence.pairing_evidence``), one after the other in
    this process: the quick pass, or ``aligner`` (the final one; None: the default embedding aligner) for
    the candidates marked final."""
    from ..pipeline import make_aligner

    quick = EmbeddingAligner(encoder, quick_params())
    final = aligner if aligner is not None else make_aligner("embedding", encoder)

    def scorer(pairs):
        out = []
        for a, b, is_final in pairs:
            use = final if is_final and final.encoder is not None else quick
            ev, links = pairing_evidence(use, a, b, vectors, min_cover)
            out.append(Evidence(*ev, final=use is final, links=links if use is final else None))
        return out

    return scorer


def quick_params() -> EmbeddingParams:
    """The quick first pass that pairing aligns candidates with: default settings, no joined-run embeddings,
    and no peel (it only names a merge's unsupported edge sentences and never moves a link or changes its
    score, so the cover is the same; it took a third of pairing's time, most on shuffled controls)."""
    return EmbeddingParams(exact_overlaps=False, peel="off")


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



"""Corpus mode's pair stage: candidates judged by their alignment, then kept one-to-one.

Free translations split and merge sentences, and sibling chapters of one
book look alike sentence by sentence, so neither cosine margins nor
one-to-one best matches decide: a document's best few candidates (the cheap
ranking of ``ranking``) are aligned with a quick first pass, and a pair must
cover enough of both texts with confident links and more than any rival of
either document (``evidence``, ``Thresholds``). A one-to-one assignment
(best cover first) keeps the pairs; the rest are reported as having no
translation in the folder, with their closest candidate and the test it failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .. import langid
from ..aligners import EmbeddingAligner, EmbeddingParams
from ..documents import Document
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
    control: float = -1.0  # cover with one side shuffled (-1: not needed, the texts are long)
    test: str | None = None  # the first test failed (cover, side, lead), None when it passes
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

    Every test reads the quick alignment of the two texts (confident links of
    any bead type on a monotone path, ``evidence.coverage_of``): free translations
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
    control: float = -1.0  # cover with the target shuffled (``evidence.pairing_evidence``); -1: not needed


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
    scorer = scorer or evidence_scorer(encoder, min_cover=th.min_cover)
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


def evidence_scorer(encoder, min_cover: float = 0.0) -> Scorer:
    """Candidates' evidence as corpus mode reads it (``evidence.pairing_evidence`` of the quick pass), one
    after the other in this process."""
    quick = EmbeddingAligner(encoder, quick_params())
    return lambda pairs: [Evidence(*pairing_evidence(quick, a, b, min_cover)) for a, b in pairs]


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



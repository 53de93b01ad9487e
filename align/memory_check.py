"""Re-check an existing translation memory by meaning: does each unit's target translate its source?

A memory is read as a stream (any format ``align convert`` reads) and embedded
block by block through the project's cached encoder, so memory stays flat and
an interrupted run resumes from the cache. Each unit is scored against the
memory itself (``align.memory_score``): a unit is ``misaligned`` when, at its
score, a non-translation is likelier than a translation by this memory's own
null (random pairs of its units), or when a neighbour's segment fits it about
as well as its own does (a shift by one) and it is not clearly a translation.

Findings per unit: ``misaligned`` (naming the neighbour unit the target or
source belongs to, when the memory keeps document order), ``low-similarity``
(a partial translation: one side far longer than this memory's pairs usually
are, and which side says more), ``untranslated``, ``empty``, ``duplicate``,
``inconsistent`` (one source, several targets) and the value and name checks
of ``align pair`` (``align.checks``), run block by block.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

import numpy as np

from . import checks, langid
from .markup import running_text
from .documents import Alignment, Divergence, Document, Link, Sentence, clean_text
from .errors import InputError
from .memory_score import LENGTH_FREE, Centre, Rule, background, robust_z, same_text, unit_scores

BLOCK = 1024  # units embedded and checked at a time (memory stays flat)
WINDOW = 32  # units on each side of a block that join its background
ERROR_POSTERIOR = 0.9  # a non-translation this likely (or a neighbour that fits better) is an error
NEIGHBOUR_GAP = 0.02  # a neighbour's segment this much closer than the unit's own: it belongs there
LENGTH_PARTIAL = 2.5  # beyond this a side says more (or beyond LENGTH_FREE with a below-median margin)
UNTRANSLATED_SHARE = 0.5  # targets sharing this share of their words with the source are checked for its language
# the checks of align pair that make sense on stored pairs, each with the kinds it reports
PAIR_CHECKS: tuple[tuple[Callable[[Alignment], list[Divergence]], tuple[str, ...]], ...] = (
    (checks.values_mismatch, ("number-mismatch", "phone-mismatch", "email-mismatch", "url-mismatch")),
    (checks.names_mismatch, ("name-mismatch",)), (checks.damaged_text, ("damaged-text",)),
    (checks.mixed_script, ("mixed-script",)))
MEANING_KINDS = ("misaligned", "low-similarity", "untranslated", "empty", "duplicate", "inconsistent")
KINDS = MEANING_KINDS + tuple(kind for _, kinds in PAIR_CHECKS for kind in kinds)


@dataclass
class Finding:
    """One thing wrong with one unit (0-based ``unit``), worded for a translator."""

    unit: int
    kind: str
    severity: str  # error | warning | note
    message: str
    details: dict = field(default_factory=dict)


@dataclass
class MemoryCheck:
    """Every unit's score and every finding of one memory."""

    path: str
    src_lang: str
    tgt_lang: str
    scores: np.ndarray  # one per unit, in [0, 1]; 0 for units with an empty side
    findings: list[Finding]
    seconds: float = 0.0
    embedded: int = 0  # segments the encoder really embedded (the rest came from the cache)
    encoder: str = ""
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage, and "STAGE cpu" (CPU seconds)
    # per unit: csls, local (shift margin), log_ratio, ok; and null (random pairs): to re-judge with another Rule
    evidence: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def units(self) -> int:
        return len(self.scores)

    def by_unit(self) -> dict[int, list[Finding]]:
        out: dict[int, list[Finding]] = {}
        for f in self.findings:
            out.setdefault(f.unit, []).append(f)
        return out


@dataclass
class _Block:
    """A block of units as read and embedded (vectors are dropped once its neighbours are scored)."""

    start: int
    src: list[str]
    tgt: list[str]
    S: np.ndarray
    T: np.ndarray
    ok: np.ndarray  # both sides non-empty


@dataclass
class _Features:
    """Per-unit numbers kept for the whole memory (a few floats each: flat enough for millions)."""

    sim: list[np.ndarray] = field(default_factory=list)
    csls: list[np.ndarray] = field(default_factory=list)  # cosine over the best competitors' (whole window)
    local: list[np.ndarray] = field(default_factory=list)  # cosine over the next units' (a shift)
    null: list[np.ndarray] = field(default_factory=list)  # csls of random pairs: what non-translations score
    log_ratio: list[np.ndarray] = field(default_factory=list)
    # cosine of this unit's target with the previous / next unit's source, and of its source with their targets
    nb: list[np.ndarray] = field(default_factory=list)

    def stack(self) -> tuple[np.ndarray, ...]:
        cat = (lambda xs, shape: np.concatenate(xs) if xs else np.zeros(shape, np.float32))
        return (cat(self.sim, 0), cat(self.csls, 0), cat(self.local, 0), cat(self.null, 0), cat(self.log_ratio, 0),
                cat(self.nb, (0, 4)))


class _Clock:
    """Seconds spent per stage of a check: wall time, and CPU time (all threads; what a busy machine hides)."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._t, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, stage: str) -> None:
        """Charge the time since the last lap to ``stage`` (and its CPU time to ``stage cpu``)."""
        now, cpu = time.perf_counter(), time.process_time()
        self.stages[stage] = self.stages.get(stage, 0.0) + now - self._t
        self.stages[f"{stage} cpu"] = self.stages.get(f"{stage} cpu", 0.0) + cpu - self._cpu
        self._t, self._cpu = now, cpu


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _blocks(units: Iterator, encoder, size: int, progress, centre: Centre, clock: _Clock) -> Iterator[_Block]:
    """Read, clean and embed the memory ``size`` units at a time."""
    start, src, tgt = 0, [], []
    dims: list[int] = []

    def embed() -> _Block:
        clock.lap("read")
        ok = np.array([bool(s) and bool(t) for s, t in zip(src, tgt)], dtype=bool)
        texts = [s for s, o in zip(src, ok) if o] + [t for t, o in zip(tgt, ok) if o]
        if not texts and not dims:  # a block of empty units only: its zero vectors still need the model's width
            dims.append(encoder.encode(["."]).shape[1])
        vecs = encoder.encode(texts) if texts else np.zeros((0, dims[0]), np.float32)
        mem = getattr(encoder, "_mem", None)
        if isinstance(mem, dict):  # the cache's in-process copy would grow with the memory; disk is enough to resume
            mem.clear()
        dim = vecs.shape[1]
        if not dims:
            dims.append(dim)
        S = np.zeros((len(src), dim), np.float32)
        T = np.zeros((len(src), dim), np.float32)
        n = int(ok.sum())
        S[ok], T[ok] = vecs[:n], vecs[n:]
        if n:
            centre.add(vecs[:n], vecs[n:])
        clock.lap("embed")
        return _Block(start, list(src), list(tgt), S, T, ok)

    for unit in units:
        src.append(clean_text(unit.src))
        tgt.append(clean_text(unit.tgt))
        if len(src) == size:
            yield embed()
            start += len(src)
            src.clear(), tgt.clear()
            if progress:
                progress(start)
    if src:
        yield embed()
        if progress:
            progress(start + len(src))


def _log_ratio(src: list[str], tgt: list[str]) -> np.ndarray:
    return np.array([math.log((len(s) + 10) / (len(t) + 10)) for s, t in zip(src, tgt)], np.float32)


def _alignment(path: str, src_lang: str, tgt_lang: str, src: list[str], tgt: list[str]) -> tuple[Alignment, list[int]]:
    """A block's complete units as an Alignment (one sentence per paragraph per side), for align.checks."""
    keep = [k for k, (s, t) in enumerate(zip(src, tgt)) if s and t]

    def doc(lang: str, segs: list[str]) -> Document:
        sentences, paragraphs, pos = [], [], 0
        for k, seg in enumerate(segs):
            sentences.append(Sentence(seg, pos, pos + len(seg), k))
            paragraphs.append((pos, pos + len(seg)))
            pos += len(seg) + 2
        text = "\n\n".join(segs)
        return Document(path, f"{Path(path).name}#{lang}", text, lang, paragraphs, sentences, (0, len(text)),
                        [lang] * len(segs))

    s_doc, t_doc = doc(src_lang, [src[k] for k in keep]), doc(tgt_lang, [tgt[k] for k in keep])
    links = [Link((i,), (i,), 1.0) for i in range(len(keep))]
    return Alignment(s_doc, t_doc, links, method="memory"), keep


def _pair_checks(path: str, block: _Block, src_lang: str, tgt_lang: str,
                 runs: Callable[[str], bool]) -> list[Finding]:
    """The value and name checks of ``align pair`` on a block's complete units (those ``runs`` selects)."""
    al, keep = _alignment(path, src_lang, tgt_lang, block.src, block.tgt)
    out = []
    for check, kinds in PAIR_CHECKS:
        if not any(runs(kind) for kind in kinds):
            continue  # the name check costs ~3 ms a unit: --skip-checks name-mismatch saves it
        for d in check(al):
            k = (d.src or d.tgt)[0]
            details = {key: v for key, v in d.details.items() if not key.endswith("_location")}
            out.append(Finding(block.start + keep[k], d.kind, d.severity, d.message, details))
    return out


_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _cjk(text: str) -> bool:
    """Chinese, Japanese or Korean running text (no spaces between words for _prose to count): 4+ characters."""
    return len(_CJK.findall(text)) >= 4


def _shared_words(s: str, t: str) -> float:
    """Share of the target's words that are also in the source (case-folded)."""
    tw = [w for w in t.casefold().split() if any(c.isalpha() for c in w)]
    if not tw:
        return 0.0
    sw = set(s.casefold().split())
    return sum(w in sw for w in tw) / len(tw)


def _untranslated(block: _Block, src_lang: str, tgt_lang: str) -> list[Finding]:
    """Targets that repeat the source, or that share most of its words and are in its language.

    Language identification costs ~10-20 ms a segment, so it only runs where
    half the target's words are the source's (a copy, maybe edited): a
    translation into another language rarely shares that many.
    """
    out = []
    code = src_lang.split("-")[0].lower()
    for k in np.where(block.ok)[0]:
        s, t = block.src[k], block.tgt[k]
        if not (running_text(t) or _cjk(t)):
            continue
        if s.casefold() == t.casefold():
            out.append(Finding(block.start + int(k), "untranslated", "error",
                               f"The target repeats the source word for word: \"{_clip(t)}\"."))
        elif _shared_words(s, t) >= UNTRANSLATED_SHARE and langid.other_language(t, tgt_lang) == code:
            out.append(Finding(block.start + int(k), "untranslated", "warning",
                               f"The target is still in {checks.lang_name(code)}: \"{_clip(t)}\"."))
    return out


class _Repeats:
    """Exact duplicates and one source with several targets, found with a digest per source (flat memory)."""

    def __init__(self) -> None:
        self.first: dict[bytes, tuple[int, bytes]] = {}  # source digest -> (first unit, its target's digest)
        self.seen_pairs: dict[bytes, int] = {}
        self.targets: dict[bytes, set[bytes]] = {}

    @staticmethod
    def _digest(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()

    def check(self, unit: int, s: str, t: str) -> Optional[Finding]:
        if not (s and t):
            return None
        ds, dt = self._digest(s), self._digest(t)
        pair = ds + dt
        if pair in self.seen_pairs:
            return Finding(unit, "duplicate", "note",
                           f"An exact copy of unit {self.seen_pairs[pair] + 1}.", {"copy_of": self.seen_pairs[pair]})
        self.seen_pairs[pair] = unit
        if ds not in self.first:
            self.first[ds] = (unit, dt)
            return None
        other, _ = self.first[ds]
        targets = self.targets.setdefault(ds, {self.first[ds][1]})
        targets.add(dt)
        return Finding(unit, "inconsistent", "warning",
                       f"The same source as unit {other + 1} has a different target here ({len(targets)} different "
                       f"targets so far): \"{_clip(s)}\".", {"same_source_as": other})


def check_memory(path: str | Path, encoder, fmt: Optional[str] = None, src_lang: Optional[str] = None,
                 tgt_lang: Optional[str] = None, block: int = BLOCK,
                 progress: Optional[Callable[[int], None]] = None,
                 runs: Callable[[str], bool] = lambda kind: True) -> MemoryCheck:
    """Score and check every unit of a memory file; see the module docstring for what is found.

    ``runs(kind)`` says which of align pair's value and name checks to run (all by default).
    """
    from .export.formats import read_bitext

    t0 = time.perf_counter()
    embedded0 = getattr(getattr(encoder, "stats", None), "embedded", 0)
    bt = read_bitext(path, fmt, src_lang, tgt_lang)
    s_lang, t_lang = bt.src_lang.split("-")[0].lower(), bt.tgt_lang.split("-")[0].lower()
    feats = _Features()
    findings: list[Finding] = []
    repeats = _Repeats()
    oks: list[np.ndarray] = []
    prev: Optional[_Block] = None
    centre = Centre()
    clock = _Clock()

    def score(cur: _Block, before: Optional[_Block], after: Optional[_Block]) -> None:
        """Score ``cur`` with the edges of its neighbouring blocks as background."""
        head = min(WINDOW, len(before.src)) if before else 0
        tail = min(WINDOW, len(after.src)) if after else 0

        def joined(attr: str) -> np.ndarray:
            pieces = [getattr(before, attr)[len(before.src) - head:]] if before and head else []
            pieces.append(getattr(cur, attr))
            if after and tail:
                pieces.append(getattr(after, attr)[:tail])
            return np.concatenate(pieces)

        ok = joined("ok")
        S = np.where(ok[:, None], centre.apply(joined("S"), "s"), 0.0).astype(np.float32)
        T = np.where(ok[:, None], centre.apply(joined("T"), "t"), 0.0).astype(np.float32)
        texts = [(before.src[len(before.src) - head:], before.tgt[len(before.tgt) - head:])] if before and head else []
        texts.append((cur.src, cur.tgt))
        if after and tail:
            texts.append((after.src[:tail], after.tgt[:tail]))
        same = same_text([x for s, _ in texts for x in s], [x for _, t in texts for x in t])
        got = background(S, T, ok, head, head + len(cur.src), same)
        feats.sim.append(got.sim), feats.csls.append(got.csls), feats.local.append(got.local)
        feats.null.append(got.null), feats.nb.append(got.nb)
        feats.log_ratio.append(_log_ratio(cur.src, cur.tgt))
        oks.append(cur.ok)
        clock.lap("score")
        for k, (s, t) in enumerate(zip(cur.src, cur.tgt)):
            unit = cur.start + k
            if not s or not t:
                side = "source" if not s and t else "target" if s else "source and target"
                findings.append(Finding(unit, "empty", "error", f"The {side} of this unit is empty."))
                continue
            found = repeats.check(unit, s, t)
            if found:
                findings.append(found)
        clock.lap("repeats")
        findings.extend(_untranslated(cur, s_lang, t_lang))
        clock.lap("untranslated")
        findings.extend(_pair_checks(str(path), cur, s_lang, t_lang, runs))
        clock.lap("value and name checks")

    before: Optional[_Block] = None
    for blk in _blocks(iter(bt), encoder, block, progress, centre, clock):
        if prev is not None:
            score(prev, before, blk)
            before = prev
        prev = blk
    if prev is not None:
        score(prev, before, None)
    ok = np.concatenate(oks) if oks else np.zeros(0, bool)
    if not ok.any():
        raise InputError(f"{path}: no translation units with both languages")
    clock.lap("read")
    scores, meaning_findings, evidence = _judge(feats, ok, findings)
    findings.extend(meaning_findings)
    findings.sort(key=lambda f: (f.unit, {"error": 0, "warning": 1, "note": 2}[f.severity], f.kind))
    clock.lap("judge")
    embedded = getattr(getattr(encoder, "stats", None), "embedded", 0) - embedded0
    return MemoryCheck(str(path), bt.src_lang, bt.tgt_lang, scores, findings, time.perf_counter() - t0, embedded,
                       getattr(encoder, "name", ""), clock.stages, evidence)


def count_units(path: str | Path, fmt: Optional[str] = None, src_lang: Optional[str] = None,
                tgt_lang: Optional[str] = None) -> int:
    """Units in a memory (a quick streamed pass: what a progress bar's ETA needs)."""
    from .export.formats import read_bitext

    return sum(1 for _ in read_bitext(path, fmt, src_lang, tgt_lang))


def keeps(finding: Finding, select) -> bool:
    """Whether a ``--min-severity`` / ``--checks`` / ``--skip-checks`` selection (align.checks) reports it."""
    from .checks import SEVERITY_ORDER

    ran = (not select.only or finding.kind in select.only) and finding.kind not in select.skip
    return ran and SEVERITY_ORDER[finding.severity] <= SEVERITY_ORDER[select.min_severity]


def _judge(feats: _Features, ok: np.ndarray, findings: list[Finding]) -> tuple[np.ndarray, list[Finding], dict]:
    """Turn the per-unit numbers into scores and meaning findings, once the whole memory is known."""
    sim, csls, local, null, log_ratio, nb = feats.stack()
    p_bad, shift, lz, scores = unit_scores(csls, local, null, log_ratio, ok)
    bads = Rule().misaligned(p_bad, shift)
    mz = robust_z(csls, ok)
    untranslated = {f.unit for f in findings if f.kind == "untranslated"}
    for u in untranslated:
        scores[u] = min(scores[u], 0.1)  # its sides do not translate each other, however close the vectors
    out = []
    med = float(np.median(sim[ok]))
    usual = med - 1.4826 * float(np.median(np.abs(sim[ok] - med)))
    for u in np.where(ok)[0]:
        u = int(u)
        if u in untranslated:
            continue
        if bads[u]:
            hits = _neighbour_units(u, sim, float(sim[u] - local[u]) if np.isfinite(local[u]) else 1.0, nb[u], usual)
            severity = "error" if p_bad[u] > ERROR_POSTERIOR or hits else "warning"
            where = _neighbour(hits, u) or (
                " Its target seems to translate something else (or its source is a different sentence).")
            out.append(Finding(u, "misaligned", severity,
                               f"The two sides do not look like translations of each other (score {scores[u]:.2f})."
                               + where, {"score": round(float(scores[u]), 4),
                                         "non_translation": round(float(p_bad[u]), 4),
                                         "margin": round(float(csls[u]), 4), "similarity": round(float(sim[u]), 4),
                                         "belongs_to": hits}))
        elif abs(lz[u]) > LENGTH_PARTIAL or (abs(lz[u]) > LENGTH_FREE and mz[u] < 0):
            extra = "source" if lz[u] > 0 else "target"
            other = "target" if extra == "source" else "source"
            factor = math.exp(abs(log_ratio[u] - float(np.median(log_ratio[ok]))))
            out.append(Finding(u, "low-similarity", "warning",
                               f"The {extra} says more: measured against the {other}, it is {factor:.1f} times as "
                               f"long as in this memory's other units, so the {other} probably leaves part of it out "
                               f"(a partial translation).",
                               {"extra": extra, "length_z": round(float(lz[u]), 2),
                                "score": round(float(scores[u]), 4)}))
    return scores, out, {"csls": csls, "local": local, "null": null, "log_ratio": log_ratio, "ok": ok}


def _neighbour_units(u: int, sims: np.ndarray, bg: float, nb: np.ndarray, usual: float) -> list[dict]:
    """Neighbouring units whose other side fits this unit's target or source better than its own does.

    A neighbour counts when it beats the unit's own pairing by NEIGHBOUR_GAP
    and would itself pass as a translation (above the local background ``bg``
    by the same gap, and at least ``usual``: one robust spread under this
    memory's median cosine), and fits better than the neighbour's own partner
    does: against an unrelated target every neighbour is "better".
    """
    n, sim = len(sims), float(sims[u])
    rel = (("target", u - 1), ("target", u + 1), ("source", u - 1), ("source", u + 1))
    best: dict[str, dict] = {}
    for c, (mine, other) in enumerate(rel):
        if not 0 <= other < n:
            continue
        if nb[c] > sim + NEIGHBOUR_GAP and nb[c] > bg + NEIGHBOUR_GAP and nb[c] >= usual and nb[c] > sims[other]:
            if mine not in best or nb[c] > best[mine]["similarity"]:
                best[mine] = {"side": mine, "unit": other, "similarity": round(float(nb[c]), 4)}
    return list(best.values())


def _neighbour(hits: list[dict], u: int) -> str:
    """The neighbours in words: "Its target translates the source of the next unit (19) ..."."""
    parts = []
    for hit in hits:
        theirs = "source" if hit["side"] == "target" else "target"
        which = "previous" if hit["unit"] < u else "next"
        parts.append(f"its {hit['side']} matches the {theirs} of the {which} unit ({hit['unit'] + 1}) better")
    if not parts:
        return ""
    shifted = len(hits) == 2 and hits[0]["unit"] != hits[1]["unit"]
    tail = ": the memory is shifted by one unit here." if shifted else ": it probably belongs there."
    return " " + " and ".join(parts)[0].upper() + " and ".join(parts)[1:] + tail

"""The embedding aligner: margin-scored beads, a wide first pass, a narrow second.

Each sentence is embedded once. A bead of several sentences is scored with the
normalised sum of its sentence vectors, except 2-sentence merges inside one
paragraph, which get their own embedding of the joined text (the second pass
only embeds the ones near the first pass's path). Similarities are turned into
margins (cosine minus the mean similarity of each side's nearest neighbours),
which removes the hubness of small encoders such as e5-small, whose cosines
crowd between 0.75 and 0.95. A length-ratio prior, a cost for merges and for
crossing a paragraph boundary complete the gain of a bead.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field

import numpy as np

from ..documents import Link
from .dp import band_around, full_band, run_dp

_DIGITS = re.compile(r"\d+")
BEADS = [(1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 4), (4, 1)]


@dataclass
class EmbeddingParams:
    """Settings of the embedding aligner (tuned on Text+Berg, see eval/RESULTS.md)."""

    knn: int = 4
    skip: float = -0.02  # gain of leaving one sentence unaligned
    merge: float = 0.015  # cost per extra sentence in a bead
    cross_paragraph: float = 0.05  # cost of a bead spanning a paragraph break
    length_weight: float = 0.02  # weight of the squared log length ratio
    numbers: float = 0.04  # cost when the numbers of the two sides disagree (scaled by the share unmatched)
    foreign: float = 0.05  # cost of pairing a sentence in a third language (e.g. Finnish boilerplate)
    rescue: float = 0.5  # confidence needed to pair leftover sentences out of order
    rescue_window: int = 12  # how far apart (in sentences) such out-of-order pairs may be
    exact_overlaps: bool = True  # embed 2-sentence merges instead of summing vectors
    full_limit: int = 4_000_000  # n*m above which the first pass is banded
    corridor: int = 1000  # half-width of that first-pass corridor
    width: int = 8  # half-width of the second-pass band around the first path
    score_center: float = 0.0  # margin at which a link's confidence is 0.5
    score_scale: float = 0.03
    weight_power: float = 0.0
    margin_mode: str = "members"  # "members": mean of the members' kNN; "own": kNN of the bead vector
    neighbor_mix: float = 1.0
    length_model: str = "log"  # "log": squared log ratio; "gc": Gale-Church z-score squared / 2
    gc_var: float = 6.8  # sentence vectors are summed with weight len**power
    beads: list = field(default_factory=lambda: list(BEADS))


def _normalise(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-12)


def _runs(vecs: np.ndarray, a: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Row i (1-based end) holds the normalised sum of vecs[i-a:i]; rows < a are zero."""
    n, d = vecs.shape
    if weights is not None:
        vecs = vecs * weights[:, None].astype(np.float32)
    out = np.zeros((n + 1, d), dtype=np.float32)
    if a == 0 or a > n:
        return out
    c = np.vstack([np.zeros((1, d), dtype=np.float32), np.cumsum(vecs, axis=0, dtype=np.float32)])
    out[a:] = _normalise(c[a:] - c[:-a] if a else c)
    return out


def _prefix_mean(values: np.ndarray, a: int) -> np.ndarray:
    """Row i holds the mean of values[i-a:i] (values may be 1-D or 2-D)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    out = np.zeros((n + 1,) + values.shape[1:])
    if 0 < a <= n:
        c = np.concatenate([np.zeros((1,) + values.shape[1:]), np.cumsum(values, axis=0)])
        out[a:] = (c[a:] - c[:-a]) / a
    return out


NUMBER_DIM = 64


def number_vectors(texts: list[str]) -> np.ndarray:
    """Hashed bag of the digit runs of each text (leading zeros dropped), for cheap comparison."""
    out = np.zeros((len(texts), NUMBER_DIM))
    for k, text in enumerate(texts):
        for num in _DIGITS.findall(text):
            num = num.lstrip("0") or "0"
            out[k, zlib.crc32(num.encode()) % NUMBER_DIM] += 1
    return out


def _band_knn(X: np.ndarray, Y: np.ndarray, band: list[tuple[int, int]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the k best similarities of each sentence, looking only inside the band."""
    n, m = len(X), len(Y)
    kx = np.zeros(n)
    col_top = np.full((min(k, max(n, 1)), m), -1.0, dtype=np.float32)
    for start in range(0, n, 256):
        rows = range(start, min(n, start + 256))
        lo = min(band[i + 1][0] for i in rows)
        hi = max(band[i + 1][1] for i in rows)
        lo, hi = max(0, lo - 1), min(m, hi)
        sims = X[start:start + len(rows)] @ Y[lo:hi].T
        kk = min(k, sims.shape[1])
        if kk:
            part = np.partition(sims, -kk, axis=1)[:, -kk:]
            kx[start:start + len(rows)] = part.mean(axis=1)
        kc = min(col_top.shape[0], sims.shape[0])
        if kc:
            top = np.partition(sims, -kc, axis=0)[-kc:, :]
            merged = np.vstack([col_top[:, lo:hi], top])
            col_top[:, lo:hi] = np.partition(merged, -col_top.shape[0], axis=0)[-col_top.shape[0]:, :]
    ky = np.where(col_top > -1.0, col_top, np.nan)
    ky = np.nan_to_num(np.nanmean(ky, axis=0), nan=0.0) if m else np.zeros(0)
    return kx, ky


def _knn_rows(A: np.ndarray, B: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros(len(A))
    kk = min(k, len(B))
    for start in range(0, len(A), 512):
        sims = A[start:start + 512] @ B.T
        out[start:start + 512] = np.partition(sims, -kk, axis=1)[:, -kk:].mean(axis=1)
    return out


class EmbeddingAligner:
    """Aligns two sentence lists with an encoder (see the module docstring)."""

    name = "embedding"

    def __init__(self, encoder, params: EmbeddingParams | None = None):
        self.encoder = encoder
        self.p = params or EmbeddingParams()

    def align(self, src: list[str], tgt: list[str], src_paras: list[int] | None = None,
              tgt_paras: list[int] | None = None, src_foreign: list[bool] | None = None,
              tgt_foreign: list[bool] | None = None) -> list[Link]:
        """Links in source order; see ``rescue_reordered`` for the only ones that may cross."""
        n, m = len(src), len(tgt)
        if n == 0 or m == 0:
            return [Link((i,), ()) for i in range(n)] + [Link((), (j,)) for j in range(m)]
        p = self.p
        src_paras = src_paras or [0] * n
        tgt_paras = tgt_paras or [0] * m
        vecs = self.encoder.encode(list(src) + list(tgt))
        X, Y = vecs[:n], vecs[n:]
        if n * m <= p.full_limit:
            band1 = full_band(n, m)
        else:
            diag = [(i, round(i * m / n)) for i in range(n + 1)]
            band1 = band_around(diag, n, m, max(p.corridor, abs(n - m) + p.width))
        kx, ky = _band_knn(X, Y, band1, p.knn)
        state = _State(p, src, tgt, X, Y, kx, ky, src_paras, tgt_paras,
                       src_foreign or [False] * n, tgt_foreign or [False] * m)
        beads = run_dp(n, m, p.beads, state.gain, band1)
        if p.exact_overlaps:
            path = [(i, j) for i0, i1, j0, j1 in beads for i, j in ((i0, j0), (i1, j1))]
            band2 = band_around(path, n, m, p.width)
            state.embed_exact_pairs(self.encoder, band2)
            beads = run_dp(n, m, p.beads, state.gain, band2)
        links = [state.link(*bead) for bead in beads]
        return rescue_reordered(links, state)


class _State:
    """Precomputed vectors and statistics; ``gain`` is what the DP calls per row."""

    def __init__(self, p, src, tgt, X, Y, kx, ky, src_paras, tgt_paras, src_foreign, tgt_foreign):
        self.p = p
        self.src, self.tgt = src, tgt
        self.X, self.Y = X, Y
        sizes = sorted({a for a, _ in p.beads} | {b for _, b in p.beads})
        ws = np.array([max(1, len(s)) for s in src], dtype=float) ** p.weight_power
        wt = np.array([max(1, len(t)) for t in tgt], dtype=float) ** p.weight_power
        self.XA = {a: _runs(X, a, ws) for a in sizes if a}
        self.YB = {b: _runs(Y, b, wt) for b in sizes if b}
        self.KX = {a: _prefix_mean(kx, a) for a in sizes if a}
        self.KY = {b: _prefix_mean(ky, b) for b in sizes if b}
        if p.margin_mode == "own":
            self.own_knn()
        ls = np.array([len(s) for s in src], dtype=float)
        lt = np.array([len(t) for t in tgt], dtype=float)
        self.LS = {a: _prefix_mean(ls, a) * a for a in sizes if a}
        self.LT = {b: _prefix_mean(lt, b) * b for b in sizes if b}
        self.mu = math.log((ls.sum() + 1) / (lt.sum() + 1))
        self.c = (lt.sum() + 1) / (ls.sum() + 1)
        ns, nt = number_vectors(src), number_vectors(tgt)
        self.NS = {a: _prefix_mean(ns, a) * a for a in sizes if a}
        self.NT = {b: _prefix_mean(nt, b) * b for b in sizes if b}
        fs = np.array(src_foreign, dtype=float)
        ft = np.array(tgt_foreign, dtype=float)
        self.FS = {a: _prefix_mean(fs, a) for a in sizes if a}
        self.FT = {b: _prefix_mean(ft, b) for b in sizes if b}
        # paragraph breaks inside a run ending at i: para[i-1] != para[i-a]
        self.sp = np.array(src_paras)
        self.tp = np.array(tgt_paras)

    def _crosses_src(self, i: int, a: int) -> bool:
        return a > 1 and self.sp[i - 1] != self.sp[i - a]

    def _crosses_tgt(self, j0: int, j1: int, b: int) -> np.ndarray:
        ends = np.arange(j0, j1)
        out = np.zeros(j1 - j0, dtype=bool)
        if b > 1:
            ok = ends >= b
            out[ok] = self.tp[ends[ok] - 1] != self.tp[ends[ok] - b]
        return out

    def embed_exact_pairs(self, encoder, band):
        """Embed joined 2-sentence runs inside one paragraph near the path; use them as vectors."""
        if 2 not in self.XA:
            return
        rows = sorted({i for i, (lo, hi) in enumerate(band) if i >= 2})
        cols = sorted({j for lo, hi in band for j in range(max(lo, 2), hi)})
        src_idx = [i for i in rows if self.sp[i - 1] == self.sp[i - 2]]
        tgt_idx = [j for j in cols if self.tp[j - 1] == self.tp[j - 2]]
        texts = [self.src[i - 2] + " " + self.src[i - 1] for i in src_idx]
        texts += [self.tgt[j - 2] + " " + self.tgt[j - 1] for j in tgt_idx]
        if not texts:
            return
        vecs = encoder.encode(texts)
        if src_idx:
            self.XA[2][src_idx] = vecs[:len(src_idx)]
        if tgt_idx:
            self.YB[2][tgt_idx] = vecs[len(src_idx):]
        if self.p.margin_mode == "own":
            self.own_knn()

    def own_knn(self):
        k = self.p.knn
        for a, V in self.XA.items():
            if a > 1:
                self.KX[a] = _knn_rows(V, self.Y, k)
        for b, V in self.YB.items():
            if b > 1:
                self.KY[b] = _knn_rows(V, self.X, k)

    def margin(self, a: int, b: int, i: int, j0: int, j1: int) -> np.ndarray:
        x = self.XA[a][i]
        yb = self.YB[b][j0:j1]
        sims = yb @ x
        if self.p.margin_mode == "neighbors":
            n, m = len(self.X), len(self.Y)
            js = np.arange(j0, j1)
            sy = self.Y @ x  # x against every target sentence
            left = np.where(js - b - 1 >= 0, sy[np.clip(js - b - 1, 0, m - 1)], np.nan)
            right = np.where(js < m, sy[np.clip(js, 0, m - 1)], np.nan)
            tgt_nb = np.nanmean(np.vstack([left, right]), axis=0)
            cols = [self.X[i - a - 1]] if i - a - 1 >= 0 else []
            cols += [self.X[i]] if i < n else []
            src_nb = (yb @ np.stack(cols).T).mean(axis=1)
            nb = 0.5 * (np.nan_to_num(tgt_nb, nan=0.0) + src_nb)
            if self.p.neighbor_mix < 1:
                nb = self.p.neighbor_mix * nb + (1 - self.p.neighbor_mix) * 0.5 * (self.KX[a][i] + self.KY[b][j0:j1])
            return sims - nb
        return sims - 0.5 * (self.KX[a][i] + self.KY[b][j0:j1])

    def evidence(self, a: int, b: int, i: int, j0: int, j1: int) -> np.ndarray:
        """How strongly the bead's two sides look like translations (margin minus mismatch costs)."""
        p = self.p
        g = self.margin(a, b, i, j0, j1)
        if p.length_model == "gc":
            ls, lt = self.LS[a][i], self.LT[b][j0:j1]
            z = (lt - ls * self.c) / np.sqrt(p.gc_var * (ls + lt / self.c) / 2 + 1)
            g = g - p.length_weight * z ** 2 / 2
        else:
            ratio = np.log((self.LS[a][i] + 1) / (self.LT[b][j0:j1] + 1)) - self.mu
            g = g - p.length_weight * ratio ** 2
        if p.numbers:
            ns, nt = self.NS[a][i], self.NT[b][j0:j1]
            total = ns.sum() + nt.sum(axis=1)
            diff = np.abs(nt - ns).sum(axis=1)
            g = g - p.numbers * np.divide(diff, total, out=np.zeros_like(diff), where=total > 0)
        if p.foreign:
            g = g - p.foreign * np.maximum(self.FS[a][i], self.FT[b][j0:j1])
        return g

    def gain(self, a: int, b: int, i: int, j0: int, j1: int) -> np.ndarray:
        """Evidence minus the structural costs (merges, paragraph crossings); what the DP sums."""
        p = self.p
        if a == 0 or b == 0:
            return np.full(j1 - j0, p.skip)
        g = self.evidence(a, b, i, j0, j1) - p.merge * (a + b - 2)
        if self._crosses_src(i, a):
            g = g - p.cross_paragraph
        return g - p.cross_paragraph * self._crosses_tgt(j0, j1, b)

    def link(self, i0: int, i1: int, j0: int, j1: int) -> Link:
        src, tgt = tuple(range(i0, i1)), tuple(range(j0, j1))
        if not src or not tgt:
            return Link(src, tgt, 0.0)
        ev = float(self.evidence(i1 - i0, j1 - j0, i1, j1, j1 + 1)[0])
        z = (ev - self.p.score_center) / self.p.score_scale
        return Link(src, tgt, round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 4))


def rescue_reordered(links: list[Link], state: _State) -> list[Link]:
    """Pair leftover sentences that are clearly translations of each other but out of order.

    A monotone alignment cannot link both a title and a date that swapped
    places (the Swedish release puts its title first, the English one its
    date). Sentences the DP left unpaired on both sides are matched here when
    they are each other's best candidate, close enough in the documents and
    confident; the link is placed at the source sentence's position and is the
    only kind that may cross others (the checks report it as reordering).
    """
    p = state.p
    lonely_src = [l.src[0] for l in links if l.src and not l.tgt]
    lonely_tgt = [l.tgt[0] for l in links if l.tgt and not l.src]
    if not lonely_src or not lonely_tgt:
        return links
    # where each side sits relative to the other, to measure distance
    pos_tgt_of_src: dict[int, float] = {}
    last_j = 0
    for l in links:
        if l.tgt:
            last_j = l.tgt[-1] + 1
        for i in l.src:
            pos_tgt_of_src[i] = last_j
    cand = []
    for i in lonely_src:
        for j in lonely_tgt:
            if abs(pos_tgt_of_src[i] - j) > p.rescue_window:
                continue
            g = float(state.evidence(1, 1, i + 1, j + 1, j + 2)[0])
            cand.append((-g, i, j))
    cand.sort()  # best first; among equals (a duplicated title) the earlier sentence
    used_s, used_t, pairs = set(), set(), {}
    for _, i, j in cand:
        if i in used_s or j in used_t:
            continue
        link = state.link(i, i + 1, j, j + 1)
        if link.score < p.rescue:
            break
        used_s.add(i)
        used_t.add(j)
        pairs[i] = link
    if not pairs:
        return links
    out = []
    for l in links:
        if l.src and not l.tgt and l.src[0] in pairs:
            out.append(pairs[l.src[0]])
        elif l.tgt and not l.src and l.tgt[0] in used_t:
            continue
        else:
            out.append(l)
    return out

"""The embedding aligner: margin-scored beads, a coarse first pass, a precise second.

Each sentence is embedded once. A bead of several sentences on one side is
first scored with the normalised sum of its sentence vectors; in the second
pass the runs that have a real chance of being part of the alignment (by
their posterior probability under the model, see below) get an embedding of
their joined text, and the bead is scored again with it. Only those runs are
embedded, so the cost of merges grows with the number of plausible merges,
not with the size of the documents.

The evidence that a bead's two sides translate each other is a margin: the
cosine minus a baseline, which removes the hubness of small encoders such as
e5-small, whose cosines crowd between 0.75 and 0.95. The baseline mixes the
similarity of each side to the sentences just before and after the other
side (which is what decides where a bead should end) with the mean of its k
nearest neighbours (which tells a generic sentence from a specific one). The
margin is then scaled by how well the character lengths agree, and adjusted
for shared names and numbers, for sentence-final punctuation that does not
agree and for sentences in a third language. Leaving a sentence unaligned,
merging and crossing a paragraph break have fixed costs.

The first pass finds the best path with a cheap version of that score (kNN
baseline, summed vectors) over the whole grid (or a wide corridor for long
documents); the second works in a narrow band around it.

A link's score is a probability. The posterior of the bead (forward-backward
over the band, gains divided by a temperature) is the probability that this
exact link is part of the alignment, given everything around it; it is low
where the boundaries are uncertain. But it can be high for a pair that is
merely the least bad option, so the score is the smaller of it and the
bead's own confidence, a logistic curve of its evidence without the
neighbour baseline (``_State.link``, also used for out-of-order pairs). On
Text+Berg both are well calibrated and the score tells exactly right links
from wrong ones with a ROC AUC of about 0.86 (the posterior alone: 0.88;
the plain evidence: 0.6); see eval/RESULTS.md.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from dataclasses import dataclass, field

import numpy as np

from ..documents import Link
from ._blas import one_blas_thread
from .dp import band_around, bead_posteriors, full_band, run_dp

BEADS = [(1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 4), (4, 1)]
COARSE_BEADS = [(1, 1), (1, 0), (0, 1), (1, 2), (2, 1)]


@dataclass
class EmbeddingParams:
    """Settings of the embedding aligner (tuned on Text+Berg, see eval/RESULTS.md)."""

    knn: int = 4
    neighbours: float = 0.75  # share of the margin's baseline taken from the adjacent sentences (rest: kNN)
    skip: float = -0.02  # gain of leaving one sentence unaligned
    merge: float = 0.0  # cost per extra sentence in a bead
    cross_paragraph: float = 0.05  # cost of a bead spanning a paragraph break
    length: bool = True  # scale the margin by the agreement of the character lengths
    lexical: float = 0.01  # weight of the names, numbers and cognates the two sides share
    punctuation: float = 0.02  # cost when the two sides end with different punctuation (. ? ! : ;)
    foreign: float = 0.1  # cost of pairing a sentence in a third language (e.g. Finnish boilerplate)
    rescue: float = 0.5  # confidence needed to pair leftover sentences out of order
    rescue_window: int = 12  # how far apart (in sentences) such out-of-order pairs may be
    exact_overlaps: bool = True  # embed the joined text of plausible multi-sentence runs
    exact_max: int = 3  # longest run embedded as one text
    exact_min_posterior: float = 0.01  # posterior a bead needs for its runs to be embedded
    exact_rounds: int = 2  # rounds of (posteriors, embed the new plausible runs)
    temperature: float = 0.01  # gains are divided by this for the posteriors (link scores)
    full_limit: int = 4_000_000  # n*m above which the first pass is banded
    corridor: int = 1000  # half-width of that first-pass corridor
    width: int = 8  # half-width of the second-pass band around the first path
    # ``_State.link``: confidence of a bead judged on its own, a logistic curve of its evidence fitted on
    # Text+Berg (gold 1-1 pairs against pairs shifted by one or two sentences, weighted equally)
    score_center: float = -0.017  # evidence at which that confidence is 0.5
    score_scale: float = 0.008
    # a link's score: "min" of its posterior and its own confidence (``_State.link``), so that a pair the
    # alignment is sure of but whose sentences do not look like translations still scores low;
    # "posterior" alone (best at telling exactly right links, see eval/RESULTS.md); "evidence" alone
    score_mode: str = "min"
    beads: list = field(default_factory=lambda: list(BEADS))
    coarse_beads: list = field(default_factory=lambda: list(COARSE_BEADS))  # first pass: finds the band only


def _normalise(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-12)


def _runs(vecs: np.ndarray, a: int) -> np.ndarray:
    """Row i (1-based end) holds the normalised sum of vecs[i-a:i]; rows < a are zero."""
    n, d = vecs.shape
    out = np.zeros((n + 1, d), dtype=np.float32)
    if a == 0 or a > n:
        return out
    c = np.vstack([np.zeros((1, d), dtype=np.float32), np.cumsum(vecs, axis=0, dtype=np.float32)])
    out[a:] = _normalise(c[a:] - c[:-a])
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


def _run_max(values: np.ndarray, a: int) -> np.ndarray:
    """Row i holds the elementwise maximum of values[i-a:i]; rows < a are zero."""
    n = len(values)
    out = np.zeros((n + 1,) + values.shape[1:], dtype=values.dtype)
    if 0 < a <= n:
        acc = values[a - 1:].copy()
        for k in range(1, a):
            np.maximum(acc, values[a - 1 - k:n - k], out=acc)
        out[a:] = acc
    return out


_WORD = re.compile(r"\w+")
LEXICAL_DIM = 128


def _anchor_tokens(text: str) -> set[str]:
    """Word forms that may be shared by a translation: words of 4+ letters and anything with a digit."""
    t = unicodedata.normalize("NFKD", text.lower())
    t = "".join(c for c in t if not unicodedata.combining(c))
    return {w.lstrip("0") or "0" if w.isdigit() else w
            for w in _WORD.findall(t) if len(w) >= 4 or any(c.isdigit() for c in w)}


def lexical_vectors(src: list[str], tgt: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hashed, idf-weighted presence of the word forms found on both sides (names, numbers, cognates).

    A word form found only on one side (most words) tells nothing and is left
    out. Weights are log(1 + N / df), so a name used once on each side counts
    more than a word found in every paragraph.
    """
    ts = [_anchor_tokens(x) for x in src]
    tt = [_anchor_tokens(x) for x in tgt]
    df_s: dict[str, int] = {}
    df_t: dict[str, int] = {}
    for toks, df in ((ts, df_s), (tt, df_t)):
        for sent in toks:
            for w in sent:
                df[w] = df.get(w, 0) + 1
    total = len(src) + len(tgt)
    weight = {w: math.log(1 + total / (df_s[w] + df_t[w])) for w in df_s.keys() & df_t.keys()}
    out = []
    for toks in (ts, tt):
        mat = np.zeros((len(toks), LEXICAL_DIM), dtype=np.float32)
        for r, sent in enumerate(toks):
            for w in sent:
                if w in weight:
                    k = zlib.crc32(w.encode()) % LEXICAL_DIM
                    mat[r, k] = max(mat[r, k], weight[w])
        out.append(mat)
    return out[0], out[1]


def end_class(text: str) -> int:
    """Which punctuation a sentence ends with: 1-5 for . ? ! : ; and 0 for anything else.

    Closing quotes and brackets are looked through, and an ellipsis counts as a full stop.
    """
    t = text.rstrip().rstrip("\"'»«“”„‘’)]} ")
    return ".?!:;".find(t[-1]) + 1 if t else 0


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
    with np.errstate(invalid="ignore"):
        ky = np.nan_to_num(np.nanmean(ky, axis=0), nan=0.0) if m else np.zeros(0)
    return kx, ky


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
        with one_blas_thread():
            return self._align(src, tgt, src_paras, tgt_paras, src_foreign, tgt_foreign)

    def _align(self, src, tgt, src_paras, tgt_paras, src_foreign, tgt_foreign) -> list[Link]:
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
        state.band1 = band1
        beads = run_dp(n, m, p.coarse_beads, state.coarse_gain, band1)
        path = [(i, j) for i0, i1, j0, j1 in beads for i, j in ((i0, j0), (i1, j1))]
        band = band_around(path, n, m, p.width)
        temperature = max(p.temperature, 1e-6)
        if p.exact_overlaps:
            for _ in range(p.exact_rounds):
                post = bead_posteriors(n, m, p.beads, state.table_gain(band), band, temperature)
                if not state.embed_runs(self.encoder, *state.plausible_runs(post, band)):
                    break
        gain = state.table_gain(band)
        beads = run_dp(n, m, p.beads, gain, band)
        post = bead_posteriors(n, m, p.beads, gain, band, temperature)
        links = []
        for i0, i1, j0, j1 in beads:
            link = state.link(i0, i1, j0, j1)
            if link.src and link.tgt:
                prob = float(post[(i1 - i0, j1 - j0)][i1][j1 - band[i1][0]])
                if p.score_mode == "min":
                    prob = min(prob, link.score)
                elif p.score_mode == "evidence":
                    prob = link.score
                link = Link(link.src, link.tgt, round(min(1.0, max(0.0, prob)), 4))
            links.append(link)
        return rescue_reordered(links, state)


class _State:
    """Precomputed vectors and statistics of one document pair; the DP asks it for gains."""

    def __init__(self, p, src, tgt, X, Y, kx, ky, src_paras, tgt_paras, src_foreign, tgt_foreign):
        self.p = p
        self.src, self.tgt = src, tgt
        self.n, self.m = len(src), len(tgt)
        self.X, self.Y = X, Y
        sizes = sorted(({a for a, _ in p.beads} | {b for _, b in p.beads}) - {0})
        self.XA = {a: _runs(X, a) for a in sizes}
        self.YB = {b: _runs(Y, b) for b in sizes}
        self.KX = {a: _prefix_mean(kx, a) for a in sizes}
        self.KY = {b: _prefix_mean(ky, b) for b in sizes}
        ls = np.array([len(s) for s in src], dtype=float)
        lt = np.array([len(t) for t in tgt], dtype=float)
        self.ratio = (lt.sum() + 1) / (ls.sum() + 1)  # target characters per source character
        self.LS = {a: _prefix_mean(ls, a) * a for a in sizes}
        self.LT = {b: _prefix_mean(lt, b) * b / self.ratio for b in sizes}
        self.lexical = bool(p.lexical)
        if self.lexical:
            vs, vt = lexical_vectors(src, tgt)
            self.lexical = bool(vs.any() and vt.any())
            self.VS = {a: _run_max(vs, a) for a in sizes}
            self.VT = {b: _run_max(vt, b) for b in sizes}
        self.ES = np.array([end_class(x) for x in src] + [0])  # of the last sentence of a run ending at i: ES[i-1]
        self.ET = np.array([end_class(x) for x in tgt] + [0])
        self.FS = {a: _prefix_mean(np.array(src_foreign, dtype=float), a) for a in sizes}
        self.FT = {b: _prefix_mean(np.array(tgt_foreign, dtype=float), b) for b in sizes}
        self.sp = np.array(src_paras)
        self.tp = np.array(tgt_paras)
        self.exact: set[tuple[str, int, int]] = set()
        self.band1: list[tuple[int, int]] = []
        self._block = None

    # -- the evidence of a bead -------------------------------------------------------------

    def evidence(self, a: int, b: int, rows, cols, coarse: bool = False, neighbours: bool = True) -> np.ndarray:
        """How strongly beads of a source and b target sentences look like translations.

        Computed for a block of the grid: the beads ending at (i, j) for every
        i in ``rows`` and j in ``cols`` (1-D index arrays, usually ranges),
        as a len(rows) x len(cols) array, with matrix products. The coarse
        version, for the first pass, leaves out the neighbour baseline and the
        shared words; ``neighbours=False`` only the former, for a bead judged
        on its own, away from the monotone path (the sentences around it then
        say nothing about it).
        """
        p = self.p
        I = np.asarray(rows)[:, None]
        J = np.asarray(cols)[None, :]
        x, y = self.XA[a][I[:, 0]], self.YB[b][J[0]]
        cos = x @ y.T
        base = 0.5 * (self.KX[a][I] + self.KY[b][J])
        if not coarse and neighbours and p.neighbours:
            base = p.neighbours * self._neighbour_sims(a, b, I, J, x, y, base) + (1 - p.neighbours) * base
        g = cos - base
        if p.length:
            ls, lt = self.LS[a][I], self.LT[b][J]
            agree = np.log2(1 + np.minimum(ls, lt) / np.maximum(np.maximum(ls, lt), 1))
            g = np.where(g > 0, g * agree, g * (2 - agree))  # disagreement never helps a bead
        if not coarse and self.lexical:
            A, B = self.VS[a][I[:, 0]], self.VT[b][J[0]]
            shared = np.minimum(A[:, None, :], B[None, :, :]).sum(axis=-1)
            total = A.sum(axis=-1)[:, None] + B.sum(axis=-1)[None, :]
            dice = np.divide(2 * shared, total, out=np.full(total.shape, 0.5), where=total > 0)
            g = g + p.lexical * (dice - 0.5)
        if p.punctuation:
            g = g - p.punctuation * (self.ES[I - 1] != self.ET[J - 1])
        if p.foreign:
            g = g - p.foreign * np.maximum(self.FS[a][I], self.FT[b][J])
        return g

    def _neighbour_sims(self, a, b, I, J, x, y, fallback):
        """Mean similarity of each side to the sentences right before and after the other side.

        For the bead ending at (i, j): the source side against target
        sentences j-b-1 and j, the target side against source sentences i-a-1
        and i (those that exist).
        """
        n, m = self.n, self.m
        i_lo, i_hi = max(0, int(I.min()) - a - 1), min(n, int(I.max()) + 1)
        j_lo, j_hi = max(0, int(J.min()) - b - 1), min(m, int(J.max()) + 1)
        sx = x @ self.Y[j_lo:j_hi].T  # source side of each row against the nearby target sentences
        sy = y @ self.X[i_lo:i_hi].T  # target side of each column against the nearby source sentences
        sims = np.zeros(np.broadcast_shapes(I.shape, J.shape))
        count = np.zeros(sims.shape)
        for idx, ok in ((J - b - 1, J - b - 1 >= 0), (J, J < m)):
            if ok.any():
                sims = sims + np.where(ok, sx[:, np.clip(idx[0] - j_lo, 0, max(0, j_hi - j_lo - 1))], 0.0)
                count = count + ok
        for idx, ok in ((I - a - 1, I - a - 1 >= 0), (I, I < n)):
            if ok.any():
                sims = sims + np.where(ok, sy[:, np.clip(idx[:, 0] - i_lo, 0, max(0, i_hi - i_lo - 1))].T, 0.0)
                count = count + ok
        return np.where(count > 0, sims / np.maximum(count, 1), fallback)

    def structural(self, a: int, b: int, I, J) -> np.ndarray:
        """Costs that do not depend on content: merges and paragraph breaks inside a bead."""
        p = self.p
        cost = p.merge * (a + b - 2)
        if p.cross_paragraph and (a > 1 or b > 1):
            I, J = np.asarray(I), np.asarray(J)
            cross = np.zeros(np.broadcast_shapes(I.shape, J.shape))
            # (beads ending below their size are never asked for: clipping their indices does no harm)
            if a > 1:
                cross = cross + (self.sp[np.clip(I - 1, 0, None)] != self.sp[np.clip(I - a, 0, None)])
            if b > 1:
                cross = cross + (self.tp[np.clip(J - 1, 0, None)] != self.tp[np.clip(J - b, 0, None)])
            cost = cost + p.cross_paragraph * cross
        return cost

    # -- gains for the DP -------------------------------------------------------------------

    def coarse_gain(self, a: int, b: int, i: int, j0: int, j1: int) -> np.ndarray:
        """First-pass gain of the beads ending at (i, j) for j in j0..j1-1.

        The DP asks row by row; gains are computed for blocks of rows at once
        (matrix products), over the columns of the first-pass band.
        """
        if a == 0 or b == 0:
            return np.full(j1 - j0, self.p.skip)
        block = self._block
        if block is None or not block[0] <= i < block[1]:
            block = self._block = self._coarse_block(i)
        start, _, c0, tables = block
        return tables[(a, b)][i - start, j0 - c0:j1 - c0]

    def _coarse_block(self, i0: int):
        band = self.band1
        i1 = min(self.n + 1, i0 + max(1, 2_000_000 // (len(self.p.coarse_beads) * (self.m + 1))))
        c0 = min(lo for lo, _ in band[i0:i1])
        c1 = max(hi for _, hi in band[i0:i1])
        I = np.arange(i0, i1)
        J = np.arange(c0, c1)
        tables = {}
        for a, b in self.p.coarse_beads:
            if a and b:  # (rows and columns below the bead size are never asked for)
                tables[(a, b)] = (self.evidence(a, b, I, J, coarse=True)
                                  - self.structural(a, b, I[:, None], J[None, :]))
        return i0, i1, c0, tables

    def table_gain(self, band: list[tuple[int, int]]):
        """Second-pass gains of every bead in the (narrow) band, computed at once; returns a gain function."""
        p = self.p
        widths = [hi - lo for lo, hi in band]
        offsets = np.concatenate([[0], np.cumsum(widths)]).astype(int)
        tables = {(a, b): np.full(offsets[-1], -1e9) for a, b in p.beads if a and b}
        step = 64
        for r0 in range(0, self.n + 1, step):
            r1 = min(self.n + 1, r0 + step)
            c0 = min(lo for lo, _ in band[r0:r1])
            c1 = max(hi for _, hi in band[r0:r1])
            for (a, b), flat in tables.items():
                ra, ca = max(r0, a), max(c0, b)  # rows and columns below the bead size are never asked for
                if ra >= r1 or ca >= c1:
                    continue
                rows, cols = np.arange(ra, r1), np.arange(ca, c1)
                block = self.evidence(a, b, rows, cols) - self.structural(a, b, rows[:, None], cols[None, :])
                for i in range(ra, r1):
                    lo, hi = max(band[i][0], ca), band[i][1]
                    if lo < hi:
                        flat[offsets[i] + lo - band[i][0]:offsets[i] + hi - band[i][0]] = block[i - ra, lo - ca:hi - ca]

        def gain(a: int, b: int, i: int, j0: int, j1: int) -> np.ndarray:
            if a == 0 or b == 0:
                return np.full(j1 - j0, p.skip)
            base = offsets[i] - band[i][0]
            return tables[(a, b)][base + j0:base + j1]

        return gain

    # -- exact embeddings of plausible runs --------------------------------------------------

    def plausible_runs(self, post: dict, band) -> tuple[list, list]:
        """Runs of 2..exact_max sentences (in one paragraph) used by a bead with a real posterior."""
        p = self.p
        src_runs, tgt_runs = set(), set()
        for (a, b), rows in post.items():
            if not (2 <= a <= p.exact_max or 2 <= b <= p.exact_max):
                continue
            for i, row in enumerate(rows):
                hits = np.flatnonzero(row > p.exact_min_posterior)
                if not len(hits):
                    continue
                if 2 <= a <= p.exact_max and self.sp[i - 1] == self.sp[i - a]:
                    src_runs.add((a, i))
                if 2 <= b <= p.exact_max:
                    for j in (band[i][0] + hits).tolist():
                        if self.tp[j - 1] == self.tp[j - b]:
                            tgt_runs.add((b, j))
        return sorted(src_runs), sorted(tgt_runs)

    def embed_runs(self, encoder, src_runs, tgt_runs) -> int:
        """Embed the joined text of runs (size, end) not embedded yet; returns how many were new."""
        src_runs = [r for r in src_runs if ("s",) + tuple(r) not in self.exact]
        tgt_runs = [r for r in tgt_runs if ("t",) + tuple(r) not in self.exact]
        texts = [" ".join(self.src[i - a:i]) for a, i in src_runs]
        texts += [" ".join(self.tgt[j - b:j]) for b, j in tgt_runs]
        if not texts:
            return 0
        vecs = encoder.encode(texts)
        for k, (a, i) in enumerate(src_runs):
            self.XA[a][i] = vecs[k]
            self.exact.add(("s", a, i))
        for k, (b, j) in enumerate(tgt_runs):
            self.YB[b][j] = vecs[len(src_runs) + k]
            self.exact.add(("t", b, j))
        return len(texts)

    # -- confidence of any bead --------------------------------------------------------------

    def link(self, i0: int, i1: int, j0: int, j1: int) -> Link:
        """The bead src[i0:i1] x tgt[j0:j1] with a confidence from its evidence alone.

        Links on the aligned path carry their posterior instead; this is for
        beads looked at on their own (out-of-order pairs, forced pairs).
        """
        src, tgt = tuple(range(i0, i1)), tuple(range(j0, j1))
        if not src or not tgt:
            return Link(src, tgt, 0.0)
        ev = float(self.evidence(i1 - i0, j1 - j0, [i1], [j1], neighbours=False)[0, 0])
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
            g = float(state.evidence(1, 1, [i + 1], [j + 1], neighbours=False)[0, 0])
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

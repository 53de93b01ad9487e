"""The dynamic-programming core shared by the aligners.

Finds the best monotone sequence of beads (a source sentences with b target
sentences) through a band of the n x m grid, and the posterior probability of
every bead in it. The band is stored flat, row after row (``Band``), so memory
is O(n x band width), never O(n x m), and the DP gathers the predecessors of a
whole row, for every bead type at once, in one numpy operation: a row costs a
dozen numpy calls whatever the number of bead types, which is what makes
100,000-sentence documents practical in Python. The 0-1 beads (skipping a
target sentence), which chain within a row, use a max-plus (or log-sum-exp)
prefix scan.

Gains come from the caller one block of rows at a time
(``BlockGain(r0, r1)`` -> an array of shape (bead types, cells of rows
r0..r1-1), in the band's flat order), so a caller can compute them with
matrix products over a block and never hold them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

NEG = -1e18
BlockGain = Callable[[int, int], np.ndarray]
# the per-row form of gains, kept for small hand-written cases:
# gain(a, b, i, lo, hi) -> gains of the beads that end at (i, j) for j in lo..hi-1
GainFn = Callable[[int, int, int, int, int], np.ndarray]


class Band:
    """Row i (0..n) of the grid holds the columns lo[i]..hi[i]-1; cells are numbered row after row.

    Both edges never move left from one row to the next and consecutive rows
    share a column, so every cell can be reached by a monotone path.
    """

    def __init__(self, lo, hi, m: int):
        self.lo = np.asarray(lo, dtype=np.int64)
        self.hi = np.asarray(hi, dtype=np.int64)
        self.n = len(self.lo) - 1
        self.m = m
        self.off = np.zeros(self.n + 2, dtype=np.int64)
        np.cumsum(self.hi - self.lo, out=self.off[1:])
        self.size = int(self.off[-1])

    def __len__(self) -> int:
        return self.n + 1

    def __getitem__(self, i: int) -> tuple[int, int]:
        return int(self.lo[i]), int(self.hi[i])

    def cells(self, r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of every cell of rows r0..r1-1, in flat order."""
        widths = self.hi[r0:r1] - self.lo[r0:r1]
        rows = np.repeat(np.arange(r0, r1), widths)
        cols = np.arange(self.off[r0], self.off[r1]) - self.off[rows] + self.lo[rows]
        return rows, cols

    def index(self, i, j) -> np.ndarray:
        """Flat index of the cells (i, j) (arrays), -1 for those outside the band."""
        i, j = np.asarray(i), np.asarray(j)
        ic = np.clip(i, 0, self.n)
        inside = (i >= 0) & (i <= self.n) & (j >= self.lo[ic]) & (j < self.hi[ic])
        return np.where(inside, self.off[ic] + j - self.lo[ic], -1)

    def flat(self, i: int, j: int) -> int:
        """Flat index of one cell, which must be in the band (plain ints: for loops over a path)."""
        lo, hi = int(self.lo[i]), int(self.hi[i])
        if not lo <= j < hi:
            raise IndexError(f"cell ({i}, {j}) is outside the band")
        return int(self.off[i]) + j - lo

    def row_of(self, flat) -> np.ndarray:
        return np.searchsorted(self.off, flat, side="right") - 1

    def blocks(self, budget: int = 1 << 18, max_rows: int = 4096) -> list[tuple[int, int]]:
        """Consecutive row ranges whose bounding rectangle holds about ``budget`` cells.

        Gains are computed with matrix products over such rectangles, so this
        bounds the working memory whatever the band's shape.
        """
        out, r0, n1 = [], 0, self.n + 1
        while r0 < n1:
            r1s = np.arange(r0 + 1, min(n1, r0 + max_rows) + 1)
            area = (r1s - r0) * (self.hi[r1s - 1] - self.lo[r0])
            k = int(np.searchsorted(area, budget, side="right"))
            r1 = int(r1s[max(0, k - 1)])
            out.append((r0, r1))
            r0 = r1
        return out


def _connect(lo: np.ndarray, hi: np.ndarray, n: int, m: int) -> Band:
    """Make raw row spans a Band: both ends in, edges non-decreasing, consecutive rows overlapping."""
    lo, hi = lo.copy(), hi.copy()
    lo[0], hi[n] = 0, m + 1
    lo = np.minimum.accumulate(lo[::-1])[::-1]  # lower edge non-decreasing (only ever widens)
    hi = np.maximum.accumulate(hi)  # upper edge non-decreasing
    lo[1:] = np.minimum(lo[1:], hi[:-1] - 1)  # consecutive rows share a column: every cell is reachable
    return Band(lo, hi, m)


def _spans(path: Sequence[tuple[int, int]], n: int, m: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns within +-width of the path points within +-width rows (m+1, 0 for rows far from all)."""
    pts = np.array(sorted(set(map(tuple, path))) or [(0, 0)], dtype=np.int64).reshape(-1, 2)
    pi, pj = pts[:, 0], np.maximum.accumulate(pts[:, 1])  # a monotone path is left as it is
    rows = np.arange(n + 1)
    first = np.searchsorted(pi, rows - width, side="left")
    last = np.searchsorted(pi, rows + width, side="right") - 1
    near = first <= last
    first, last = np.clip(first, 0, len(pi) - 1), np.clip(last, 0, len(pi) - 1)
    lo = np.where(near, np.maximum(0, pj[first] - width), m + 1)
    hi = np.where(near, np.minimum(m, pj[last] + width) + 1, 0)
    return lo, hi


def full_band(n: int, m: int) -> Band:
    return Band(np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m + 1, dtype=np.int64), m)


def band_around(path: Sequence[tuple[int, int]], n: int, m: int, width: int) -> Band:
    """A connected band of +-width cells around a monotone path of (i, j) grid points.

    Linear in n (numpy): for each row, the first and last path points within
    +-width rows give its columns, since j never decreases along the path.
    """
    return _connect(*_spans(path, n, m, width), n, m)


def widen(band: Band, points: Sequence[tuple[int, int]], width: int) -> Band:
    """The band plus +-width cells around some points (where a path touched the band's edge)."""
    lo, hi = _spans(points, band.n, band.m, width)
    return _connect(np.minimum(band.lo, lo), np.maximum(band.hi, hi), band.n, band.m)


def path_points(beads: Sequence[tuple[int, int, int, int]]) -> list[tuple[int, int]]:
    return [(i, j) for i0, i1, j0, j1 in beads for i, j in ((i0, j0), (i1, j1))]


def edge_points(band: Band, beads: Sequence[tuple[int, int, int, int]], margin: int) -> list[tuple[int, int]]:
    """Points of the path closer than ``margin`` columns to an edge of the band that is not the grid's.

    There the best path may have been cut off by the band: it must be widened.
    """
    pts = np.array(path_points(beads), dtype=np.int64).reshape(-1, 2)
    if not len(pts):
        return []
    i, j = pts[:, 0], pts[:, 1]
    lo, hi = band.lo[i], band.hi[i]
    near = ((j - lo < margin) & (lo > 0)) | ((hi - 1 - j < margin) & (hi < band.m + 1))
    return [tuple(p) for p in pts[near].tolist()]


def refine(band: Band, solve: Callable[[Band], list], margin: int = 2, width: int = 16,
           rounds: int = 4) -> tuple[list, Band]:
    """Solve in the band; where the path comes close to the band's edge, widen the band there and solve again."""
    beads = solve(band)
    for k in range(rounds):
        hug = edge_points(band, beads, margin)
        if not hug:
            break
        band = widen(band, hug, width << k)
        beads = solve(band)
    return beads, band


def _sources(band: Band, types: Sequence[tuple[int, int]], r0: int, r1: int) -> np.ndarray:
    """For each bead type and each cell (i, j) of rows r0..r1-1: the flat index of (i - a, j - b).

    ``band.size`` (a sentinel cell) where that cell is outside the band.
    """
    rows, cols = band.cells(r0, r1)
    out = np.empty((len(types), len(rows)), dtype=np.int64)
    for t, (a, b) in enumerate(types):
        idx = band.index(rows - a, cols - b)
        out[t] = np.where(idx < 0, band.size, idx)
    return out


def _targets(band: Band, types: Sequence[tuple[int, int]], r0: int, r1: int) -> np.ndarray:
    """For each bead type and each cell (i, j) of rows r0..r1-1: the flat index of (i + a, j + b), or the sentinel."""
    rows, cols = band.cells(r0, r1)
    out = np.empty((len(types), len(rows)), dtype=np.int64)
    for t, (a, b) in enumerate(types):
        idx = band.index(rows + a, cols + b)
        out[t] = np.where(idx < 0, band.size, idx)
    return out


def row_gains(band: Band, bead_types: Sequence[tuple[int, int]], gain: GainFn) -> BlockGain:
    """Adapts a per-row gain function to the block form (slow: for small, hand-written cases)."""
    def block(r0: int, r1: int) -> np.ndarray:
        out = np.full((len(bead_types), int(band.off[r1] - band.off[r0])), NEG / 4)
        for i in range(r0, r1):
            lo, hi = band[i]
            s = int(band.off[i] - band.off[r0])
            for t, (a, b) in enumerate(bead_types):
                j0 = max(lo, b)
                if a <= i and j0 < hi:
                    out[t, s + j0 - lo:s + hi - lo] = gain(a, b, i, j0, hi)
        return out
    return block


def run_dp(band: Band, bead_types: Sequence[tuple[int, int]], gain: BlockGain) -> list[tuple[int, int, int, int]]:
    """Best path from (0, 0) to (n, m) as a list of beads (i0, i1, j0, j1): src[i0:i1] with tgt[j0:j1]."""
    types = list(bead_types)
    main = [t for t, ab in enumerate(types) if ab != (0, 1)]
    k01 = types.index((0, 1)) if (0, 1) in types else -1
    main_codes = np.array(main, dtype=np.int8)
    score = np.full(band.size + 1, NEG)
    back = np.full(band.size, -1, dtype=np.int8)
    for r0, r1 in band.blocks():
        G = gain(r0, r1)
        Gm = G[main]
        Sm = _sources(band, types, r0, r1)[main]
        base = int(band.off[r0])
        for i in range(r0, r1):
            f0, f1 = int(band.off[i]), int(band.off[i + 1])
            s, e, w = f0 - base, f1 - base, f1 - f0
            cand = score[Sm[:, s:e]] + Gm[:, s:e]
            bt = cand.argmax(axis=0)
            best = cand[bt, np.arange(w)]
            codes = main_codes[bt]
            if i == 0 and band.lo[0] == 0:
                best[0], codes[0] = 0.0, -1
            if k01 >= 0 and w > 1:
                prefix = np.zeros(w)
                np.cumsum(G[k01, s + 1:e], out=prefix[1:])
                alt = np.maximum.accumulate(best - prefix) + prefix
                # alt == best up to rounding where no skip helps; the rounding grows with the prefix sum
                # (Gale–Church costs add up to 1e4-1e5 over a long row), so the tolerance is relative:
                # a fixed 1e-12 took rounding for a better skip and traced back a worse path
                skip = alt > best + 1e-9 * (1.0 + np.abs(prefix) + np.abs(best))
                best = np.where(skip, alt, best)
                codes = np.where(skip, k01, codes)
            codes[best <= NEG / 2] = -1
            score[f0:f1] = best
            back[f0:f1] = codes
    beads = []
    i, j = band.n, band.m
    lo, off = band.lo.tolist(), band.off.tolist()
    while i > 0 or j > 0:
        f = off[i] + j - lo[i]
        t = int(back[f]) if lo[i] <= j < lo[i] + off[i + 1] - off[i] else -1
        if t < 0:
            raise RuntimeError("alignment band does not connect the document ends")
        a, b = types[t]
        beads.append((i - a, i, j - b, j))
        i, j = i - a, j - b
    beads.reverse()
    return beads


def _logsumexp0(x: np.ndarray) -> np.ndarray:
    """log(sum(exp(x), axis=0)), -inf where every term is -inf."""
    mx = x.max(axis=0)
    safe = np.where(np.isfinite(mx), mx, 0.0)
    return np.log(np.exp(x - safe).sum(axis=0)) + safe


def bead_posteriors(band: Band, bead_types: Sequence[tuple[int, int]], gain: BlockGain,
                    temperature: float) -> np.ndarray:
    """Posterior probability of every bead in the band under exp(total gain / temperature).

    Forward-backward (sum-product) over the same lattice as ``run_dp``.
    Returns an array of shape (bead types, band cells), float32: entry
    [t, cell (i, j)] is the probability that the alignment contains the bead
    of type t ending at (i, j).
    """
    types = list(bead_types)
    main = [t for t, ab in enumerate(types) if ab != (0, 1)]
    k01 = types.index((0, 1)) if (0, 1) in types else -1
    amax = max(a for a, _ in types)
    inv = 1.0 / temperature
    alpha = np.full(band.size + 1, -np.inf)
    beta = np.full(band.size + 1, -np.inf)
    blocks = band.blocks()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for r0, r1 in blocks:
            G = gain(r0, r1) * inv
            Gm = G[main]
            Sm = _sources(band, types, r0, r1)[main]
            base = int(band.off[r0])
            for i in range(r0, r1):
                f0, f1 = int(band.off[i]), int(band.off[i + 1])
                s, e, w = f0 - base, f1 - base, f1 - f0
                cand = _logsumexp0(alpha[Sm[:, s:e]] + Gm[:, s:e])
                if i == 0 and band.lo[0] == 0:
                    cand[0] = 0.0
                if k01 >= 0 and w > 1:
                    prefix = np.zeros(w)
                    np.cumsum(G[k01, s + 1:e], out=prefix[1:])
                    cand = prefix + np.logaddexp.accumulate(cand - prefix)
                alpha[f0:f1] = cand
        log_z = alpha[int(band.index(band.n, band.m))]
        for r0, r1 in reversed(blocks):
            r1x = min(band.n + 1, r1 + amax)  # the beads leaving these rows end up to amax rows further
            G = gain(r0, r1x) * inv
            base = int(band.off[r0])
            D = _targets(band, types, r0, r1)[main]
            ok = D < band.size
            GD = np.full(D.shape, -np.inf)
            for k, t in enumerate(main):
                GD[k, ok[k]] = G[t, D[k, ok[k]] - base]
            for i in range(r1 - 1, r0 - 1, -1):
                f0, f1 = int(band.off[i]), int(band.off[i + 1])
                s, e, w = f0 - base, f1 - base, f1 - f0
                c = _logsumexp0(GD[:, s:e] + beta[D[:, s:e]])
                if i == band.n and band.hi[i] == band.m + 1:
                    c[band.m - band.lo[i]] = 0.0
                if k01 >= 0 and w > 1:
                    q = np.zeros(w)
                    np.cumsum(G[k01, s + 1:e], out=q[1:])  # q[j] = gains of the 0-1 beads up to j
                    c = -q + np.logaddexp.accumulate((c + q)[::-1])[::-1]
                beta[f0:f1] = c
        post = np.zeros((len(types), band.size), dtype=np.float32)
        for r0, r1 in blocks:
            f0, f1 = int(band.off[r0]), int(band.off[r1])
            G = gain(r0, r1) * inv
            S = _sources(band, types, r0, r1)
            post[:, f0:f1] = np.exp(alpha[S] + G + beta[f0:f1] - log_z)
    return post

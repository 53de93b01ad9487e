"""Where to look in a long document pair: a coarse-to-fine path, in time and memory linear in the length.

The first pass of the embedding aligner searches the whole n x m grid when
it is small (up to ``full_limit`` cells: every Text+Berg document). Beyond
that, this module finds a guide path without ever touching the whole grid:
both sides are pooled into blocks of ``factor`` consecutive sentences (the
normalised sum of their vectors), recursively, until the grid of blocks is
small enough to search whole; the path found there is projected one level
down, searched again in a corridor of about one block around it, and so on
down to sentences. Wherever a path runs along the edge of its corridor (the
true path may lie outside), the corridor is widened there and the level is
searched again (``dp.refine``).

The gain of a pair of blocks is a margin, as for sentences: the cosine minus
the mean of each side's k best cosines inside the corridor, scaled by how
well the character lengths agree. Blocks are long, so this is a robust
signal; it only has to find the corridor, the aligner proper decides.
"""

from __future__ import annotations

import numpy as np

from .dp import Band, band_around, full_band, path_points, refine, run_dp

GUIDE_BEADS = [(1, 1), (1, 0), (0, 1), (1, 2), (2, 1)]


def _normalise(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-12)


def pool(vecs: np.ndarray, lengths: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """Blocks of ``factor`` consecutive units: the normalised sum of their vectors and their total length."""
    starts = np.arange(0, len(vecs), factor)
    return (_normalise(np.add.reduceat(vecs, starts, axis=0).astype(np.float32)),
            np.add.reduceat(lengths, starts).astype(float))


def band_knn(X: np.ndarray, Y: np.ndarray, band: Band, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the k best cosines of each unit with the other side, looking only inside the band.

    Unit i of X and unit j of Y are compared when a bead ending at
    (i + 1, j + 1) or starting at (i, j) lies in the band. Computed block by block.
    """
    n, m = len(X), len(Y)
    kx = np.zeros(n)
    kk = min(k, max(m, 1), max(n, 1))
    col_top = np.full((kk, m), -np.inf, dtype=np.float32)
    for r0, r1 in band.blocks(1 << 17, 512):
        s0, s1 = max(0, r0 - 1), min(n, r1)  # sentences s0..s1-1 end at rows s0+1..s1
        if s0 >= s1:
            continue
        rows = np.arange(s0, s1)
        lo = np.maximum(0, band.lo[rows + 1] - 1)
        hi = np.minimum(m, band.hi[rows + 1])
        c0, c1 = int(lo.min()), int(hi.max())
        if c0 >= c1:
            continue
        sims = X[s0:s1] @ Y[c0:c1].T
        cols = np.arange(c0, c1)[None, :]
        inside = (cols >= lo[:, None]) & (cols < hi[:, None])
        if not inside.all():
            sims = np.where(inside, sims, -np.inf).astype(np.float32)
        kr = min(kk, sims.shape[1])
        part = np.partition(sims, -kr, axis=1)[:, -kr:]
        fin = np.isfinite(part)
        kx[s0:s1] = np.where(fin, part, 0).sum(axis=1) / np.maximum(fin.sum(axis=1), 1)
        kc = min(kk, sims.shape[0])
        top = np.partition(sims, -kc, axis=0)[-kc:, :]
        merged = np.vstack([col_top[:, c0:c1], top])
        col_top[:, c0:c1] = np.partition(merged, -kk, axis=0)[-kk:, :]
    fin = np.isfinite(col_top)
    ky = np.where(fin, col_top, 0).sum(axis=0) / np.maximum(fin.sum(axis=0), 1) if m else np.zeros(0)
    return kx, ky.astype(float)


class _Level:
    """The units of one level (sentences or blocks): gains of the guide's beads, block by block."""

    def __init__(self, X, Y, ls, lt, band: Band, knn: int, skip: float):
        self.X, self.Y = X, Y
        self.skip = skip
        self.kx, self.ky = band_knn(X, Y, band, knn)
        self.ratio = (lt.sum() + 1) / (ls.sum() + 1)
        self.cx = np.vstack([np.zeros((1, X.shape[1]), np.float32), np.cumsum(X, axis=0, dtype=np.float32)])
        self.cy = np.vstack([np.zeros((1, Y.shape[1]), np.float32), np.cumsum(Y, axis=0, dtype=np.float32)])
        self.ckx, self.cky = np.concatenate([[0], np.cumsum(self.kx)]), np.concatenate([[0], np.cumsum(self.ky)])
        self.cls, self.clt = np.concatenate([[0], np.cumsum(ls)]), np.concatenate([[0], np.cumsum(lt) / self.ratio])

    def gain(self, band: Band):
        def block(r0: int, r1: int) -> np.ndarray:
            rows, cols = band.cells(r0, r1)
            out = np.full((len(GUIDE_BEADS), len(rows)), self.skip)
            c0, c1 = int(band.lo[r0]), int(band.hi[r1 - 1])
            I, J = np.arange(r0, r1), np.arange(c0, c1)
            for t, (a, b) in enumerate(GUIDE_BEADS):
                if not (a and b):
                    continue
                Ia, Jb = np.maximum(I, a), np.maximum(J, b)  # (beads that cannot end there are never used)
                x = _normalise(self.cx[Ia] - self.cx[Ia - a])
                y = _normalise(self.cy[Jb] - self.cy[Jb - b])
                base = 0.5 * ((self.ckx[Ia] - self.ckx[Ia - a])[:, None] / a + (self.cky[Jb] - self.cky[Jb - b])[None, :] / b)
                g = x @ y.T - base
                ls, lt = (self.cls[Ia] - self.cls[Ia - a])[:, None], (self.clt[Jb] - self.clt[Jb - b])[None, :]
                agree = np.log2(1 + np.minimum(ls, lt) / np.maximum(np.maximum(ls, lt), 1))
                g = np.where(g > 0, g * agree, g * (2 - agree))
                out[t] = g[rows - r0, cols - c0]
            return out
        return block


def guide_path(X: np.ndarray, Y: np.ndarray, ls: np.ndarray, lt: np.ndarray, limit: int, factor: int = 8,
               knn: int = 4, skip: float = -0.02) -> list[tuple[int, int]]:
    """A monotone path (grid points) through the len(X) x len(Y) grid of these units, coarse to fine."""
    n, m = len(X), len(Y)
    if n * m <= limit or min(n, m) < 2 * factor:
        band = full_band(n, m)
    else:
        Xc, lsc = pool(X, ls, factor)
        Yc, ltc = pool(Y, lt, factor)
        coarse = guide_path(Xc, Yc, lsc, ltc, limit, factor, knn, skip)
        band = band_around([(min(n, i * factor), min(m, j * factor)) for i, j in coarse], n, m, factor + 4)
    level = _Level(X, Y, ls, lt, band, knn, skip)
    beads, _ = refine(band, lambda b: run_dp(b, GUIDE_BEADS, level.gain(b)), width=2 * factor)
    return path_points(beads)


def guide_points(X: np.ndarray, Y: np.ndarray, ls: np.ndarray, lt: np.ndarray, limit: int,
                 factor: int = 8) -> list[tuple[int, int]]:
    """The path of the blocks of ``factor`` sentences, projected to sentence grid points."""
    n, m = len(X), len(Y)
    Xc, lsc = pool(X, ls, factor)
    Yc, ltc = pool(Y, lt, factor)
    coarse = guide_path(Xc, Yc, lsc, ltc, limit, factor)
    return [(min(n, i * factor), min(m, j * factor)) for i, j in coarse]

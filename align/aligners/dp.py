"""The dynamic-programming core shared by the aligners.

Finds the best monotone sequence of beads (a source sentences with b target
sentences) through a band of the n x m grid. The caller supplies the gain of
each bead type for one row of the band at a time, so memory is O(n x band),
never O(n x m). Rows are vectorised with numpy; the 0-1 beads (skipping a
target sentence), which chain within a row, use a max-plus prefix scan.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

NEG = -1e18
# gain(a, b, i, lo, hi) -> gains of the beads that end at (i, j) for j in lo..hi-1
GainFn = Callable[[int, int, int, int, int], np.ndarray]


def full_band(n: int, m: int) -> list[tuple[int, int]]:
    return [(0, m + 1)] * (n + 1)


def band_around(path: Sequence[tuple[int, int]], n: int, m: int, width: int) -> list[tuple[int, int]]:
    """A connected band of +-width cells around a monotone path of (i, j) grid points."""
    lo = [m + 1] * (n + 1)
    hi = [0] * (n + 1)
    for i, j in path:
        for ii in range(max(0, i - width), min(n, i + width) + 1):
            lo[ii] = min(lo[ii], max(0, j - width))
            hi[ii] = max(hi[ii], min(m, j + width) + 1)
    lo[0], hi[n] = 0, m + 1
    for i in range(n - 1, -1, -1):  # lower edge non-decreasing (only ever widens)
        lo[i] = min(lo[i], lo[i + 1])
    for i in range(1, n + 1):  # upper edge non-decreasing
        hi[i] = max(hi[i], hi[i - 1])
    for i in range(1, n + 1):  # consecutive rows share a column, so every cell is reachable
        lo[i] = min(lo[i], hi[i - 1] - 1)
    return list(zip(lo, hi))


def run_dp(n: int, m: int, bead_types: Sequence[tuple[int, int]], gain: GainFn,
           band: list[tuple[int, int]] | None = None) -> list[tuple[int, int, int, int]]:
    """Best path as a list of beads (i0, i1, j0, j1): src[i0:i1] with tgt[j0:j1]."""
    band = band or full_band(n, m)
    types = [t for t in bead_types if t != (0, 1)]
    has_skip_tgt = (0, 1) in bead_types
    score_rows: list[np.ndarray] = []
    back_rows: list[np.ndarray] = []
    for i in range(n + 1):
        lo, hi = band[i]
        width = hi - lo
        cand = np.full(width, NEG)
        back = np.full(width, -1, dtype=np.int8)
        if i == 0 and lo == 0:
            cand[0] = 0.0
        for t, (a, b) in enumerate(types):
            if a > i:
                continue
            plo, phi = band[i - a]
            prev = score_rows[i - a]
            # target end j in [lo, hi) comes from j - b in [plo, phi)
            j_start = max(lo, plo + b)
            j_end = min(hi, phi + b)
            if j_start >= j_end:
                continue
            g = gain(a, b, i, j_start, j_end)
            total = prev[j_start - b - plo:j_end - b - plo] + g
            sl = slice(j_start - lo, j_end - lo)
            better = total > cand[sl]
            cand[sl] = np.where(better, total, cand[sl])
            back[sl] = np.where(better, t, back[sl])
        if has_skip_tgt and width > 1:
            g01 = np.zeros(width)
            g01[1:] = gain(0, 1, i, lo + 1, hi)
            prefix = np.cumsum(g01)
            best = np.maximum.accumulate(cand - prefix) + prefix
            skip = best > cand + 1e-12
            cand = np.where(skip, best, cand)
            back = np.where(skip, len(types), back)
        score_rows.append(cand)
        back_rows.append(back)
    # trace back from (n, m)
    beads = []
    i, j = n, m
    all_types = types + [(0, 1)]
    while i > 0 or j > 0:
        lo, _ = band[i]
        t = int(back_rows[i][j - lo])
        if t < 0:
            raise RuntimeError("alignment band does not connect the document ends")
        a, b = all_types[t]
        beads.append((i - a, i, j - b, j))
        i, j = i - a, j - b
    beads.reverse()
    return beads

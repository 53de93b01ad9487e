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
    """A connected band of +-width cells around a monotone path of (i, j) grid points.

    Linear in n (numpy): for each row, the first and last path points within
    +-width rows give its columns, since j never decreases along the path.
    """
    pts = np.array(sorted(set(path)) or [(0, 0)], dtype=np.int64).reshape(-1, 2)
    pi, pj = pts[:, 0], np.maximum.accumulate(pts[:, 1])  # a monotone path is left as it is
    rows = np.arange(n + 1)
    first = np.searchsorted(pi, rows - width, side="left")
    last = np.searchsorted(pi, rows + width, side="right") - 1
    near = first <= last
    first, last = np.clip(first, 0, len(pi) - 1), np.clip(last, 0, len(pi) - 1)
    lo = np.where(near, np.maximum(0, pj[first] - width), m + 1)
    hi = np.where(near, np.minimum(m, pj[last] + width) + 1, 0)
    lo[0], hi[n] = 0, m + 1
    lo = np.minimum.accumulate(lo[::-1])[::-1]  # lower edge non-decreasing (only ever widens)
    hi = np.maximum.accumulate(hi)  # upper edge non-decreasing
    lo[1:] = np.minimum(lo[1:], hi[:-1] - 1)  # consecutive rows share a column: every cell is reachable
    return list(zip(lo.tolist(), hi.tolist()))


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


def bead_posteriors(n: int, m: int, bead_types: Sequence[tuple[int, int]], gain: GainFn,
                    band: list[tuple[int, int]], temperature: float) -> dict:
    """Posterior probability of every bead in the band under exp(total gain / temperature).

    Forward-backward (sum-product) over the same lattice as ``run_dp``. Returns
    ``{(a, b): rows}`` where ``rows[i]`` holds, for the columns of ``band[i]``,
    the probability that the alignment contains the bead of that type ending
    at (i, j). Memory is O(n x band width x bead types): use a narrow band.
    """
    types = [t for t in bead_types if t != (0, 1)]
    has_skip_tgt = (0, 1) in bead_types
    inv = 1.0 / temperature
    G = {t: [] for t in types}  # G[t][i]: gain/temperature of the bead ending at (i, j), -inf outside
    G01 = []
    alpha: list[np.ndarray] = []
    with np.errstate(invalid="ignore"):
        for i in range(n + 1):
            lo, hi = band[i]
            width = hi - lo
            cand = np.full(width, -np.inf)
            if i == 0 and lo == 0:
                cand[0] = 0.0
            for (a, b) in types:
                g_row = np.full(width, -np.inf)
                G[(a, b)].append(g_row)
                if a > i:
                    continue
                plo, phi = band[i - a]
                j_start, j_end = max(lo, plo + b), min(hi, phi + b)
                if j_start >= j_end:
                    continue
                sl = slice(j_start - lo, j_end - lo)
                g_row[sl] = gain(a, b, i, j_start, j_end) * inv
                cand[sl] = np.logaddexp(cand[sl], alpha[i - a][j_start - b - plo:j_end - b - plo] + g_row[sl])
            g01 = np.full(width, -np.inf)
            if has_skip_tgt and width > 1:
                g01[1:] = gain(0, 1, i, lo + 1, hi) * inv
                prefix = np.concatenate([[0.0], np.cumsum(g01[1:])])
                cand = prefix + np.logaddexp.accumulate(cand - prefix)
            G01.append(g01)
            alpha.append(cand)
        log_z = alpha[n][m - band[n][0]]
        beta: list[np.ndarray | None] = [None] * (n + 1)
        for i in range(n, -1, -1):
            lo, hi = band[i]
            width = hi - lo
            c = np.full(width, -np.inf)
            if i == n and hi == m + 1:
                c[m - lo] = 0.0
            for (a, b) in types:
                if i + a > n:
                    continue
                nlo, nhi = band[i + a]
                # bead from (i, j) to (i + a, j + b): j + b in [nlo, nhi)
                j_start, j_end = max(lo, nlo - b), min(hi, nhi - b)
                if j_start >= j_end:
                    continue
                nxt = slice(j_start + b - nlo, j_end + b - nlo)
                c[j_start - lo:j_end - lo] = np.logaddexp(c[j_start - lo:j_end - lo],
                                                          G[(a, b)][i + a][nxt] + beta[i + a][nxt])
            if has_skip_tgt and width > 1:
                g01 = G01[i]
                q = np.concatenate([[0.0], np.cumsum(g01[1:])])  # q[j] = sum of g01[1..j]
                c = -q + np.logaddexp.accumulate((c + q)[::-1])[::-1]
            beta[i] = c
        post = {}
        for (a, b) in types:
            rows = []
            for i in range(n + 1):
                lo, hi = band[i]
                row = np.zeros(hi - lo)
                if a <= i:
                    plo, phi = band[i - a]
                    j_start, j_end = max(lo, plo + b), min(hi, phi + b)
                    if j_start < j_end:
                        sl = slice(j_start - lo, j_end - lo)
                        row[sl] = np.exp(alpha[i - a][j_start - b - plo:j_end - b - plo] + G[(a, b)][i][sl]
                                         + beta[i][sl] - log_z)
                rows.append(row)
            post[(a, b)] = rows
        if has_skip_tgt:
            rows = []
            for i in range(n + 1):
                row = np.zeros(len(alpha[i]))
                if len(row) > 1:
                    row[1:] = np.exp(alpha[i][:-1] + G01[i][1:] + beta[i][1:] - log_z)
                rows.append(row)
            post[(0, 1)] = rows
    return post

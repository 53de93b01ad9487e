"""Gale–Church length-based alignment, the model-free baseline (``--method length``).

Gale & Church (1993) score a bead by how far the character lengths of its two
sides are from proportional, delta = (l_s - l_t) / sqrt(s2 * (l_s + l_t) / 2),
as the two-tailed normal probability of that delta times a prior for the bead
type. The costs are those of NLTK's port (``nltk.translate.gale_church``, c = 1,
s2 = 6.8, its priors), but the search is ours: NLTK's is a pure-Python loop over
every cell of the n x m grid and refuses documents of more than 4,000
sentences, so a book would either fail or run for hours. Here the shared DP
(``dp.run_dp``) searches the whole grid up to ``FULL_LIMIT`` cells (every
document NLTK accepts in reasonable time, with the same links; see
``tests/test_length.py``) and beyond that a corridor around the path of a
coarser alignment of blocks of sentences (``solve``): time and memory grow
linearly with the length.

Length alone cannot tell a missing block from a short translation: the
embedding aligner is the default.
"""

from __future__ import annotations

import math

import numpy as np

from ..documents import Link
from . import dp

# bead type -> prior probability (Gale & Church's table, as in NLTK); the order breaks ties as NLTK does
PRIORS = {(1, 0): 0.0099, (0, 1): 0.0099, (1, 1): 0.89, (2, 1): 0.089, (1, 2): 0.089, (2, 2): 0.011}
VARIANCE = 6.8  # s2: variance of the target length per source character (c = 1: equal expected lengths)
FULL_LIMIT = 4_000_000  # grid cells searched whole; beyond, a corridor around a coarser alignment's path
POOL = 8  # sentences per block of that coarser alignment
WIDTH = 2 * POOL + 8  # half-width of the corridor, in sentences, before any widening


def log_two_tailed(x: np.ndarray) -> np.ndarray:
    """log P(|Z| > x) for a standard normal Z and x >= 0, without underflow.

    P(|Z| > x) = erfc(x / sqrt 2); erfc(z) ~ t exp(-z^2 + p(t)), t = 1 / (1 + z/2),
    with the polynomial p of Numerical Recipes' ``erfcc`` (fractional error
    < 1.2e-7). Taking the log of that form directly keeps far-off beads finite
    and ordered instead of rounding their probability to zero.
    """
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.5 * z)
    p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))
    return np.log(t) - z * z + p


def bead_gain(ls: np.ndarray, lt: np.ndarray, prior: float) -> np.ndarray:
    """Log probability of a bead whose sides have ls and lt characters (the negated Gale–Church cost)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (ls - lt) / np.sqrt(VARIANCE * (ls + lt) / 2.0)
    return log_two_tailed(delta) + math.log(prior)


def _pool(lengths: np.ndarray) -> np.ndarray:
    """Lengths of consecutive blocks of ``POOL`` sentences (the last one may be shorter)."""
    edges = np.arange(0, len(lengths), POOL)
    return np.add.reduceat(lengths, edges)


def _gains(cs: np.ndarray, ct: np.ndarray, band: dp.Band):
    """Block-of-rows gains for every bead type from cumulative lengths (see ``dp.BlockGain``)."""
    types = list(PRIORS)

    def block(r0: int, r1: int) -> np.ndarray:
        rows, cols = band.cells(r0, r1)
        out = np.full((len(types), len(rows)), dp.NEG)
        for k, (a, b) in enumerate(types):
            ok = (rows >= a) & (cols >= b)
            ls = cs[rows[ok]] - cs[rows[ok] - a]
            lt = ct[cols[ok]] - ct[cols[ok] - b]
            out[k, ok] = bead_gain(ls, lt, PRIORS[(a, b)])
        return out
    return block


def solve(ls: np.ndarray, lt: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Best beads (i0, i1, j0, j1) for sentence lengths ``ls`` and ``lt``.

    Small grids are searched whole. Larger ones first align blocks of ``POOL``
    sentences the same way (recursively: Gale–Church works on any text
    lengths), then search a corridor of +-``WIDTH`` sentences around that
    path, widened wherever the path runs along its edge; a fixed band around
    the diagonal would miss a path pushed aside by a long one-sided block.
    """
    n, m = len(ls), len(lt)
    cs = np.concatenate([[0.0], np.cumsum(ls, dtype=np.float64)])
    ct = np.concatenate([[0.0], np.cumsum(lt, dtype=np.float64)])
    if (n + 1) * (m + 1) <= FULL_LIMIT:
        band = dp.full_band(n, m)
    else:
        coarse = solve(_pool(ls), _pool(lt))
        points = [(min(n, i * POOL), min(m, j * POOL)) for i, j in dp.path_points(coarse)]
        band = dp.band_around(points, n, m, WIDTH)
    beads, _ = dp.refine(band, lambda b: dp.run_dp(b, list(PRIORS), _gains(cs, ct, b)), width=WIDTH)
    return beads


class LengthAligner:
    """Gale–Church on character lengths, linear in the documents' length."""

    name = "length"
    params = None  # no settings of its own (NLTK's costs): ``Aligner.params``
    encoder = None  # it embeds nothing

    def align(self, src: list[str], tgt: list[str], src_paras=None, tgt_paras=None, src_foreign=None,
              tgt_foreign=None) -> list[Link]:
        """Gale–Church judges by lengths alone: paragraphs and languages are not used."""
        n, m = len(src), len(tgt)
        if not n or not m:
            return [Link((i,), ()) for i in range(n)] + [Link((), (j,)) for j in range(m)]
        # each sentence at least 1 character, as in NLTK's use
        beads = solve(np.array([max(1, len(s)) for s in src], dtype=np.float64),
                      np.array([max(1, len(t)) for t in tgt], dtype=np.float64))
        return [Link(tuple(range(i0, i1)), tuple(range(j0, j1)), 0.5 if i1 > i0 and j1 > j0 else 0.0)
                for i0, i1, j0, j1 in beads]

"""How well a memory's unit translates its source, measured against the memory itself.

Nothing here is a cosine fixed on one language pair: each memory is its own
reference (see ``align.memory_check`` for the findings built on it).

- Vectors are centred on each side's running mean (``Centre``): e5 vectors of
  one language share a large common direction that drowns the differences
  between pairs.
- ``csls``: a unit's cosine minus the mean of the best cosine its source has
  with any other target of the window and its target with any other source
  (CSLS, the k = 1 margin of bitext mining).
- The memory's own null: the same number for random pairs of units far apart
  in the window, which are not translations whatever the memory is.
  ``non_translation_odds`` turns a csls into P(not a translation) with Efron's
  local false discovery rate, and ``Rule`` says when a unit is misaligned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

SHIFT_WINDOW = 1  # units on each side a unit's own pair must beat (a shift moves a target by one)
NULL_OFFSETS = (2, 3, 5)  # random pairs for the memory's own null: unit i with unit i + n // d of its window
BAD_POSTERIOR = 0.5  # misaligned when a non-translation is likelier than a translation at this score
SHIFT_FLOOR = 0.25  # local margin (in null spreads) below which a neighbour fits as well as the own pair
SHIFT_POSTERIOR = 0.02  # ... which counts when the pair is also at least this likely a non-translation
LENGTH_FREE = 2.0  # robust z of the length ratio within which length says nothing


@dataclass(frozen=True)
class Rule:
    """When a unit is misaligned, from its P(non-translation) and its shift margin (see unit_scores)."""

    bad: float = BAD_POSTERIOR
    shift_floor: float = SHIFT_FLOOR
    shift_posterior: float = SHIFT_POSTERIOR

    def misaligned(self, p_bad: np.ndarray, shift: np.ndarray) -> np.ndarray:
        return (p_bad > self.bad) | ((p_bad > self.shift_posterior) & (shift < 0))


@dataclass
class Centre:
    """Running sums of each side's vectors: e5 vectors share a large common direction per language, and
    cosines of the centred vectors separate translations from neighbours better (most on zh-en)."""

    s: Optional[np.ndarray] = None
    t: Optional[np.ndarray] = None
    n: int = 0

    def add(self, S: np.ndarray, T: np.ndarray) -> None:
        if self.s is None:
            self.s, self.t = np.zeros(S.shape[1], np.float64), np.zeros(S.shape[1], np.float64)
        self.s += S.sum(axis=0)
        self.t += T.sum(axis=0)
        self.n += len(S)

    def apply(self, X: np.ndarray, side: str) -> np.ndarray:
        total = self.s if side == "s" else self.t
        if not self.n or total is None:
            return X
        Y = X - (total / self.n).astype(np.float32)
        norms = np.linalg.norm(Y, axis=1, keepdims=True)
        return np.where(norms > 1e-9, Y / np.maximum(norms, 1e-9), 0.0).astype(np.float32)


@dataclass
class Scored:
    """One block's numbers: see _Features."""

    sim: np.ndarray
    csls: np.ndarray
    local: np.ndarray
    null: np.ndarray
    nb: np.ndarray


def same_text(src: list[str], tgt: list[str]) -> np.ndarray:
    """[i, j]: units i and j are copies (same source and target): a copy is no competitor. A target
    that also stands beside another source is kept as one: it may well belong there."""
    seen: dict[tuple[str, str], int] = {}
    ids = np.array([seen.setdefault(pair, len(seen)) for pair in zip(src, tgt)])
    return ids[:, None] == ids[None, :]


def background(S: np.ndarray, T: np.ndarray, ok: np.ndarray, lo: int, hi: int, same: np.ndarray) -> Scored:
    """Rows lo:hi of a window of centred vectors against the whole window.

    ``csls``: the pair's cosine minus the mean of the best cosine each side
    has with any other unit of the window (CSLS / the margin of bitext
    mining with k = 1); ``local``: the same against the SHIFT_WINDOW units
    around only; ``null``: csls of pairs of units far apart in the window
    (NULL_OFFSETS), the memory's own sample of what non-translations score.
    Copies of a unit (``same``) are left out of all three.
    """
    n = len(S)
    C = S @ T.T  # C[i, j]: source i with target j
    valid = ok[:, None] & ok[None, :] & ~same
    Cm = np.where(valid, C, -np.inf)
    best_s = Cm.max(axis=1) if n > 1 else np.full(n, -np.inf)  # source i's best other target
    best_t = Cm.max(axis=0) if n > 1 else np.full(n, -np.inf)  # target j's best other source
    best_s = np.where(np.isfinite(best_s), best_s, 0.0)
    best_t = np.where(np.isfinite(best_t), best_t, 0.0)
    rows = np.arange(lo, hi)
    sim = C[rows, rows]
    csls = sim - (best_s[rows] + best_t[rows]) / 2
    near_s = np.full(hi - lo, -np.inf)
    near_t = np.full(hi - lo, -np.inf)
    nb = np.full((hi - lo, 4), -1.0, np.float32)
    for off in range(-SHIFT_WINDOW, SHIFT_WINDOW + 1):
        j = rows + off
        inside = (off != 0) & (j >= 0) & (j < n)
        idx = np.where(inside)[0]
        if not len(idx):
            continue
        jj = j[idx]
        good = ok[jj] & ~same[rows[idx], jj]
        st = np.where(good, C[rows[idx], jj], -np.inf)  # this unit's source with a neighbour's target
        ts = np.where(good, C[jj, rows[idx]], -np.inf)  # this unit's target with a neighbour's source
        near_s[idx] = np.maximum(near_s[idx], st)
        near_t[idx] = np.maximum(near_t[idx], ts)
        if abs(off) == 1:
            c = 0 if off < 0 else 1
            nb[idx, c] = np.where(good, ts, -1.0)
            nb[idx, c + 2] = np.where(good, st, -1.0)
    has = np.isfinite(near_s) & np.isfinite(near_t)
    local = np.where(has, sim - (np.where(has, near_s, 0) + np.where(has, near_t, 0)) / 2, np.inf)
    nulls = []
    for d in NULL_OFFSETS:
        if n < 2 * d:
            continue
        j = (rows + n // d) % n
        keep = ok[rows] & ok[j] & ~same[rows, j]
        nulls.append(C[rows[keep], j[keep]] - (best_s[rows[keep]] + best_t[j[keep]]) / 2)
    null = np.concatenate(nulls) if nulls else np.zeros(0, np.float32)
    return Scored(sim.astype(np.float32), csls.astype(np.float32), local.astype(np.float32),
                   null.astype(np.float32), nb)


def robust_z(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    ref = values[mask]
    if len(ref) < 5:
        return np.zeros_like(values)
    med = float(np.median(ref))
    spread = max(1e-3, 1.4826 * float(np.median(np.abs(ref - med))))
    return (values - med) / spread


def _density(x: np.ndarray, grid: np.ndarray, bw: float) -> np.ndarray:
    """A Gaussian kernel density of ``x`` on an even grid (binned: linear in the memory's size)."""
    step = grid[1] - grid[0]
    counts, _ = np.histogram(x, bins=len(grid), range=(grid[0] - step / 2, grid[-1] + step / 2))
    half = int(4 * bw / step) + 1
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * step / bw) ** 2)
    d = np.convolve(counts.astype(np.float64), kernel / kernel.sum(), mode="same")
    return d / max(d.sum() * step, 1e-12)


def _decreasing(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The weighted least-squares non-increasing fit of ``y`` (pool adjacent violators)."""
    vals: list[float] = []
    weights: list[float] = []
    sizes: list[int] = []
    for v, wt in zip(y, w):
        vals.append(float(v)), weights.append(float(wt)), sizes.append(1)
        while len(vals) > 1 and vals[-2] < vals[-1]:
            v2, w2, n2 = vals.pop(), weights.pop(), sizes.pop()
            total = weights[-1] + w2
            vals[-1] = (vals[-1] * weights[-1] + v2 * w2) / total if total > 0 else max(vals[-1], v2)
            weights[-1], sizes[-1] = total, sizes[-1] + n2
    return np.repeat(vals, sizes)


def non_translation_odds(score: np.ndarray, null: np.ndarray) -> np.ndarray:
    """P(not a translation | score) per unit: Efron's local false discovery rate with the memory's own null.

    ``null`` holds the scores of random pairs of the same memory (what its
    non-translations score); ``score`` mixes translations and non-translations.
    The share of non-translations is estimated as twice the share of units
    below the null's median (translations almost never score there), the two
    densities by kernels, and the ratio made non-increasing in the score. The
    decision point is thus where this memory's own translations and
    non-translations cross, not a cosine fixed on one language pair.
    """
    if len(null) < 20 or len(score) < 5:  # too few units to estimate anything: the sign of the margin
        return 1.0 / (1.0 + np.exp(np.clip(score / 0.02, -30, 30)))
    med = float(np.median(null))
    share = float(np.clip(2 * np.mean(score < med), 1 / len(score), 1.0))
    lo, hi = float(min(score.min(), null.min())), float(max(score.max(), null.max()))
    grid = np.linspace(lo - 0.05, hi + 0.05, 512)
    step = grid[1] - grid[0]
    bw = max(1.06 * float(null.std()) * len(null) ** -0.2, 2 * step)
    f0, f = _density(null, grid, bw), _density(score, grid, bw)
    ratio = np.clip(share * f0 / np.maximum(f, 1e-12), 0.0, 1.0)
    right = grid >= med
    ratio[~right] = 1.0  # below what random pairs usually score: not a translation
    ratio[right] = _decreasing(ratio[right], f[right] + 1e-6)
    return np.interp(score, grid, ratio)


def unit_scores(csls: np.ndarray, local: np.ndarray, null: np.ndarray, log_ratio: np.ndarray,
                ok: np.ndarray, rule: Rule = Rule()) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(P(non-translation), shift margin, length z, score) per unit; score in [0, 1], misaligned below 0.5.

    A unit is misaligned when it is likelier a non-translation than a
    translation (non_translation_odds of its csls), or when a neighbour's
    segment fits it about as well as its own (a shift: local margin under
    SHIFT_FLOOR null spreads) and it is not clearly a translation either.
    The score falls further when one side is far longer, measured against the
    other, than in the memory's other units (a partial translation).
    """
    p_bad = np.ones(len(csls))
    p_bad[ok] = non_translation_odds(csls[ok], null)
    spread = max(float(null.std()), 1e-3) if len(null) > 1 else 0.05
    shift = (local - rule.shift_floor * spread) / spread  # < 0: a neighbour fits as well
    lz = robust_z(log_ratio, ok)
    score = 1.0 - p_bad
    shifted = (p_bad > rule.shift_posterior) & np.isfinite(shift)
    shift_score = 0.5 * (1.0 + np.tanh(np.where(np.isfinite(shift), shift, 30.0)))
    score = np.where(shifted, np.minimum(score, shift_score), score)
    score = score * np.exp(-0.5 * np.maximum(0.0, np.abs(lz) - LENGTH_FREE))
    return p_bad, shift, lz, np.where(ok, np.clip(score, 0.0, 1.0), 0.0)

"""Word associations learned from the document itself, to settle near-ties between bead boundaries.

Where two adjacent beads could share a sentence either way (which of two
Chinese sentences "He helped himself to a cake" belongs to), a small encoder
often scores both paths within a few thousandths. The document itself knows
better: the names and terms of that sentence recur elsewhere with their
translations. As Hunalign and Bleualign bootstrap a dictionary from a first
alignment, ``learn`` counts which source and target tokens occur together in
the first pass's 1-1 beads (Dice coefficient, pairs seen together at least
``min_cooc`` times, so a bead does not teach itself its own words) and
``Lexicon.gain`` scores a bead by how much of each side the other explains:
every token of one side counts its best association with any token of the
other. The sum over tokens (not a mean) makes a boundary shift a pure
question of which side explains the moved sentence; ``center`` takes off the
typical explanation per token, so that pairing text is not made cheaper than
leaving it out. Tokens are split by Unicode, not by language: words where
the script spaces them, character unigrams where it does not (wide letters:
Chinese, Japanese).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"\w+")
_WIDE: dict[str, bool] = {}


def _wide(c: str) -> bool:
    """A letter of a script written without spaces between words (east-asian wide: Han, kana)."""
    w = _WIDE.get(c)
    if w is None:
        w = _WIDE[c] = unicodedata.east_asian_width(c) in "WF" and unicodedata.category(c) == "Lo"
    return w


def tokens(text: str) -> set[str]:
    """The token types of a sentence: lower-cased words, and each wide letter on its own."""
    out = set()
    for w in _WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
        if not any(_wide(c) for c in w):
            out.add(w)
            continue
        word, prev = "", ""
        for c in w:
            if _wide(c):
                if word:
                    out.add(word)
                    word = ""
                out.add(c)
                if prev:
                    out.add(prev + c)
                prev = c
            else:
                word += c
                prev = ""
        if word:
            out.add(word)
    return out


def _run_sum(values: np.ndarray, a: int) -> np.ndarray:
    """Row i holds the sum of values[i-a:i]; rows < a are zero."""
    n = len(values)
    out = np.zeros((n + 1,) + values.shape[1:], dtype=np.float32)
    if 0 < a <= n:
        c = np.concatenate([np.zeros((1,) + values.shape[1:]), np.cumsum(values, axis=0, dtype=np.float64)])
        out[a:] = c[a:] - c[:-a]
    return out


def _run_max(values: np.ndarray, a: int) -> np.ndarray:
    """Row i holds the elementwise maximum of values[i-a:i]; rows < a are zero."""
    n = len(values)
    out = np.zeros((n + 1,) + values.shape[1:], dtype=np.float32)
    if 0 < a <= n:
        acc = values[a - 1:].copy()
        for k in range(1, a):
            np.maximum(acc, values[a - 1 - k:n - k], out=acc)
        out[a:] = acc
    return out


@dataclass
class Lexicon:
    """Runs of sentences as token vectors over the associated types, for ``gain``."""

    ES: dict[int, np.ndarray]  # source run ending at i: best association of each target type with its tokens
    ET: dict[int, np.ndarray]  # target run ending at j: the same for each source type
    CS: dict[int, np.ndarray]  # source run ending at i: how many of its sentences hold each source type
    CT: dict[int, np.ndarray]
    center: float  # explanation taken off per associated token
    unit: float  # associated tokens of a typical 1-1 bead (both sides): gains are per such bead

    def gain(self, a: int, b: int, rows, cols, ri, cj, pairs: bool) -> np.ndarray:
        """Explained tokens less ``center`` per token, per ``unit``, of the beads (rows[ri], cols[cj]).

        ``pairs``: the beads (rows[k], cols[k]) instead of every combination.
        """
        es, ct = self.ES[a][rows], self.CT[b][cols]
        et, cs = self.ET[b][cols], self.CS[a][rows]
        if pairs:
            explained = np.einsum("ij,ij->i", es, ct) + np.einsum("ij,ij->i", cs, et)
            known = ct.sum(axis=1) + cs.sum(axis=1)
        else:
            explained = (es @ ct.T + cs @ et.T)[ri, cj]
            known = ct.sum(axis=1)[cj] + cs.sum(axis=1)[ri]
        return (explained - self.center * known) / self.unit


def learn(src: list[str], tgt: list[str], beads: list[tuple[range, range]], sizes, min_cooc: int = 2,
          center: float = 1.0, max_types: int = 2048) -> Lexicon | None:
    """Dice associations of the tokens that share ``beads`` (source range, target range), as a ``Lexicon``.

    None when the beads teach nothing (fewer than 10 1-1 beads, or no token
    pair seen together ``min_cooc`` times). ``center``: share of the 1-1
    beads' mean explanation per token taken off every token, so that a bead
    explained less than a typical one loses.
    """
    ones = [(i[0], j[0]) for i, j in beads if len(i) == len(j) == 1]
    if len(ones) < 10:
        return None
    ts, tt = [tokens(x) for x in src], [tokens(x) for x in tgt]
    S, vs = _frequent([set().union(*(ts[k] for k in i)) for i, _ in beads], min_cooc, max_types)
    T, vt = _frequent([set().union(*(tt[k] for k in j)) for _, j in beads], min_cooc, max_types)
    co = S.T @ T  # training beads holding both types
    fs, ft = S.sum(axis=0), T.sum(axis=0)
    dice = np.where(co >= min_cooc, 2 * co / np.maximum(fs[:, None] + ft[None, :], 1), 0.0).astype(np.float32)
    keep_s, keep_t = np.flatnonzero(dice.any(axis=1)), np.flatnonzero(dice.any(axis=0))
    if not len(keep_s) or not len(keep_t):
        return None
    dice = dice[np.ix_(keep_s, keep_t)]
    vs = {w: k for k, w in enumerate(np.array(vs)[keep_s])}
    vt = {w: k for k, w in enumerate(np.array(vt)[keep_t])}
    XS, XT = _presence(ts, vs), _presence(tt, vt)  # every sentence, associated types only
    es = np.stack([dice[x > 0].max(axis=0) if x.any() else np.zeros(len(vt), np.float32) for x in XS])
    et = np.stack([dice[:, x > 0].max(axis=1) if x.any() else np.zeros(len(vs), np.float32) for x in XT])
    i, j = np.array(ones).T
    explained = (es[i] * XT[j]).sum() + (XS[i] * et[j]).sum()
    known = XT[j].sum() + XS[i].sum()
    if not known:
        return None
    return Lexicon({a: _run_max(es, a) for a in sizes}, {b: _run_max(et, b) for b in sizes},
                   {a: _run_sum(XS, a) for a in sizes}, {b: _run_sum(XT, b) for b in sizes},
                   center * float(explained / known), float(known / len(ones)))


def _frequent(sents: list[set[str]], least: int, most: int) -> tuple[np.ndarray, list[str]]:
    """Presence matrix of the types found in ``least`` sentences or more (the ``most`` most frequent)."""
    df: dict[str, int] = {}
    for s in sents:
        for w in s:
            df[w] = df.get(w, 0) + 1
    types = sorted((w for w, c in df.items() if c >= least), key=lambda w: (-df[w], w))[:most]
    return _presence(sents, {w: k for k, w in enumerate(types)}), types


def _presence(sents: list[set[str]], vocab: dict[str, int]) -> np.ndarray:
    out = np.zeros((len(sents), len(vocab)), dtype=np.float32)
    for r, s in enumerate(sents):
        for w in s:
            k = vocab.get(w)
            if k is not None:
                out[r, k] = 1.0
    return out

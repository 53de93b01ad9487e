"""Word associations learned from the document itself, to settle near-ties between bead boundaries.

Where two adjacent beads could share a sentence either way (which of two
Chinese sentences "Grannie Liu smiled ingratiatingly" belongs to), the small
encoder often scores both paths within a few thousandths. The document itself
knows better: the names and words of that sentence recur elsewhere with their
translations. As Hunalign and Bleualign bootstrap a dictionary from a first
alignment, ``learn`` trains IBM model 1 in both directions on the beads of
the aligner's own path (no outside dictionary, no language constants) and
``Lexicon.gain`` scores a bead by how much of each side the other explains:
every token of one side counts its best association with any token of the
other (the geometric mean of the two directions' probabilities), less what a
run of as many sentences explains of it on average (a common word is
explained by any sentence; a name only by its translation). The sum over
tokens, not a mean, makes a boundary shift a question of which side explains
the sentence that moves. Cross-fitting keeps a wrong bead of the path from
vouching for itself: each quarter of the path is explained by what the other
three teach. Tokens are split by Unicode, not by language: words where the
script spaces them, single letters and pairs of letters where it does not
(east-asian wide letters: Chinese, Japanese).
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

    # source run ending at i: best association of each target type with its tokens, less its document mean
    ES: dict[int, np.ndarray]
    ET: dict[int, np.ndarray]  # target run ending at j: the same for each source type
    CS: dict[int, np.ndarray]  # source run ending at i: how many of its sentences hold each source type
    CT: dict[int, np.ndarray]
    unit: float  # associated tokens of a typical 1-1 bead (both sides): gains are per such bead

    def gain(self, a: int, b: int, rows, cols, ri, cj, pairs: bool) -> np.ndarray:
        """Tokens explained beyond chance, per ``unit``, of the beads (rows[ri], cols[cj]) of a and b sentences.

        ``pairs``: the beads (rows[k], cols[k]) instead of every combination.
        """
        es, ct = self.ES[a][rows], self.CT[b][cols]
        et, cs = self.ET[b][cols], self.CS[a][rows]
        if pairs:
            return (np.einsum("ij,ij->i", es, ct) + np.einsum("ij,ij->i", cs, et)) / self.unit
        return (es @ ct.T + cs @ et.T)[ri, cj] / self.unit


def learn(src: list[str], tgt: list[str], beads: list[tuple[range, range]], sizes, min_count: int = 2,
          folds: int = 4, max_types: int = 2048) -> Lexicon | None:
    """Token associations of the ``beads`` (source range, target range, in order), as a ``Lexicon``.

    Types found in fewer than ``min_count`` beads are left out (a bead does
    not teach itself its own words), and so are all but the ``max_types``
    most frequent. The beads are cut into ``folds`` runs, and the sentences of
    each are explained with the model trained on the others. None when the
    beads teach nothing (fewer than 10 1-1 beads, or no associated token).
    """
    ones = [(i[0], j[0]) for i, j in beads if len(i) == len(j) == 1]
    if len(ones) < 10:
        return None
    folds = max(1, min(folds, len(beads) // 10))
    ts, tt = [tokens(x) for x in src], [tokens(x) for x in tgt]
    S, vs = _frequent([set().union(*(ts[k] for k in i)) for i, _ in beads], min_count, max_types)
    T, vt = _frequent([set().union(*(tt[k] for k in j)) for _, j in beads], min_count, max_types)
    if not vs or not vt:
        return None
    fold = np.arange(len(beads)) * folds // len(beads)
    assoc = []
    for f in range(folds):
        train = fold != f if folds > 1 else fold == f
        assoc.append(np.sqrt(_ibm1(S[train], T[train]) * _ibm1(T[train], S[train]).T).astype(np.float32))
    XS, XT = _presence(ts, dict(zip(vs, range(len(vs))))), _presence(tt, dict(zip(vt, range(len(vt)))))
    # the run of beads each sentence falls in (by where the runs start on its side)
    starts = [k for k in range(1, len(beads)) if fold[k] != fold[k - 1]]
    fs = np.searchsorted([beads[k][0][0] for k in starts], np.arange(len(src)), side="right")
    ft = np.searchsorted([beads[k][1][0] for k in starts], np.arange(len(tgt)), side="right")
    es = np.stack([assoc[f][x > 0].max(axis=0) if x.any() else np.zeros(len(vt), np.float32)
                   for x, f in zip(XS, fs)])
    et = np.stack([assoc[f][:, x > 0].max(axis=1) if x.any() else np.zeros(len(vs), np.float32)
                   for x, f in zip(XT, ft)])
    ES, ET = {a: _run_max(es, a) for a in sizes}, {b: _run_max(et, b) for b in sizes}
    for runs in (ES, ET):  # less what a run of that many sentences explains on average
        for a, r in runs.items():
            r[a:] -= r[a:].mean(axis=0)
    i, j = np.array(ones).T
    known = float(XT[j].sum() + XS[i].sum())
    if not known:
        return None
    return Lexicon(ES, ET, {a: _run_sum(XS, a) for a in sizes}, {b: _run_sum(XT, b) for b in sizes},
                   known / len(ones))


def _ibm1(S: np.ndarray, T: np.ndarray, rounds: int = 5) -> np.ndarray:
    """IBM model 1's p(target type | source type) from beads (rows of type presence), with a null word."""
    vs, vt = S.shape[1], T.shape[1]
    prob = np.full((vs + 1, vt), 1.0 / vt, dtype=np.float32)
    sides = [(np.append(np.flatnonzero(s), vs), np.flatnonzero(t)) for s, t in zip(S, T) if t.any()]
    for _ in range(rounds):
        count = np.zeros_like(prob)
        for si, ti in sides:
            cell = np.ix_(si, ti)
            sub = prob[cell]
            count[cell] += sub / sub.sum(axis=0)
        prob = count / np.maximum(count.sum(axis=1, keepdims=True), 1e-12)
    return prob[:vs]


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

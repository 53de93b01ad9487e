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
vouching for itself: each eighth of the path is explained by the model less
what its own beads put into the last round of training. Tokens are split by
Unicode, not by language: words where the script spaces them, single letters
and pairs of letters where it does not (east-asian wide letters: Chinese,
Japanese).
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
    """The token types of a sentence: lower-cased words, each wide letter and each pair of adjacent ones."""
    out = set()
    for w in _WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
        if w.isascii() or not any(_wide(c) for c in w):
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
        acc = values[a - 1:].astype(np.float32)
        for k in range(1, a):
            acc += values[a - 1 - k:n - k]
        out[a:] = acc
    return out


def run_max(values: np.ndarray, a: int) -> np.ndarray:
    """Row i holds the elementwise maximum of values[i-a:i]; rows < a are zero."""
    n = len(values)
    out = np.zeros((n + 1,) + values.shape[1:], dtype=values.dtype)
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
          folds: int = 8, max_types: int = 1024) -> Lexicon | None:
    """Token associations of the ``beads`` (source range, target range, in order), as a ``Lexicon``.

    Types found in fewer than ``min_count`` beads are left out (a bead does
    not teach itself its own words), and so are all but the ``max_types``
    most frequent. The beads are cut into ``folds`` runs, and the sentences of
    each are explained with the model less its own beads' part. None when the
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
    assoc = [np.sqrt(np.multiply(fw, bw.T, out=fw), out=fw)
             for fw, bw in zip(_ibm1(S, T, fold, folds), _ibm1(T, S, fold, folds))]
    back = [np.ascontiguousarray(a.T) for a in assoc]
    XS, XT = _presence(ts, dict(zip(vs, range(len(vs))))), _presence(tt, dict(zip(vt, range(len(vt)))))
    # the run of beads each sentence falls in (by where the runs start on its side)
    starts = [k for k in range(1, len(beads)) if fold[k] != fold[k - 1]]
    fs = np.searchsorted([beads[k][0][0] for k in starts], np.arange(len(src)), side="right")
    ft = np.searchsorted([beads[k][1][0] for k in starts], np.arange(len(tgt)), side="right")
    es = np.stack([assoc[f][x > 0].max(axis=0) if x.any() else np.zeros(len(vt), np.float32)
                   for x, f in zip(XS, fs)])
    et = np.stack([back[f][x > 0].max(axis=0) if x.any() else np.zeros(len(vs), np.float32)
                   for x, f in zip(XT, ft)])
    ES, ET = {a: run_max(es, a) for a in sizes}, {b: run_max(et, b) for b in sizes}
    for runs in (ES, ET):  # less what a run of that many sentences explains on average
        for a, r in runs.items():
            r[a:] -= r[a:].mean(axis=0)
    i, j = np.array(ones).T
    known = float(XT[j].sum() + XS[i].sum())
    if not known:
        return None
    return Lexicon(ES, ET, {a: _run_sum(XS, a) for a in sizes}, {b: _run_sum(XT, b) for b in sizes},
                   known / len(ones))


def _ibm1(S: np.ndarray, T: np.ndarray, fold: np.ndarray, folds: int, rounds: int = 5) -> list[np.ndarray]:
    """IBM model 1's p(target type | source type) from beads (rows of type presence), with a null word.

    One model per fold f: trained on all beads, with the counts the fold's own beads add in the last round
    taken out (so a bead does not vouch for itself; ``folds`` 1: one model of all beads). Retraining per
    fold gives about the same links at twice the cost.
    """
    vs, vt = S.shape[1], T.shape[1]
    # every (source type or null, target type) pair of each bead; group: the bead's target token it explains
    S = np.hstack([S, np.ones((len(S), 1), dtype=S.dtype)])  # (the null word, in every bead)
    bs, si = np.nonzero(S)
    bt, ti = np.nonzero(T)
    per_t = np.bincount(bt, minlength=len(T))
    start_t = np.concatenate([[0], np.cumsum(per_t)[:-1]])
    reps = per_t[bs]
    within = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    group = np.repeat(start_t[bs], reps) + within  # (an index into ti: one target token of one bead)
    flat = np.repeat(si, reps) * vt + ti[group]
    bead = fold[bt[group]]
    pairs, pair = np.unique(flat, return_inverse=True)  # (the pairs ever seen together: a compact index)
    row = pairs // vt
    prob = np.full(len(pairs), 1.0 / vt)
    for r in range(rounds):
        p = prob[pair]
        post = p / np.bincount(group, weights=p, minlength=len(ti))[group]
        count = np.bincount(pair, weights=post, minlength=len(pairs))
        if r < rounds - 1:
            prob = count / np.maximum(np.bincount(row, weights=count, minlength=vs + 1), 1e-12)[row]
    out = []
    for f in range(folds):  # the last round's counts less those of the fold's own beads
        c = count - np.bincount(pair[bead == f], weights=post[bead == f], minlength=len(pairs)) if folds > 1 else count
        dense = np.zeros((vs + 1) * vt, dtype=np.float32)
        dense[pairs] = c / np.maximum(np.bincount(row, weights=c, minlength=vs + 1), 1e-12)[row]
        out.append(dense.reshape(vs + 1, vt)[:vs])
    return out


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

"""The DP core and both aligners, with a cheap deterministic encoder for property tests."""

import zlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from align.aligners import EmbeddingAligner, LengthAligner
from align.aligners.dp import band_around, run_dp
from align.aligners.length import pairs_to_links


class TrigramEncoder:
    """Hashed character trigrams: similar strings get similar vectors, no model needed."""

    name = "trigram-test"

    def encode(self, texts):
        out = np.zeros((len(texts), 256), dtype=np.float32)
        for k, t in enumerate(texts):
            t = f"  {t.lower()} "
            for i in range(len(t) - 2):
                out[k, zlib.crc32(t[i:i + 3].encode()) % 256] += 1
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out


def covers_once_in_order(links, n, m):
    src = [i for l in links for i in l.src]
    tgt = [j for l in links for j in l.tgt]
    return sorted(src) == list(range(n)) and sorted(tgt) == list(range(m))


def monotone(links):
    last_i = last_j = -1
    for l in links:
        if l.src:
            if l.src[0] <= last_i:
                return False
            last_i = l.src[-1]
        if l.tgt:
            if l.tgt[0] <= last_j:
                return False
            last_j = l.tgt[-1]
    return True


def test_dp_finds_the_diagonal_and_a_merge():
    # a bead ending at (i, j): 1-1 beads pay on the diagonal, the last source
    # sentence pays most when it takes the last two targets together
    def gain(a, b, i, j0, j1):
        js = np.arange(j0, j1)
        if (a, b) == (1, 1):
            return np.where(js == i, 1.0, -1.0)
        if (a, b) == (1, 2):
            return np.where((i == 4) & (js == 5), 2.5, -1.0)
        return np.full(len(js), -0.4)

    beads = run_dp(4, 5, [(1, 1), (1, 0), (0, 1), (1, 2)], gain)
    assert beads == [(0, 1, 0, 1), (1, 2, 1, 2), (2, 3, 2, 3), (3, 4, 3, 5)]


def test_band_is_connected_and_monotone():
    band = band_around([(0, 0), (5, 2), (10, 10)], 10, 10, 1)
    assert band[0][0] == 0 and band[-1][1] == 11
    for (lo0, hi0), (lo1, hi1) in zip(band, band[1:]):
        assert lo1 >= lo0 and hi1 >= hi0 and lo1 <= hi0 - 1


def test_pairs_to_links_makes_beads():
    links = pairs_to_links([(0, 0), (1, 1), (1, 2), (3, 4)], 5, 5)
    assert [(l.src, l.tgt) for l in links] == [
        ((0,), (0,)), ((1,), (1, 2)), ((2,), ()), ((), (3,)), ((3,), (4,)), ((4,), ())]


words = st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=40)


@settings(max_examples=40, deadline=None)
@given(st.lists(words, min_size=0, max_size=25), st.lists(words, min_size=0, max_size=25))
def test_embedding_links_cover_every_sentence_once(src, tgt):
    links = EmbeddingAligner(TrigramEncoder()).align(src, tgt)
    assert covers_once_in_order(links, len(src), len(tgt))
    assert all(0.0 <= l.score <= 1.0 for l in links)


@settings(max_examples=40, deadline=None)
@given(st.lists(words, min_size=0, max_size=25), st.lists(words, min_size=0, max_size=25))
def test_length_links_are_monotone_and_cover(src, tgt):
    links = LengthAligner().align(src, tgt)
    assert covers_once_in_order(links, len(src), len(tgt))
    assert monotone(links)


def test_embedding_aligner_recovers_a_shuffled_copy_with_gaps():
    src = [f"sentence number {w} about the {w} topic" for w in
           "alpha bravo charlie delta echo foxtrot golf hotel india juliet".split()]
    tgt = src[:3] + ["an inserted line nobody translated xyz"] + src[3:7] + [src[7] + " " + src[8]] + src[9:]
    links = EmbeddingAligner(TrigramEncoder()).align(src, tgt)
    pairs = [(l.src, l.tgt) for l in links]
    assert ((), (3,)) in pairs
    assert ((7, 8), (8,)) in pairs
    assert ((9,), (9,)) in pairs

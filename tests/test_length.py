"""The Gale–Church aligner (``--method length``): NLTK's costs, our linear search.

NLTK's ``align_blocks`` is the independent reference: on every Text+Berg
document our DP must give exactly its links. Beyond ``FULL_LIMIT`` cells the
search runs in a corridor around the path of a coarser alignment (blocks of
sentences, recursively); it must find the same path as the whole grid, also
when a long block on one side pushes the path far off the diagonal.
"""

from __future__ import annotations

import numpy as np
import pytest
from nltk.translate.gale_church import align_blocks

from align.aligners import length
from align.aligners.length import LengthAligner, log_two_tailed

from .conftest import TEXTBERG_DOCS as DOCS
from .conftest import textberg_sentences as lines


def sentence_pairs(links) -> list[tuple[int, int]]:
    return sorted((i, j) for link in links for i in link.src for j in link.tgt)


def covers_once(links, n: int, m: int) -> bool:
    src = [i for link in links for i in link.src]
    tgt = [j for link in links for j in link.tgt]
    return src == list(range(n)) and tgt == list(range(m))


@pytest.mark.parametrize("doc", DOCS)
def test_same_links_as_nltk_on_textberg(doc):
    de, fr = lines("de", doc), lines("fr", doc)
    links = LengthAligner().align(de, fr)
    assert covers_once(links, len(de), len(fr))
    assert sentence_pairs(links) == sorted(align_blocks([max(1, len(s)) for s in de], [max(1, len(t)) for t in fr]))


def test_log_two_tailed_is_the_normal_tail_and_stays_finite():
    x = np.array([0.0, 1.0, 1.959964, 3.0, 10.0, 40.0])
    got = log_two_tailed(x)
    # P(|Z| > 0) = 1, P(|Z| > 1.96) = 0.05, P(|Z| > 3) = 0.0026998
    assert got[0] == pytest.approx(0.0, abs=1e-6)
    assert np.exp(got[2]) == pytest.approx(0.05, rel=1e-5)
    assert np.exp(got[3]) == pytest.approx(0.0026998, rel=1e-4)
    # far tails: finite and still ordered (1 - cdf would round them to 0, i.e. -inf)
    assert np.all(np.isfinite(got)) and np.all(np.diff(got) < 0)
    assert got[5] == pytest.approx(-40.0 ** 2 / 2 - np.log(40.0) - 0.5 * np.log(np.pi / 2), rel=1e-3)


@pytest.fixture(scope="module")
def long_pair() -> tuple[list[str], list[str]]:
    """All seven articles, twice: ~2,000 x 2,000 sentences (just over 4 M cells)."""
    de = [s for doc in DOCS for s in lines("de", doc)] * 2
    fr = [s for doc in DOCS for s in lines("fr", doc)] * 2
    return de, fr


def test_band_finds_the_whole_grid_path(long_pair, monkeypatch):
    de, fr = long_pair
    monkeypatch.setattr(length, "FULL_LIMIT", 10 ** 8)  # the reference: the whole grid, no corridor
    full = LengthAligner().align(de, fr)
    monkeypatch.setattr(length, "FULL_LIMIT", 20_000)  # force two coarser levels and the corridors
    banded = LengthAligner().align(de, fr)
    assert covers_once(banded, len(de), len(fr))
    assert sentence_pairs(banded) == sentence_pairs(full)


def total_gain(de: list[str], fr: list[str], links) -> float:
    """The Gale–Church log probability of a whole alignment (what the search maximises)."""
    cs = np.cumsum([0] + [max(1, len(s)) for s in de])
    ct = np.cumsum([0] + [max(1, len(t)) for t in fr])
    return sum(float(length.bead_gain(np.array([cs[l.src[-1] + 1] - cs[l.src[0]] if l.src else 0.0]),
                                      np.array([ct[l.tgt[-1] + 1] - ct[l.tgt[0]] if l.tgt else 0.0]),
                                      length.PRIORS[(len(l.src), len(l.tgt))])[0]) for l in links)


def test_corridor_search_with_a_long_one_sided_block(long_pair, monkeypatch):
    """500 French sentences missing in the middle push the path far off the diagonal.

    The corridor around the coarse path still holds a path within 1 % of the optimum (a corridor
    search is not exact: the whole grid's best path may leave it where this one does not touch its edge).
    """
    de, fr = long_pair
    fr = fr[:600] + fr[1100:]
    full = LengthAligner().align(de, fr)
    n, m = len(de), len(fr)
    assert max(abs(j - i * m / n) for i, j in sentence_pairs(full)) > 2 * length.WIDTH
    monkeypatch.setattr(length, "FULL_LIMIT", 20_000)
    banded = LengthAligner().align(de, fr)
    assert covers_once(banded, n, m)
    best, got = total_gain(de, fr, full), total_gain(de, fr, banded)
    assert best >= got >= best * 1.01  # gains are negative log probabilities


def test_long_rows_are_traced_back_exactly():
    """900 sentences a side: the path's log probability equals the optimum of a plain DP over the grid.

    Gale–Church gains add up to -1e4 over a long row; a fixed rounding tolerance in the DP's prefix
    scan once took rounding for a better 0-1 skip and traced back a path 900 nats worse.
    """
    de = [s for doc in DOCS for s in lines("de", doc)][:900]
    fr = [s for doc in DOCS for s in lines("fr", doc)][:900]
    n, m = len(de), len(fr)
    cs = np.cumsum([0.0] + [max(1, len(s)) for s in de])
    ct = np.cumsum([0.0] + [max(1, len(t)) for t in fr])
    cols = np.arange(m + 1)
    score = np.full((n + 1, m + 1), -np.inf)
    for i in range(n + 1):  # main bead types a row at a time, then 0-1 skips left to right one by one
        row = np.full(m + 1, -np.inf)
        if i == 0:
            row[0] = 0.0
        for (a, b), prior in length.PRIORS.items():
            if a and i >= a:
                j = cols[b:]
                row[b:] = np.maximum(row[b:], score[i - a, j - b] + length.bead_gain(
                    np.full(len(j), cs[i] - cs[i - a]), ct[j] - ct[j - b], prior))
        skip = length.bead_gain(np.zeros(m), ct[1:] - ct[:-1], length.PRIORS[(0, 1)])
        for j in range(1, m + 1):
            row[j] = max(row[j], row[j - 1] + skip[j - 1])
        score[i] = row
    assert total_gain(de, fr, LengthAligner().align(de, fr)) == pytest.approx(score[n, m], abs=1e-6)

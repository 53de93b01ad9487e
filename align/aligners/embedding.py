"""The embedding aligner: margin-scored beads, a coarse first pass, a precise second.

Each sentence is embedded once. A bead of several sentences on one side is
first scored with the normalised sum of its sentence vectors; in the second
pass the runs that have a real chance of being part of the alignment (by
their posterior probability under the model, see below) get an embedding of
their joined text, and the bead is scored again with it. Only those runs are
embedded, so the cost of merges grows with the number of plausible merges,
not with the size of the documents.

The evidence that a bead's two sides translate each other is a margin: the
cosine minus a baseline, which removes the hubness of small encoders such as
e5-small, whose cosines crowd between 0.75 and 0.95. The baseline is the
similarity of each side to the sentences just before and after the other
side (which is what decides where a bead should end); the first pass and a
bead judged on its own use the mean of its k nearest neighbours instead
(which tells a generic sentence from a specific one). The margin is then
scaled by how well the character lengths agree, under a length model fitted
to the document (``_State.fit_length``: no language constants), and adjusted
for shared names and numbers, optionally for the words the document itself
shows to translate each other (``lexical.py``, ``EmbeddingParams.lexicon``),
for sentence-final punctuation that does not agree, for a quotation one side opens or closes and the other does not
(``quotes.py``) and for sentences in a third language. Leaving a sentence unaligned,
merging, a 2-2 bead and crossing a paragraph break have fixed costs, and so has a bead
side that starts with a fragment of punctuation or holds OCR debris, which
the encoder cannot judge (``fragment_kind``). A 2-2 bead whose sentences
translate each other crosswise becomes the two crossed pairs
(``swap_crossed``).

The first pass finds the best path with a cheap version of that score (kNN
baseline, summed vectors) over the whole grid, or, for long documents, in a
corridor around the path of pooled blocks of sentences (``guide.py``), widened
where the path runs along its edge; the second works in a narrow band around
it. Every step is linear in the length of the documents beyond that size.

Which runs get embedded is decided on summed vectors, which read closer to
the other side than the joined text does, the more so the more sentences a
side holds; the second pass takes ``sum_shift`` off large beads whose sides
are still summed, so that fewer of them look plausible only for that reason.

A section only one version has is a run of sentences that nothing on the
other side claims (``_State.find_unmatched``); leaving such runs unaligned
costs less than leaving a single sentence, or the DP would bundle them into
merges with unrelated sentences.

After the DP, the sentences at the edge of a merge bead that the bead does
not need (``peel_unsupported``: it reads as well without them, and they do
not look like a translation of the other side on their own; a single
sentence or a run of them) are named on the link
(``Link.unsupported_src/_tgt``) for the missing-block check; the bead itself is
kept, since real merges fire the same test too often to split them, unless it
does not read as a translation at all (own confidence below
``peel_split_score``) and carries a run of ``peel_split_run`` such sentences:
then it is split, and the DP solved again with them at the one-sided price. Such
sentences that translate each other across the two sides, a few sentences
apart, are moved text (a caption the layout put elsewhere), not missing
text, and are not named (``unmark_moved``).

A link's score is a probability. The posterior of the bead (forward-backward
over the band, gains divided by a temperature) is the probability that this
exact link is part of the alignment, given everything around it; it is low
where the boundaries are uncertain. But it can be high for a pair that is
merely the least bad option, so the score is the smaller of it and the
bead's own confidence, a logistic curve of its evidence without the
neighbour baseline (``_State.link``, also used for out-of-order pairs). On
Text+Berg both are well calibrated and the score tells exactly right links
from wrong ones with a ROC AUC of about 0.86 (the posterior alone: 0.88;
the plain evidence: 0.6); see eval/RESULTS.md.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
import zlib
from dataclasses import dataclass, field, replace

import numpy as np

from ..documents import Link
from .. import markup
from ._blas import one_blas_thread
from .dp import (
    Band,
    band_around,
    bead_posteriors,
    full_band,
    path_points,
    refine,
    run_dp,
)
from .guide import band_knn, guide_points
from .lexical import learn as learn_lexicon, run_max
from .quotes import quote_parity

BEADS = [(1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 4), (4, 1), (2, 3), (3, 2), (1, 5), (5, 1)]
COARSE_BEADS = [(1, 1), (1, 0), (0, 1), (1, 2), (2, 1)]


@dataclass
class EmbeddingParams:
    """Settings of the embedding aligner (tuned on Text+Berg de-fr and MAC-Dev zh-en, see eval/RESULTS.md)."""

    knn: int = 4
    neighbours: float = 1.0  # share of the margin's baseline taken from the adjacent sentences (rest: kNN)
    skip: float = -0.02  # gain of leaving one sentence unaligned
    # a run of unmatched_run+ sentences that nothing on the other side claims (``_State.find_unmatched``: no 1-1
    # evidence of unmatched_below or more, in no other sentence's best bead) costs skip_unmatched a sentence: a
    # section only one side has (None: every sentence costs skip)
    skip_unmatched: float | None = -0.005
    unmatched_below: float = -0.015
    unmatched_run: int = 4
    merge: float = 0.0  # cost per extra sentence in a bead
    # cost of a 2-2 bead: the neighbour baseline (``_neighbour_sims``) scores each of two adjacent 1-1 beads against
    # the other's sentences, so where those read alike (short lines, dialogue) the pair looks weaker than one 2-2
    # bead scored against the sentences outside it (a higher cost splits true 2-2 beads: eval/RESULTS.md)
    two_two: float = 0.005
    cross_paragraph: float = 0.05  # cost of a bead spanning a paragraph break
    # fragments the encoder cannot judge (``fragment_kind``): a side of 2+ sentences that starts with one made only
    # of punctuation ("!", "» .": the end of the sentence before it, cut off by the splitter) costs lead_fragment;
    # each sentence of fewer than 3 letters (OCR debris, figure labels, page numbers) in such a side costs debris
    lead_fragment: float = 0.05
    debris: float = 0.02
    length: bool = True  # scale the margin by the agreement of the character lengths
    # per document, from the 1-1 beads of the first pass (``_State.fit_length``): the length ratio of the two sides
    # (their median) and how much lengths say (a spread of log ratios above length_spread counts them less)
    length_fit: bool = True
    length_spread: float = 0.25
    lexical: float = 0.01  # weight of the names, numbers and cognates the two sides share
    punctuation: float = 0.01  # cost when the two sides end with different punctuation (. ? ! : ;)
    # cost when one side of a bead opens or closes a quotation and the other does not: an odd number of quotation
    # marks against an even one (``quotes.py``); counted once the plausible runs are embedded (so that it does not
    # change which are: tokens as without it), in the final DP, the link scores and the peel
    quotes: float = 0.005
    # weight of the word associations learned from the document's own path (``lexical.py``: IBM model 1 on the
    # second pass's beads), per typical 1-1 bead's worth of tokens explained beyond chance; counted after the rounds
    # of plausible runs (so that it does not change which are embedded), like ``quotes``. Off: 0.15 takes MAC-Dev
    # zh-en 0.864 -> 0.874 strict, but learning costs a third more warm align time, and from 0.1 on two subtitle
    # lines whose pronouns the translation redistributes are joined into a 2-2 bead (eval/RESULTS.md)
    lexicon: float = 0.0
    lexicon_min_count: int = 2  # beads a token must be found in to be learned
    lexicon_folds: int = 8  # cross-fitting: each eighth of the path is explained without its own beads' counts
    foreign: float = 0.1  # cost of pairing a sentence in a third language (e.g. Finnish boilerplate)
    rescue: float = 0.5  # confidence needed to pair leftover sentences out of order
    rescue_window: int = 12  # how far apart (in sentences) such out-of-order pairs may be
    swap: float = 0.99  # confidence both crossed pairs of a 2-2 bead need to replace it (``swap_crossed``)
    exact_overlaps: bool = True  # embed the joined text of plausible multi-sentence runs
    exact_max: int = 5  # longest run embedded as one text
    exact_min_posterior: float = 0.02  # posterior a bead needs for its runs to be embedded (0.01: 7 % more tokens, same links)
    # evidence taken off a bead of sum_shift_from+ sentences per extra sentence of a side still scored with its
    # summed vector (its joined text reads 0.01-0.05 further from the other side, see eval/RESULTS.md): the summed
    # pass then finds fewer large beads plausible that embedding would reject, and fewer runs are embedded
    # (Text+Berg 1.72x -> 1.40x the sentence tokens, MAC-Dev 3.25x -> 2.14x, the same links; 0.0175: both lose)
    sum_shift: float = 0.0125
    sum_shift_from: int = 4
    exact_rounds: int = 2  # rounds of (posteriors, embed the new plausible runs)
    temperature: float = 0.01  # gains are divided by this for the posteriors (link scores)
    full_limit: int = 4_000_000  # n*m above which the first pass is banded (guided by pooled blocks, guide.py)
    guide_factor: int = 8  # sentences per block of the guide, and half-width of the first pass's corridor
    knn_window: int = 128  # long documents: how far (in sentences) the kNN baseline looks from the guide path
    width: int = 8  # half-width of the second-pass band around the first path
    # ``_State.link``: confidence of a bead judged on its own, a logistic curve of its evidence fitted on
    # Text+Berg (gold 1-1 pairs against pairs shifted by one or two sentences, weighted equally)
    score_center: float = -0.017  # evidence at which that confidence is 0.5
    score_scale: float = 0.008
    # a link's score: "min" of its posterior and its own confidence (``_State.link``), so that a pair the
    # alignment is sure of but whose sentences do not look like translations still scores low;
    # "posterior" alone (best at telling exactly right links, see eval/RESULTS.md); "evidence" alone
    score_mode: str = "min"
    # after the DP, sentences at the edge of a merge bead that the bead does not need (``peel_unsupported``):
    # "report" keeps the bead and names them on it (``Link.unsupported_*``, for the missing-block check), "split" makes
    # them one-sided links (costs 0.02 strict F1 on Text+Berg, whose gold has real merges), "off"
    peel: str = "report"
    # a run of edge sentences (one or more) is unsupported when the bead reads at least as well without it (its
    # evidence gains less than peel_run_gain from it) and the run alone against the other side scores below
    # peel_run_alone (no cosine test: e5's cosines grow with the length of the texts) ...
    peel_run_gain: float = 0.0
    peel_split_run: int = 3
    peel_split_score: float = 0.01
    peel_run_alone: float = -0.01
    # ... or, for a single sentence, when the bead gains less than peel_gain from it, it scores below peel_alone
    # alone and its cosine with the other side is below peel_cos (adds little and reads unlike the other side)
    peel_gain: float = 0.005
    peel_alone: float = -0.03
    peel_cos: float = 0.82
    beads: list = field(default_factory=lambda: list(BEADS))
    coarse_beads: list = field(default_factory=lambda: list(COARSE_BEADS))  # first pass: finds the band only

    def __post_init__(self) -> None:
        self.beads = [tuple(b) for b in self.beads]  # (as --set beads=[[1, 1], ...] gives them)
        self.coarse_beads = [tuple(b) for b in self.coarse_beads]


def _normalise(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-12)


def _runs(vecs: np.ndarray, a: int) -> np.ndarray:
    """Row i (1-based end) holds the normalised sum of vecs[i-a:i]; rows < a are zero."""
    n, d = vecs.shape
    out = np.zeros((n + 1, d), dtype=np.float32)
    if a == 0 or a > n:
        return out
    acc = vecs[:n - a + 1].astype(np.float32)  # a shifted sums, not a running total: exact at any length
    for k in range(1, a):
        acc += vecs[k:n - a + 1 + k]
    out[a:] = _normalise(acc)
    return out


def _in_runs(mask: np.ndarray, least: int) -> np.ndarray:
    """Where ``mask`` holds within a run of at least ``least`` consecutive True values."""
    out = np.zeros(len(mask), dtype=bool)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2]):
        if b - a >= least:
            out[a:b] = True
    return out


def _prefix_mean(values: np.ndarray, a: int) -> np.ndarray:
    """Row i holds the mean of values[i-a:i] (values may be 1-D or 2-D)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    out = np.zeros((n + 1,) + values.shape[1:])
    if 0 < a <= n:
        c = np.concatenate([np.zeros((1,) + values.shape[1:]), np.cumsum(values, axis=0)])
        out[a:] = (c[a:] - c[:-a]) / a
    return out


_WORD = re.compile(r"\w+")
LEXICAL_DIM = 128


class _CombiningMarks(dict):
    """``str.translate`` table that drops combining marks (accents after NFKD), filled as characters are met."""

    def __missing__(self, cp: int):
        self[cp] = None if unicodedata.combining(chr(cp)) else cp
        return self[cp]


_STRIP_MARKS = _CombiningMarks()


def _anchor_tokens(text: str) -> set[str]:
    """Word forms that may be shared by a translation: words of 4+ letters and anything with a digit."""
    t = unicodedata.normalize("NFKD", text.lower())
    if not t.isascii():
        t = t.translate(_STRIP_MARKS)
    return {w.lstrip("0") or "0" if w.isdigit() else w
            for w in _WORD.findall(t) if len(w) >= 4 or any(c.isdigit() for c in w)}


def lexical_vectors(src: list[str], tgt: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hashed, idf-weighted presence of the word forms found on both sides (names, numbers, cognates).

    A word form found only on one side (most words) tells nothing and is left
    out. Weights are log(1 + N / df), so a name used once on each side counts
    more than a word found in every paragraph.
    """
    ts = [_anchor_tokens(x) for x in src]
    tt = [_anchor_tokens(x) for x in tgt]
    df_s: dict[str, int] = {}
    df_t: dict[str, int] = {}
    for toks, df in ((ts, df_s), (tt, df_t)):
        for sent in toks:
            for w in sent:
                df[w] = df.get(w, 0) + 1
    total = len(src) + len(tgt)
    weight = {w: math.log(1 + total / (df_s[w] + df_t[w])) for w in df_s.keys() & df_t.keys()}
    out = []
    for toks in (ts, tt):
        mat = np.zeros((len(toks), LEXICAL_DIM), dtype=np.float32)
        for r, sent in enumerate(toks):
            for w in sent:
                if w in weight:
                    k = zlib.crc32(w.encode()) % LEXICAL_DIM
                    mat[r, k] = max(mat[r, k], weight[w])
        out.append(mat)
    return out[0], out[1]


_LETTER = re.compile(r"[^\W\d_]")
_ALNUM = re.compile(r"[^\W_]")


def fragment_kind(text: str) -> int:
    """2 for a sentence with no letter or digit (punctuation only), 1 for one of fewer than 3 letters, else 0.

    Such fragments carry next to nothing for the encoder: merged into a bead
    they hardly change its vectors, so the bead's evidence cannot say whether
    they belong there (``EmbeddingParams.lead_fragment``, ``debris``).
    """
    if not _ALNUM.search(text):
        return 2
    return 1 if len(_LETTER.findall(text)) < 3 else 0


def end_class(text: str) -> int:
    """Which punctuation a sentence ends with: 1-5 for . ? ! : ; and 0 for anything else.

    Closing quotes and brackets are looked through, an ellipsis counts as a full stop, and the
    punctuation of other scripts counts as its Latin counterpart (``。`` as ``.``, ``？`` as ``?``):
    otherwise every Chinese-English pair would pay for ending differently.
    """
    t = text.rstrip().rstrip("\"'»«“”„‘’)]}）】」』》〉 ")
    return ".?!:;".find(_END_MARKS.get(t[-1], t[-1])) + 1 if t else 0


# sentence-final marks of other scripts: full-width forms, ideographic and Devanagari full stops, Arabic question mark
_END_MARKS = {"。": ".", "｡": ".", "．": ".", "…": ".", "।": ".", "۔": ".", "？": "?", "؟": "?", "！": "!",
              "：": ":", "；": ";", "︖": "?", "︕": "!"}


class EmbeddingAligner:
    """Aligns two sentence lists with an encoder (see the module docstring)."""

    name = "embedding"

    def __init__(self, encoder, params: EmbeddingParams | None = None):
        self.encoder = encoder
        self.p = params or EmbeddingParams()

    @property
    def params(self) -> EmbeddingParams:
        """Its settings (``Aligner.params``)."""
        return self.p

    def align(self, src: list[str], tgt: list[str], src_paras: list[int] | None = None,
              tgt_paras: list[int] | None = None, src_foreign: list[bool] | None = None,
              tgt_foreign: list[bool] | None = None) -> list[Link]:
        """Links in source order; only ``rescue_reordered``'s and ``swap_crossed``'s pairs may cross others."""
        with one_blas_thread():
            return self._align(src, tgt, src_paras, tgt_paras, src_foreign, tgt_foreign)

    def _align(self, src, tgt, src_paras, tgt_paras, src_foreign, tgt_foreign) -> list[Link]:
        n, m = len(src), len(tgt)
        if n == 0 or m == 0:
            return [Link((i,), ()) for i in range(n)] + [Link((), (j,)) for j in range(m)]
        p = self.p
        src_paras = src_paras or [0] * n
        tgt_paras = tgt_paras or [0] * m
        vecs = self.encoder.encode(list(src) + list(tgt))
        X, Y = vecs[:n], vecs[n:]
        if n * m <= p.full_limit:
            band1 = knn_band = full_band(n, m)
        else:  # a long pair: look only near the path of pooled blocks (linear in n, see guide.py)
            ls = np.array([len(s) for s in src], dtype=float)
            lt = np.array([len(t) for t in tgt], dtype=float)
            guide = guide_points(X, Y, ls, lt, p.full_limit, p.guide_factor)
            band1 = band_around(guide, n, m, p.guide_factor + 4)
            knn_band = band_around(guide, n, m, p.knn_window)
        kx, ky = band_knn(X, Y, knn_band, p.knn)
        state = _State(p, src, tgt, X, Y, kx, ky, src_paras, tgt_paras,
                       src_foreign or [False] * n, tgt_foreign or [False] * m)
        if p.skip_unmatched is not None:
            state.find_unmatched(band1)
        beads, band1 = refine(band1, lambda b: run_dp(b, p.coarse_beads, state.coarse_gain(b)),
                              width=2 * p.guide_factor)
        band = band_around(path_points(beads), n, m, p.width)
        if p.length_fit:
            state.fit_length(beads)
        temperature = max(p.temperature, 1e-6)
        gain = _Table(state, band)
        if p.exact_overlaps:
            for _ in range(p.exact_rounds):
                post = bead_posteriors(band, p.beads, gain, temperature)
                new = state.embed_runs(self.encoder, *state.plausible_runs(post, band))
                if not (new[0] or new[1]):
                    break
                gain.update(*new)
        if p.quotes and not state.quotes_on:
            state.quotes_on = True
            gain.add(state.quote_cost)
        if p.lexicon:
            state.learn_lexicon(run_dp(band, p.beads, gain))  # (the second pass's path teaches it)
            if state.lexicon is not None:
                gain.add(state.lexicon_gain)
        for attempt in range(2):
            beads = run_dp(band, p.beads, gain)
            if p.sum_shift:  # the link scores' posteriors without it (it is there to choose what to embed)
                state.shift = False
                post = bead_posteriors(band, p.beads, _Table(state, band), temperature)
                state.shift = True
            else:
                post = bead_posteriors(band, p.beads, gain, temperature)
            kind = {ab: t for t, ab in enumerate(p.beads)}
            # each merge of the path judged on its joined texts (the peel embeds them anyway)
            _embed_beads(state, self.encoder, [b for b in beads if b[1] - b[0] + b[3] - b[2] >= 3 and b[1] > b[0]
                                               and b[3] > b[2]])
            own_dp = dict(zip(beads, state.confidences(beads)))
            pieces = peel_unsupported(beads, state, self.encoder) if p.peel in ("report", "split") else None
            unsupported: dict[tuple, tuple[set, set]] = {}
            if p.peel != "report":
                break
            # keep the DP's beads; name the unsupported sentences on them
            for (i0, i1, j0, j1), parent in pieces:
                if parent != (i0, i1, j0, j1) and not (i1 > i0 and j1 > j0):
                    side = unsupported.setdefault(parent, (set(), set()))
                    side[0 if i1 > i0 else 1].update(range(i0, i1) if i1 > i0 else range(j0, j1))
            # but a bead that does not read as a translation at all and carries a run of unsupported sentences is
            # split; those sentences are one-sided text, and the DP is solved again with them at the price of such
            # text (``skip_unmatched``), since they may have pulled their bead's other side out of place
            cut = {b for b, (us, ut) in unsupported.items()
                   if max(len(us), len(ut)) >= p.peel_split_run and own_dp[b] < p.peel_split_score}
            if cut and attempt == 0 and p.skip_unmatched is not None:
                if state.skip_src is None:
                    state.skip_src, state.skip_tgt = np.full(n, p.skip), np.full(m, p.skip)
                for b in cut:
                    state.skip_src[sorted(unsupported[b][0])] = p.skip_unmatched
                    state.skip_tgt[sorted(unsupported[b][1])] = p.skip_unmatched
                gain = _Table(state, band)
                continue
            pieces = [x for x in pieces if x[1] in cut or x[0] == x[1]]  # (the pieces of a bead, in order)
            kept = {x[1] for x in pieces}
            pieces += [(b, b) for b in beads if b not in kept]
            order = {b: k for k, b in enumerate(beads)}
            pieces.sort(key=lambda x: order[x[1]])  # stable: a split bead's pieces stay in their order
            for b in cut:
                del unsupported[b]
            break
        if pieces is None:
            pieces = [(b, b) for b in beads]
        split = [piece for piece, parent in pieces if piece != parent]
        own_split = dict(zip(split, state.confidences(split))) if split else {}
        links = []
        for piece, parent in pieces:
            i0, i1, j0, j1 = piece
            pi0, pi1, pj0, pj1 = parent
            src, tgt = tuple(range(i0, i1)), tuple(range(j0, j1))
            if src and tgt:  # the posterior of the bead the DP chose (of which this may be a part)
                prob = float(post[kind[(pi1 - pi0, pj1 - pj0)], band.flat(pi1, pj1)])
                own = own_split[piece] if piece != parent else own_dp[piece]
                if p.score_mode == "min":
                    prob = min(prob, own)
                elif p.score_mode == "evidence":
                    prob = own
                score = round(min(1.0, max(0.0, prob)), 4)
                if piece in unsupported:
                    us, ut = unsupported[piece]
                    links.append(Link(src, tgt, score, tuple(sorted(us)), tuple(sorted(ut))))
                else:
                    links.append(Link(src, tgt, score))
            else:
                links.append(Link(src, tgt, 0.0))
        if not unsupported:
            return unlink_markup(swap_crossed(rescue_reordered(links, state), state), state.src, state.tgt)
        place = monotone_places(links)  # before out-of-order pairs are added
        links = swap_crossed(unmark_moved(rescue_reordered(links, state), place, state, self.encoder), state)
        return unlink_markup(links, state.src, state.tgt)


def _markup_only(text: str) -> bool:
    """A line of markup only (``{{% /capture %}}``, ``<br>``, an address): letters, but all inside the markup."""
    return any(c.isalpha() for c in text) and not any(c.isalpha() for c in markup.MARKUP.sub(" ", text))


def unlink_markup(links: list[Link], src: list[str], tgt: list[str]) -> list[Link]:
    """Split 1-1 links where a line of markup stands against a line that shares no word with it.

    Markup is copied, not translated, so a true partner repeats some of its words; the encoder, which reads
    both as technical text, otherwise pairs a one-sided YAML line with a template tag.
    """
    out = []
    for link in links:
        if len(link.src) == len(link.tgt) == 1:
            s, t = src[link.src[0]], tgt[link.tgt[0]]
            ws, wt = set(_WORD.findall(s.casefold())), set(_WORD.findall(t.casefold()))
            if (_markup_only(s) or _markup_only(t)) and ws and wt and not ws & wt:
                out += [Link(link.src, (), 0.0), Link((), link.tgt, 0.0)]
                continue
        out.append(link)
    return out


class _State:
    """Precomputed vectors and statistics of one document pair; the DP asks it for gains."""

    def __init__(self, p, src, tgt, X, Y, kx, ky, src_paras, tgt_paras, src_foreign, tgt_foreign):
        self.p = p
        self.src, self.tgt = src, tgt
        self.n, self.m = len(src), len(tgt)
        self.X, self.Y = X, Y
        sizes = sorted(({a for a, _ in p.beads} | {b for _, b in p.beads}) - {0})
        self.XA = {a: _runs(X, a) for a in sizes}
        self.YB = {b: _runs(Y, b) for b in sizes}
        self.KX = {a: _prefix_mean(kx, a) for a in sizes}
        self.KY = {b: _prefix_mean(ky, b) for b in sizes}
        ls = np.array([len(s) for s in src], dtype=float)
        lt = np.array([len(t) for t in tgt], dtype=float)
        self.ratio = (lt.sum() + 1) / (ls.sum() + 1)  # target characters per source character
        self.ls, self.lt, self.sizes = ls, lt, sizes
        self.LS = {a: _prefix_mean(ls, a) * a for a in sizes}
        self.LT = {b: _prefix_mean(lt, b) * b / self.ratio for b in sizes}
        self.length_power = 1.0  # agreement of lengths is judged on (short/long) ** length_power
        self.lexical = bool(p.lexical)
        if self.lexical:
            vs, vt = lexical_vectors(src, tgt)
            self.lexical = bool(vs.any() and vt.any())
            self.VS = {a: run_max(vs, a) for a in sizes}
            self.VT = {b: run_max(vt, b) for b in sizes}
        self.ES = np.array([end_class(x) for x in src] + [0])  # of the last sentence of a run ending at i: ES[i-1]
        self.ET = np.array([end_class(x) for x in tgt] + [0])
        qs, qt = quote_parity(src), quote_parity(tgt)  # parity of the quotation marks of the run ending at i
        self.QS = {a: np.rint(_prefix_mean(qs, a) * a).astype(np.int64) % 2 for a in sizes}
        self.QT = {b: np.rint(_prefix_mean(qt, b) * b).astype(np.int64) % 2 for b in sizes}
        self.quotes_on = False  # ``quote_cost`` counted (``EmbeddingAligner._align`` turns it on after the runs)
        self.lexicon = None  # ``lexical.Lexicon`` once learned (``learn_lexicon``), counted from then on
        self.FS = {a: _prefix_mean(np.array(src_foreign, dtype=float), a) for a in sizes}
        self.FT = {b: _prefix_mean(np.array(tgt_foreign, dtype=float), b) for b in sizes}
        self.sp = np.array(src_paras)
        self.tp = np.array(tgt_paras)
        ks = np.array([fragment_kind(x) for x in src])
        kt = np.array([fragment_kind(x) for x in tgt])
        self.PS, self.PT = ks == 2, kt == 2  # punctuation only
        self.DS = {a: _prefix_mean(ks == 1, a) * a for a in sizes}  # debris sentences in the run ending at i
        self.DT = {b: _prefix_mean(kt == 1, b) * b for b in sizes}
        self.exact: set[tuple[str, int, int]] = set()
        self.shift = True  # ``summed_shift`` in use
        self.EXS = {a: np.zeros(self.n + 1, dtype=bool) for a in sizes}  # whether the run ending at i is embedded
        self.EXT = {b: np.zeros(self.m + 1, dtype=bool) for b in sizes}
        self.skip_src = self.skip_tgt = None  # per-sentence gains of leaving it unaligned (``find_unmatched``)

    def find_unmatched(self, band: Band) -> None:
        """Runs of sentences that nothing on the other side claims leave the DP at a lower cost (``skip_unmatched``).

        A section only one version has is a long run of such sentences; at the
        full price of ``skip`` each, the DP would rather bundle them into merges
        with unrelated sentences of the other side than leave them one-sided.
        A sentence is claimed when its own best first-pass 1-1 evidence in the
        band reaches ``unmatched_below``, or when it is in the best first-pass
        bead of some sentence of the other side; only runs of ``unmatched_run``
        unclaimed sentences or more count (a sentence of a literary 1-4 merge
        often has no good 1-1 partner, but its neighbours are claimed).
        """
        p = self.p
        own_s, own_t = np.full(self.n, -np.inf), np.full(self.m, -np.inf)
        cand_s, cand_t = [], []  # (sentence, evidence, first, end of the other side of the bead)
        for r0, r1 in band.blocks():
            rows, cols = band.cells(r0, r1)
            ok = (rows >= 1) & (cols >= 1)
            if not ok.any():
                continue
            rows, cols = rows[ok], cols[ok]
            c0 = int(cols.min())
            I, J = np.arange(int(rows.min()), int(rows.max()) + 1), np.arange(c0, int(cols.max()) + 1)
            for a, b in p.coarse_beads:
                if not (a and b):
                    continue
                fit = (rows >= a) & (cols >= b)
                ri, cj = rows[fit], cols[fit]
                ev = self.evidence(a, b, I, J, coarse=True, cells=(ri - I[0], cj - c0))
                if a == b == 1:
                    np.maximum.at(own_s, ri - 1, ev)
                    np.maximum.at(own_t, cj - 1, ev)
                cand_s += [np.stack([ri - 1 - k, ev, cj - b, cj]) for k in range(a)]
                cand_t += [np.stack([cj - 1 - k, ev, ri - a, ri]) for k in range(b)]
        claimed_s, claimed_t = own_s >= p.unmatched_below, own_t >= p.unmatched_below
        for cand, other in ((cand_s, claimed_t), (cand_t, claimed_s)):
            if not cand:
                continue
            c = np.concatenate(cand, axis=1)
            order = np.lexsort((-c[1], c[0]))  # by sentence, best evidence first
            c = c[:, order]
            first = np.concatenate([[True], c[0, 1:] != c[0, :-1]])
            for lo, hi in c[2:, first].T.astype(np.int64):
                other[lo:hi] = True
        self.skip_src = np.where(_in_runs(~claimed_s, p.unmatched_run), p.skip_unmatched, p.skip)
        self.skip_tgt = np.where(_in_runs(~claimed_t, p.unmatched_run), p.skip_unmatched, p.skip)

    def fit_length(self, beads) -> None:
        """The document's own length model, from the 1-1 beads of the first path.

        The ratio of total lengths is skewed by merges and by free translation,
        and character counts of two scripts (Chinese and English) differ by a
        factor no constant can know; the median log ratio of the 1-1 beads is
        the typical ratio, and their spread (median absolute deviation) says how
        closely a translator kept to the length of each sentence: where the
        spread is wider than ``length_spread``, lengths count less.
        """
        ones = [(i0, j0) for i0, i1, j0, j1 in beads if i1 - i0 == 1 and j1 - j0 == 1]
        if len(ones) < 10:
            return
        i, j = np.array(ones).T
        r = np.log((self.lt[j] + 1) / (self.ls[i] + 1))
        centre = float(np.median(r))
        spread = 1.4826 * float(np.median(np.abs(r - centre)))
        self.ratio = math.exp(centre)
        self.LT = {b: _prefix_mean(self.lt, b) * b / self.ratio for b in self.sizes}
        self.length_power = min(1.0, self.p.length_spread / max(spread, 1e-6))

    # -- the evidence of a bead -------------------------------------------------------------

    def evidence(self, a: int, b: int, rows, cols, coarse: bool = False, neighbours: bool = True,
                 cells=None) -> np.ndarray:
        """How strongly beads of a source and b target sentences look like translations.

        For the beads ending at (i, j), i from ``rows`` and j from ``cols``
        (1-D index arrays): by default every combination, a len(rows) x
        len(cols) block computed with matrix products; ``cells=(ri, cj)``
        only the cells (rows[ri[k]], cols[cj[k]]) of that block (1-D, for a
        band inside it); ``cells="pairs"`` the beads (rows[k], cols[k]). The
        coarse version, for the first pass, leaves out the neighbour baseline
        and the shared words; ``neighbours=False`` the former and the learned
        word associations, for a bead judged on its own, away from the
        monotone path (the sentences around it then say nothing about it; the
        associations, which settle boundaries, would blur its confidence:
        truncated translations keep their names).
        """
        p = self.p
        rows, cols = np.asarray(rows), np.asarray(cols)
        x, y = self.XA[a][rows], self.YB[b][cols]
        pairs = isinstance(cells, str)
        if pairs:
            ri = cj = np.arange(len(rows))
            cos = np.einsum("ij,ij->i", x, y)
        else:
            ri, cj = cells if cells is not None else (np.arange(len(rows))[:, None], np.arange(len(cols))[None, :])
            cos = (x @ y.T)[ri, cj]
        I, J = rows[ri], cols[cj]
        base = 0.5 * (self.KX[a][I] + self.KY[b][J])
        if not coarse and neighbours and p.neighbours:
            sims = self._neighbour_sims(a, b, I, J, x, y, ri, cj, pairs, base)
            base = p.neighbours * sims + (1 - p.neighbours) * base
        g = cos - base
        if p.length:
            ls, lt = self.LS[a][I], self.LT[b][J]
            agree = np.log2(1 + (np.minimum(ls, lt) / np.maximum(np.maximum(ls, lt), 1)) ** self.length_power)
            g = np.where(g > 0, g * agree, g * (2 - agree))  # disagreement never helps a bead
        if not coarse and self.lexical:
            A, B = self.VS[a][rows], self.VT[b][cols]
            shared = np.minimum(A[ri], B[cj]).sum(axis=-1)
            total = A.sum(axis=-1)[ri] + B.sum(axis=-1)[cj]
            dice = np.divide(2 * shared, total, out=np.full(total.shape, 0.5), where=total > 0)
            g = g + p.lexical * (dice - 0.5)
        if p.punctuation:
            g = g - p.punctuation * (self.ES[I - 1] != self.ET[J - 1])
        if p.quotes and self.quotes_on:
            g = g - self.quote_cost(a, b, I, J)
        if not coarse and neighbours and self.lexicon is not None:
            g = g + p.lexicon * self.lexicon.gain(a, b, rows, cols, ri, cj, pairs)
        if p.foreign:
            g = g - p.foreign * np.maximum(self.FS[a][I], self.FT[b][J])
        return g

    def quote_cost(self, a: int, b: int, I, J) -> np.ndarray:
        """``quotes`` where one side of the bead holds an odd number of quotation marks and the other an even one."""
        return self.p.quotes * (self.QS[a][I] != self.QT[b][J])

    def learn_lexicon(self, beads) -> None:
        """Word associations of this document (``lexical.learn``) from the beads of a path."""
        pairs = [(range(i0, i1), range(j0, j1)) for i0, i1, j0, j1 in beads if i1 > i0 and j1 > j0]
        self.lexicon = learn_lexicon(self.src, self.tgt, pairs, self.sizes, self.p.lexicon_min_count,
                                     self.p.lexicon_folds)

    def lexicon_gain(self, a: int, b: int, I, J) -> np.ndarray:
        """What the learned word associations add to the beads ending at (I, J) (pairs of indices)."""
        I, J = np.asarray(I), np.asarray(J)
        rows, cols = np.arange(I.min(), I.max() + 1), np.arange(J.min(), J.max() + 1)  # (a block: one product)
        return -self.p.lexicon * self.lexicon.gain(a, b, rows, cols, I - rows[0], J - cols[0], False)

    def summed_shift(self, a: int, b: int, I, J) -> np.ndarray | float:
        """What the DP takes off a bead whose sides are still scored with summed vectors (``sum_shift``)."""
        p = self.p
        if not (p.sum_shift and self.shift) or a + b < p.sum_shift_from:
            return 0.0
        out = 0.0
        if a > 1:
            out = out + p.sum_shift * (a - 1) * ~self.EXS[a][I]
        if b > 1:
            out = out + p.sum_shift * (b - 1) * ~self.EXT[b][J]
        return out

    def _neighbour_sims(self, a, b, I, J, x, y, ri, cj, pairs, fallback):
        """Mean similarity of each side to the sentences right before and after the other side.

        For the bead ending at (i, j): the source side against target
        sentences j-b-1 and j, the target side against source sentences i-a-1
        and i (those that exist). ``x``, ``y``: the side vectors of the rows
        and columns, indexed by ``ri``, ``cj``.
        """
        n, m = self.n, self.m
        sims = np.zeros(np.broadcast_shapes(I.shape, J.shape))
        count = np.zeros(sims.shape)
        if pairs:
            def side(v, other, idx, limit):
                return np.einsum("ij,ij->i", v, other[np.clip(idx, 0, limit - 1)])
            sx = lambda idx: side(x, self.Y, idx, m)
            sy = lambda idx: side(y, self.X, idx, n)
        else:
            i_lo, i_hi = max(0, int(I.min()) - a - 1), min(n, int(I.max()) + 1)
            j_lo, j_hi = max(0, int(J.min()) - b - 1), min(m, int(J.max()) + 1)
            SX = x @ self.Y[j_lo:j_hi].T  # source side of each row against the nearby target sentences
            SY = y @ self.X[i_lo:i_hi].T  # target side of each column against the nearby source sentences
            sx = lambda idx: SX[ri, np.clip(idx - j_lo, 0, max(0, j_hi - j_lo - 1))]
            sy = lambda idx: SY[cj, np.clip(idx - i_lo, 0, max(0, i_hi - i_lo - 1))]
        for idx, ok in ((J - b - 1, J - b - 1 >= 0), (J, J < m)):
            if ok.any():
                sims = sims + np.where(ok, sx(idx), 0.0)
                count = count + ok
        for idx, ok in ((I - a - 1, I - a - 1 >= 0), (I, I < n)):
            if ok.any():
                sims = sims + np.where(ok, sy(idx), 0.0)
                count = count + ok
        return np.where(count > 0, sims / np.maximum(count, 1), fallback)

    def structural(self, a: int, b: int, I, J) -> np.ndarray:
        """Costs that do not depend on content: merges, 2-2 beads, paragraph breaks and fragments inside a bead."""
        p = self.p
        cost = p.merge * (a + b - 2) + p.two_two * (a == b == 2)
        if (p.lead_fragment or p.debris) and (a > 1 or b > 1):
            I, J = np.asarray(I), np.asarray(J)
            for size, ends, lead, debris, count in ((a, I, self.PS, self.DS, self.n), (b, J, self.PT, self.DT, self.m)):
                if size > 1:  # (as below, beads ending below their size are never asked for)
                    start = np.clip(ends - size, 0, count - 1)
                    cost = cost + p.lead_fragment * lead[start] + p.debris * debris[size][np.clip(ends, 0, count)]
        if p.cross_paragraph and (a > 1 or b > 1):
            I, J = np.asarray(I), np.asarray(J)
            cross = np.zeros(np.broadcast_shapes(I.shape, J.shape))
            # (beads ending below their size are never asked for: clipping their indices does no harm)
            if a > 1:
                cross = cross + (self.sp[np.clip(I - 1, 0, None)] != self.sp[np.clip(I - a, 0, None)])
            if b > 1:
                cross = cross + (self.tp[np.clip(J - 1, 0, None)] != self.tp[np.clip(J - b, 0, None)])
            cost = cost + p.cross_paragraph * cross
        return cost

    # -- gains for the DP -------------------------------------------------------------------

    def coarse_gain(self, band: Band):
        """First-pass gains (``dp.BlockGain``) of the coarse beads in the band, a block of rows at a time."""
        return self._block_gains(band, self.p.coarse_beads, coarse=True)

    def _block_gains(self, band: Band, types, coarse: bool):
        """Gains (``dp.BlockGain``) of the bead types in the band; ``only``: compute just those types."""
        def block(r0: int, r1: int, only=None) -> np.ndarray:
            rows, cols = band.cells(r0, r1)
            out = np.full((len(types), len(rows)), self.p.skip)
            if self.skip_src is not None:
                for t, ab in enumerate(types):
                    if ab == (1, 0):
                        out[t] = self.skip_src[np.maximum(rows - 1, 0)]
                    elif ab == (0, 1):
                        out[t] = self.skip_tgt[np.maximum(cols - 1, 0)]
            c0, c1 = int(band.lo[r0]), int(band.hi[r1 - 1])
            I, J = np.arange(r0, r1), np.arange(c0, c1)
            for t, (a, b) in enumerate(types):
                if a and b and (only is None or t in only):  # (gains of beads that cannot end at a cell are never used; -1e9 for clarity)
                    g = self.evidence(a, b, I, J, coarse=coarse, cells=(rows - r0, cols - c0))
                    if not coarse:
                        g = g - self.summed_shift(a, b, rows, cols)
                    out[t] = np.where((rows < a) | (cols < b), -1e9, g - self.structural(a, b, rows, cols))
            return out
        return block

    # -- exact embeddings of plausible runs --------------------------------------------------

    def plausible_runs(self, post: np.ndarray, band: Band) -> tuple[list, list]:
        """Runs of 2..exact_max sentences (in one paragraph) used by a bead with a real posterior."""
        p = self.p
        src_runs, tgt_runs = set(), set()
        for t, (a, b) in enumerate(p.beads):
            on_src, on_tgt = 2 <= a <= p.exact_max, 2 <= b <= p.exact_max
            if not (on_src or on_tgt):
                continue
            hits = np.flatnonzero(post[t] > p.exact_min_posterior)
            if not len(hits):
                continue
            i = band.row_of(hits)
            if on_src:
                ends = np.unique(i)
                ends = ends[(ends >= a)]
                ends = ends[self.sp[ends - 1] == self.sp[ends - a]]
                src_runs.update((a, int(x)) for x in ends)
            if on_tgt:
                ends = np.unique(band.lo[i] + hits - band.off[i])
                ends = ends[(ends >= b)]
                ends = ends[self.tp[ends - 1] == self.tp[ends - b]]
                tgt_runs.update((b, int(x)) for x in ends)
        return sorted(src_runs), sorted(tgt_runs)

    def embed_runs(self, encoder, src_runs, tgt_runs) -> tuple[list, list]:
        """Embed the joined text of runs (size, end) not embedded yet; returns those (source, target)."""
        src_runs = [r for r in src_runs if ("s",) + tuple(r) not in self.exact]
        tgt_runs = [r for r in tgt_runs if ("t",) + tuple(r) not in self.exact]
        texts = [" ".join(self.src[i - a:i]) for a, i in src_runs]
        texts += [" ".join(self.tgt[j - b:j]) for b, j in tgt_runs]
        if not texts:
            return [], []
        vecs = encoder.encode(texts)
        for k, (a, i) in enumerate(src_runs):
            self.XA[a][i] = vecs[k]
            self.exact.add(("s", a, i))
            self.EXS[a][i] = True
        for k, (b, j) in enumerate(tgt_runs):
            self.YB[b][j] = vecs[len(src_runs) + k]
            self.exact.add(("t", b, j))
            self.EXT[b][j] = True
        return src_runs, tgt_runs

    # -- confidence of any bead --------------------------------------------------------------

    def link(self, i0: int, i1: int, j0: int, j1: int) -> Link:
        """The bead src[i0:i1] x tgt[j0:j1] with a confidence from its evidence alone.

        Links on the aligned path carry their posterior instead; this is for
        beads looked at on their own (out-of-order pairs, forced pairs).
        """
        src, tgt = tuple(range(i0, i1)), tuple(range(j0, j1))
        if not src or not tgt:
            return Link(src, tgt, 0.0)
        return Link(src, tgt, float(self.confidences([(i0, i1, j0, j1)])[0]))

    def confidences(self, beads) -> np.ndarray:
        """``link``'s confidence of many beads (i0, i1, j0, j1) at once, grouped by size (0 if one-sided)."""
        out = np.zeros(len(beads))
        groups: dict[tuple[int, int], list[int]] = {}
        for k, (i0, i1, j0, j1) in enumerate(beads):
            if i1 > i0 and j1 > j0:
                groups.setdefault((i1 - i0, j1 - j0), []).append(k)
        for (a, b), ks in groups.items():
            ev = self.evidence(a, b, [beads[k][1] for k in ks], [beads[k][3] for k in ks], neighbours=False,
                               cells="pairs")
            z = np.clip((ev - self.p.score_center) / self.p.score_scale, -30.0, 30.0)
            out[ks] = np.round(1.0 / (1.0 + np.exp(-z)), 4)
        return out


class _Table:
    """The second pass's gains of every bead type in the band (``dp.BlockGain``), kept up to date.

    Embedding the joined text of a run changes only the beads that use it, so
    after each round of exact embeddings only the blocks of rows where those
    beads end are computed again.
    """

    BLOCK = 1 << 13  # cells of a block's bounding rectangle

    def __init__(self, state: _State, band: Band):
        self.state, self.band = state, band
        self.types = list(state.p.beads)
        self.blocks = band.blocks(self.BLOCK)
        self.fill = state._block_gains(band, self.types, coarse=False)
        self.table = np.empty((len(self.types), band.size))
        for r0, r1 in self.blocks:
            self.table[:, band.off[r0]:band.off[r1]] = self.fill(r0, r1)

    def __call__(self, r0: int, r1: int) -> np.ndarray:
        return self.table[:, self.band.off[r0]:self.band.off[r1]]

    def add(self, cost) -> None:
        """Take ``cost(a, b, I, J)`` off every bead's gain (a term the state counts from now on)."""
        band = self.band
        for r0, r1 in self.blocks:
            rows, cols = band.cells(r0, r1)
            for t, (a, b) in enumerate(self.types):
                if a and b:
                    self.table[t, band.off[r0]:band.off[r1]] -= cost(
                        a, b, np.clip(rows, 0, self.state.n), np.clip(cols, 0, self.state.m))

    def update(self, src_runs, tgt_runs) -> None:
        """Recompute the gains that use the newly embedded runs (size, end)."""
        band, n = self.band, self.band.n
        touched_rows = {}
        for t, (a, b) in enumerate(self.types):
            if not (a and b):
                continue
            touched = np.zeros(n + 2, dtype=np.int64)  # difference array over rows
            ends = np.array([i for k, i in src_runs if k == a], dtype=np.int64)
            np.add.at(touched, ends, 1)
            np.add.at(touched, ends + 1, -1)
            cols = np.array([j for k, j in tgt_runs if k == b], dtype=np.int64)
            if len(cols):  # rows whose band holds column j: lo <= j < hi (both edges non-decreasing)
                np.add.at(touched, np.searchsorted(band.hi, cols, side="right"), 1)
                np.add.at(touched, np.searchsorted(band.lo, cols, side="right"), -1)
            rows = np.cumsum(touched)[:n + 1] > 0
            if rows.any():
                touched_rows[t] = rows
        for r0, r1 in self.blocks:
            only = {t for t, rows in touched_rows.items() if rows[r0:r1].any()}
            if only:
                vals = self.fill(r0, r1, only)
                for t in only:
                    self.table[t, band.off[r0]:band.off[r1]] = vals[t]


def _edge_runs(bead):
    """Every run of edge sentences a merge bead could do without: (bead less the run, the run with the other side,
    the run's side, its range, whether it is at the start).

    Runs of 1 to size-1 sentences, at the start or the end of either side
    that has 2 or more: a block of two or three inserted sentences is taken
    off as one, not a sentence at a time (the bead less one of them still
    holds the others, and reads no better).
    """
    i0, i1, j0, j1 = bead
    out = []
    for side, lo, hi in (("src", i0, i1), ("tgt", j0, j1)):
        for first in (True, False):
            for k in range(1, hi - lo):
                run = (lo, lo + k) if first else (hi - k, hi)
                rest = (lo + k, hi) if first else (lo, hi - k)
                if side == "src":
                    out.append(((*rest, j0, j1), (*run, j0, j1), side, run, first))
                else:
                    out.append(((i0, i1, *rest), (i0, i1, *run), side, run, first))
    return out


def _embed_beads(state: _State, encoder, beads) -> None:
    """Embed the joined text of both sides of these beads where a side has 2+ sentences (once each)."""
    if state.p.exact_overlaps:  # (without them, as for corpus.py's quick pairing, summed vectors stand in)
        state.embed_runs(encoder, sorted({(x[1] - x[0], x[1]) for x in beads if x[1] - x[0] >= 2}),
                         sorted({(x[3] - x[2], x[3]) for x in beads if x[3] - x[2] >= 2}))


def peel_unsupported(beads, state: _State, encoder) -> list[tuple[tuple, tuple]]:
    """Split off the edge sentences of merge beads that the bead does not need: (piece, DP bead) pairs.

    The DP merges a sentence with no counterpart (an inserted sentence, one
    whose translation is missing) into the neighbouring bead when that costs
    less than leaving it alone, and e5's summed vectors barely notice the
    extra sentence. A run of edge sentences is split off, as one-sided
    pieces, when the bead's evidence without it is about as high (it adds
    nothing), and on its own it does not look like a translation of the other
    side. Every side of 2+ sentences is embedded as one text for this (the
    DP's summed vectors of a 4-sentence side against the exact vector of 3
    would favour the sum); of the runs that qualify, the one whose removal
    helps the bead most goes first, and the rest of the bead is looked at
    again. The thresholds are ``EmbeddingParams.peel_*``. The learned word
    associations are left out of it: they credit a sentence on the same
    topic as the bead (its names) that the bead does not need.
    """
    lexicon, state.lexicon = state.lexicon, None
    try:
        return _peel(beads, state, encoder)
    finally:
        state.lexicon = lexicon


def _peel(beads, state: _State, encoder) -> list[tuple[tuple, tuple]]:
    """``peel_unsupported`` with the state as it is."""
    p = state.p
    out = []
    merges = [bd for bd in beads if bd[1] > bd[0] and bd[3] > bd[2] and bd[1] - bd[0] + bd[3] - bd[2] >= 3]
    # the first look at every merge, embedded at once
    _embed_beads(state, encoder, [x for bd in merges for x in [bd] + [y for r in _edge_runs(bd) for y in r[:2]]])
    for bead in beads:
        before, after, cur = [], [], bead
        while True:
            i0, i1, j0, j1 = cur
            if not (i1 > i0 and j1 > j0) or i1 - i0 + j1 - j0 < 3:
                break
            runs = _edge_runs(cur)
            _embed_beads(state, encoder, [cur] + [y for r in runs for y in r[:2]])
            best = None
            ev_cur = _evidence(state, cur, True)
            for red, alone, side, (r0, r1), first in runs:
                ev_alone = _evidence(state, alone, False)
                if ev_alone >= max(p.peel_alone, p.peel_run_alone):  # cheapest test first: most members stop here
                    continue
                gain = ev_cur - _evidence(state, red, True)
                unneeded = gain < p.peel_run_gain and ev_alone < p.peel_run_alone  # any run, one sentence or more
                if not unneeded and r1 - r0 == 1 and gain < p.peel_gain and ev_alone < p.peel_alone:
                    cos = float(state.XA[alone[1] - alone[0]][alone[1]] @ state.YB[alone[3] - alone[2]][alone[3]])
                    unneeded = cos < p.peel_cos  # or one sentence that adds little and reads unlike the other side
                if unneeded and (best is None or gain < best[0]):
                    best = (gain, side, (r0, r1), first, red)
            if best is None:
                break
            _, side, (r0, r1), first, red = best
            pieces = [(m, m + 1, red[2], red[2]) if side == "src" else (red[0], red[0], m, m + 1)
                      for m in range(r0, r1)]
            if first:
                before += pieces
            else:
                after[:0] = pieces
            cur = red
        out += [(x, bead) for x in before + [cur] + after]
    return out


def _evidence(state: _State, bead, neighbours: bool) -> float:
    i0, i1, j0, j1 = bead
    return float(state.evidence(i1 - i0, j1 - j0, [i1], [j1], neighbours=neighbours, cells="pairs")[0])


def monotone_places(links: list[Link]) -> tuple[dict[int, int], dict[int, int]]:
    """Where each sentence falls on the other side of in-order links: source i -> target index, target j -> source."""
    to_tgt: dict[int, int] = {}
    to_src: dict[int, int] = {}
    i = j = 0
    for link in links:
        to_tgt.update((x, j) for x in link.src)
        to_src.update((y, i) for y in link.tgt)
        if link.src:
            i = link.src[-1] + 1
        if link.tgt:
            j = link.tgt[-1] + 1
    return to_tgt, to_src


def _sub_runs(idx: list[int], longest: int) -> list[tuple[int, int]]:
    """Every run (start, end) of 1..longest consecutive indices taken from the sorted ``idx``."""
    out, start = [], 0
    for k in range(1, len(idx) + 1):
        if k == len(idx) or idx[k] != idx[k - 1] + 1:  # idx[start:k] is a maximal run
            for a in range(idx[start], idx[k - 1] + 1):
                out += [(a, b) for b in range(a + 1, min(a + longest, idx[k - 1] + 1) + 1)]
            start = k
    return out


def unmark_moved(links: list[Link], places, state: _State, encoder) -> list[Link]:
    """Unsupported sentences that translate orphans on the other side nearby are moved text, not missing text.

    A caption, or a sentence the layout put elsewhere, has its translation a
    few sentences away on the other side; no in-order alignment can link
    the two, so the DP merges each into a neighbouring bead, where both are
    unsupported (or one is left one-sided). When a run of such orphans
    (unsupported or one-sided, up to ``exact_max`` sentences) on one side and
    a run on the other, within ``rescue_window`` sentences of each other, pair
    with the confidence ``rescue`` asks of out-of-order pairs, the text is in
    both versions: those sentences are no longer named unsupported. (In
    Text+Berg's gold such sentences have links that cross others.) One-sided
    links stay as they are, so when one copy was left one-sided it is still
    reported as missing, without a pointer to its translation: one false
    alarm instead of two. Linking such pairs out of order instead (taking
    the unsupported copy out of its bead) was measured and not kept: it paired
    too many real orphans with the wrong sentence (single missing sentences
    found 0.986 -> 0.913 in eval.divergences, Text+Berg lax F1 and AUC down).
    """
    p = state.p
    unsup_s = {i for l in links for i in l.unsupported_src}
    unsup_t = {j for l in links for j in l.unsupported_tgt}
    if not (unsup_s or unsup_t):
        return links
    to_tgt, to_src = places
    orphan_s = sorted(unsup_s | {l.src[0] for l in links if l.src and not l.tgt})
    orphan_t = sorted(unsup_t | {l.tgt[0] for l in links if l.tgt and not l.src})
    longest = min(p.exact_max, max(state.XA))  # runs the state has vectors and lengths for
    runs_t = _sub_runs(orphan_t, longest)
    starts_t = [j0 for j0, _ in runs_t]
    cands = []
    for i0, i1 in _sub_runs(orphan_s, longest):  # only the target runs within the window: linear in length
        near = to_tgt[i0]
        lo = bisect.bisect_left(starts_t, near - p.rescue_window)
        hi = bisect.bisect_right(starts_t, near + p.rescue_window)
        for j0, j1 in runs_t[lo:hi]:
            if abs(to_src[j0] - i0) <= p.rescue_window and (
                    unsup_s.intersection(range(i0, i1)) or unsup_t.intersection(range(j0, j1))):
                cands.append((i0, i1, j0, j1))
    if not cands:
        return links
    _embed_beads(state, encoder, cands)
    conf = state.confidences(cands)
    moved_s: set[int] = set()
    moved_t: set[int] = set()
    for k in np.argsort(-conf, kind="stable"):  # best first; each sentence in one pair at most
        if conf[k] < p.rescue:
            break
        i0, i1, j0, j1 = cands[k]
        if moved_s.isdisjoint(range(i0, i1)) and moved_t.isdisjoint(range(j0, j1)):
            moved_s.update(range(i0, i1))
            moved_t.update(range(j0, j1))
    if not (moved_s & unsup_s or moved_t & unsup_t):
        return links
    return [replace(l, unsupported_src=tuple(i for i in l.unsupported_src if i not in moved_s),
                    unsupported_tgt=tuple(j for j in l.unsupported_tgt if j not in moved_t)) for l in links]


def swap_crossed(links: list[Link], state: _State) -> list[Link]:
    """Split a 2-2 bead whose sentences translate each other crosswise into the two crossed pairs.

    Two sentences whose order the translation swapped (a caption and a
    line of text, two clauses) can only be aligned in order as one 2-2 bead.
    When each source sentence on its own reads as a translation of the other
    target sentence (both crossed pairs have at least the confidence ``swap``)
    and better than of its own (each crossed pair's evidence beats both
    straight pairs'), the bead is replaced by the crossed pairs; like
    ``rescue_reordered``'s, they cross each other.
    """
    p = state.p
    # (a bead with unsupported members keeps them named for the missing-block check)
    cands = [k for k, l in enumerate(links) if len(l.src) == 2 and len(l.tgt) == 2
             and not (l.unsupported_src or l.unsupported_tgt)]
    if not cands or p.swap > 1:
        return links
    out = list(links)
    for k in cands:
        (i, i2), (j, j2) = links[k].src, links[k].tgt
        ev = state.evidence(1, 1, [i + 1, i2 + 1, i + 1, i2 + 1], [j2 + 1, j + 1, j + 1, j2 + 1],
                            neighbours=False, cells="pairs")
        if ev[:2].min() <= ev[2:].max():
            continue
        crossed = [state.link(i, i + 1, j2, j2 + 1), state.link(i2, i2 + 1, j, j + 1)]
        if min(c.score for c in crossed) >= p.swap:
            out[k] = crossed
    return [x for l in out for x in (l if isinstance(l, list) else [l])]


def rescue_reordered(links: list[Link], state: _State) -> list[Link]:
    """Pair leftover sentences that are clearly translations of each other but out of order.

    A monotone alignment cannot link both a title and a date that swapped
    places (the Swedish release puts its title first, the English one its
    date). Sentences the DP left unpaired on both sides are matched here when
    they are each other's best candidate, close enough in the documents and
    confident; the link is placed at the source sentence's position and may
    cross others (the checks report it as reordering), as ``swap_crossed``'s do.
    """
    p = state.p
    lonely_src = [l.src[0] for l in links if l.src and not l.tgt]
    lonely_tgt = [l.tgt[0] for l in links if l.tgt and not l.src]
    if state.skip_src is not None:  # not the sentences of a one-sided section (``find_unmatched``)
        lonely_src = [i for i in lonely_src if state.skip_src[i] == p.skip]
        lonely_tgt = [j for j in lonely_tgt if state.skip_tgt[j] == p.skip]
    if not lonely_src or not lonely_tgt:
        return links
    pos_tgt_of_src = monotone_places(links)[0]  # where each lonely source sentence falls on the target side
    cand = []
    lonely_tgt.sort()
    for i in lonely_src:  # only the target sentences within the window: linear in the document's length
        near = pos_tgt_of_src[i]
        lo = bisect.bisect_left(lonely_tgt, near - p.rescue_window)
        hi = bisect.bisect_right(lonely_tgt, near + p.rescue_window)
        for j in lonely_tgt[lo:hi]:
            g = float(state.evidence(1, 1, [i + 1], [j + 1], neighbours=False)[0, 0])
            cand.append((-g, i, j))
    cand.sort()  # best first; among equals (a duplicated title) the earlier sentence
    used_s, used_t, pairs = set(), set(), {}
    for _, i, j in cand:
        if i in used_s or j in used_t:
            continue
        link = state.link(i, i + 1, j, j + 1)
        if link.score < p.rescue:
            break
        used_s.add(i)
        used_t.add(j)
        pairs[i] = link
    if not pairs:
        return links
    out = []
    for l in links:
        if l.src and not l.tgt and l.src[0] in pairs:
            out.append(pairs[l.src[0]])
        elif l.tgt and not l.src and l.tgt[0] in used_t:
            continue
        else:
            out.append(l)
    return out

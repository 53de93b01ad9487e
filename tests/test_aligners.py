"""The DP core and both aligners, with a cheap deterministic encoder for property tests."""

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from align.aligners import EmbeddingAligner, EmbeddingParams, LengthAligner
from align.aligners.dp import (
    band_around,
    bead_posteriors,
    full_band,
    refine,
    row_gains,
    run_dp,
)


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

    types = [(1, 1), (1, 0), (0, 1), (1, 2)]
    band = full_band(4, 5)
    beads = run_dp(band, types, row_gains(band, types, gain))
    assert beads == [(0, 1, 0, 1), (1, 2, 1, 2), (2, 3, 2, 3), (3, 4, 3, 5)]


def test_band_is_connected_and_monotone():
    band = band_around([(0, 0), (5, 2), (10, 10)], 10, 10, 1)
    assert band[0][0] == 0 and band[10][1] == 11
    for i in range(10):
        (lo0, hi0), (lo1, hi1) = band[i], band[i + 1]
        assert lo1 >= lo0 and hi1 >= hi0 and lo1 <= hi0 - 1
    assert band.size == sum(hi - lo for lo, hi in (band[i] for i in range(11)))


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
           ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]]
    tgt = src[:3] + ["an inserted line nobody translated xyz"] + src[3:7] + [src[7] + " " + src[8]] + src[9:]
    links = EmbeddingAligner(TrigramEncoder()).align(src, tgt)
    pairs = [(l.src, l.tgt) for l in links]
    assert ((), (3,)) in pairs
    assert ((7, 8), (8,)) in pairs
    assert ((9,), (9,)) in pairs


TYPES = [(1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2)]


def _all_paths(n, m, types):
    """Every monotone bead path from (0, 0) to (n, m) (tiny grids only)."""
    if n == 0 and m == 0:
        yield []
        return
    for a, b in types:
        if a <= n and b <= m:
            for rest in _all_paths(n - a, m - b, types):
                yield rest + [(n - a, n, m - b, m)]


def _random_gains(n, m, seed):
    rng = np.random.default_rng(seed)
    table = {(a, b, i, j): float(rng.normal()) for a, b in TYPES for i in range(n + 1) for j in range(m + 1)}
    return table, lambda a, b, i, j0, j1: np.array([table[(a, b, i, j)] for j in range(j0, j1)])


def test_dp_and_posteriors_match_brute_force_enumeration():
    for seed, (n, m) in enumerate([(3, 4), (4, 3), (4, 4)]):
        table, gain = _random_gains(n, m, seed)
        paths = list(_all_paths(n, m, TYPES))
        totals = [sum(table[(i1 - i0, j1 - j0, i1, j1)] for i0, i1, j0, j1 in path) for path in paths]
        band = full_band(n, m)
        block = row_gains(band, TYPES, gain)
        best = run_dp(band, TYPES, block)
        assert sum(table[(i1 - i0, j1 - j0, i1, j1)] for i0, i1, j0, j1 in best) == pytest.approx(max(totals))
        temperature = 0.7
        weights = np.exp((np.array(totals) - max(totals)) / temperature)
        weights /= weights.sum()
        post = bead_posteriors(band, TYPES, block, temperature)
        for t, (a, b) in enumerate(TYPES):
            for i in range(n + 1):
                for j in range(m + 1):
                    want = sum(w for w, path in zip(weights, paths) if (i - a, i, j - b, j) in path)
                    assert post[t, band.flat(i, j)] == pytest.approx(want, abs=1e-5)


def test_refine_widens_a_band_that_cuts_off_the_best_path():
    # the best path runs 1-1 but 12 columns right of the diagonal: a +-3 band around the diagonal misses it
    n, m = 40, 52

    def gain(a, b, i, j0, j1):
        js = np.arange(j0, j1)
        if (a, b) == (1, 1):
            return np.where(js == i + 12, 1.0, -1.0)
        return np.full(len(js), -0.3)

    types = [(1, 1), (1, 0), (0, 1)]
    solve = lambda band: run_dp(band, types, row_gains(band, types, gain))
    narrow = band_around([(i, i) for i in range(n + 1)] + [(n, m)], n, m, 3)
    stuck = solve(narrow)
    beads, band = refine(narrow, solve, width=8)
    assert beads == solve(full_band(n, m))
    assert (0, 1, 12, 13) in beads and stuck != beads
    assert band.size < (n + 1) * (m + 1)


def _long_pair(k):
    """k numbered sentences on one side, the other with gaps, a merge and extra lines."""
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike"]
    src = [f"{words[i % 13]} {words[(i * 7) % 13]} number {i} of the {words[(i * 3) % 13]} series" for i in range(k)]
    tgt = []
    for i, s in enumerate(src):
        if i % 37 == 5:
            continue  # dropped in the translation
        if i % 41 == 9:
            tgt.append(f"an inserted remark {i} zzz qqq")
        if i % 29 == 3 and i + 1 < k:
            tgt.append(s + " " + src[i + 1])
            continue
        if i % 29 == 4:
            continue
        tgt.append(s)
    return src, tgt


def test_guided_first_pass_finds_the_same_alignment_as_the_full_grid():
    # a pair too big for the full-grid first pass (with a small limit) is guided by pooled blocks of sentences
    src, tgt = _long_pair(320)
    full = EmbeddingAligner(TrigramEncoder()).align(src, tgt)
    guided = EmbeddingAligner(TrigramEncoder(), EmbeddingParams(full_limit=2_000)).align(src, tgt)
    assert [(l.src, l.tgt) for l in guided] == [(l.src, l.tgt) for l in full]
    assert covers_once_in_order(guided, len(src), len(tgt))
    pairs = {(l.src, l.tgt) for l in guided}
    assert ((5,), ()) in pairs and ((3, 4), (3,)) in pairs


def test_unsupported_members_of_a_merge_are_reported_as_missing():
    # the aligner keeps a merge but names the sentence it does not need (Link.unsupported_tgt); the check reports it,
    # joined with the one-sided sentence next to it, while the alignment itself is untouched
    from align.checks import missing_blocks
    from align.documents import Alignment, Document, Link, Sentence

    def doc(lang, texts):
        sents, pos, text = [], 0, ""
        for i, t in enumerate(texts):
            sents.append(Sentence(t, pos, pos + len(t), i, None))
            text += t + "\n\n"
            pos = len(text)
        return Document(f"{lang}.txt", f"{lang}.txt", text, lang, [(s.start, s.end) for s in sents], sents)

    src = doc("de", ["Wir steigen früh am Morgen zur Hütte auf.", "Der Himmel ist klar und kalt.",
                     "Oben wartet der Hüttenwart mit Tee."])
    tgt = doc("fr", ["Nous montons tôt le matin vers la cabane.", "Le ciel est clair et froid.",
                     "Une phrase insérée qui ne traduit rien du tout ici.", "Une autre phrase sans aucun rapport.",
                     "En haut, le gardien nous attend avec du thé."])
    links = [Link((0,), (0,), 0.9), Link((1,), (1, 2), 0.7, (), (2,)), Link((), (3,), 0.0),
             Link((2,), (4,), 0.9)]
    divs = missing_blocks(Alignment(src, tgt, links))
    assert [(d.kind, d.tgt) for d in divs] == [("missing-in-source", (2, 3))]
    assert "translates only the sentences around" in divs[0].message
    plain = missing_blocks(Alignment(src, tgt, [Link(l.src, l.tgt, l.score) for l in links]))
    assert [d.tgt for d in plain] == [(3,)]


def _textberg(doc: str, lo: int, hi: int):
    """German sentences lo..hi-1 of a Text+Berg document, the French lines the gold links them to, and the gold."""
    from align.scoring import read_links

    from .conftest import TEXTBERG, textberg_sentences

    de, fr = textberg_sentences("de", doc), textberg_sentences("fr", doc)
    gold = read_links(TEXTBERG / "gold" / doc)
    js = sorted(j for a, b in gold if a and lo <= a[0] < hi for j in b)
    return de[lo:hi], fr[js[0]:js[-1] + 1], [(tuple(i - lo for i in a), tuple(j - js[0] for j in b))
                                           for a, b in gold if a and lo <= a[0] < hi]


def _alignment(de, fr, links):
    from align.documents import Alignment, Document, Sentence

    def doc(lang, lines):
        sents, pos = [], 0
        for line in lines:
            sents.append(Sentence(line, pos, pos + len(line), 0))
            pos += len(line) + 1
        return Document(f"{lang}.txt", f"{lang}.txt", "\n".join(lines) + "\n", lang, [(0, pos)], sents)

    return Alignment(doc("de", de), doc("fr", fr), links)


def test_a_run_of_sentences_absorbed_into_a_merge_is_reported_as_one_block(encoder):
    # Text+Berg 004, German 20-44, with the French translation of German 31-32 deleted: the DP absorbs the two
    # orphans into a 4-1 bead (the bead's summed vectors barely notice them, and neither one alone frees the
    # bead of the other); the aligner names the run, and the check reports both sentences as one block
    from align.checks import missing_blocks

    de, fr, gold = _textberg("004", 20, 45)
    gone = {j for a, b in gold if {11, 12} & set(a) for j in b}
    fr = [t for j, t in enumerate(fr) if j not in gone]
    links = EmbeddingAligner(encoder).align(de, fr)
    bead = next(l for l in links if 11 in l.src)
    # (German 14 has no French in the gold either: the bead names it too)
    assert len(bead.src) + len(bead.tgt) > 2 and bead.unsupported_src[:2] == (11, 12)
    blocks = [d.src for d in missing_blocks(_alignment(de, fr, links)) if d.kind == "missing-in-target"]
    assert (11, 12) in blocks


def test_a_block_moved_a_few_sentences_is_not_reported_as_missing(encoder):
    # Text+Berg 006, German 30-59; the French translation of German 44-45 moved six sentences down, as a
    # caption is by the layout. Both copies end up merged into neighbouring beads, each unsupported there; they
    # translate each other, so neither is missing. With the out-of-order confidence set out of reach
    # (rescue > 1) the aligner cannot see that, and reports the block on both sides.
    from align.checks import missing_blocks

    de, fr, gold = _textberg("006", 30, 60)
    moved = sorted(j for a, b in gold if {14, 15} & set(a) for j in b)
    rest = [t for j, t in enumerate(fr) if j not in moved]
    at = moved[0] + 6
    fr = rest[:at] + [fr[j] for j in moved] + rest[at:]
    new_place = set(range(at, at + len(moved)))
    for params, reported in ((EmbeddingParams(), False), (EmbeddingParams(rescue=1.01), True)):
        links = EmbeddingAligner(encoder, params).align(de, fr)
        merged = {i for l in links if l.tgt for i in l.src}, {j for l in links if l.src for j in l.tgt}
        assert {14, 15} <= merged[0] and new_place <= merged[1]  # both copies sit in beads, not one-sided
        divs = missing_blocks(_alignment(de, fr, links))
        src = {i for d in divs if d.kind == "missing-in-target" for i in d.src}
        tgt = {j for d in divs if d.kind == "missing-in-source" for j in d.tgt}
        if reported:
            assert {14, 15} <= src and new_place <= tgt
        else:
            assert not {14, 15} & src and not new_place & tgt


def test_a_sentence_the_merge_reads_better_without_is_unsupported_even_on_the_same_topic(encoder):
    # Text+Berg 002, German 135-154, with the French translation of German 145 ("Ein letzter Stoss , heftiger als
    # die vorhergehenden , setzt dem Fall ein Ende .") deleted: the DP merges it with German 144, whose French it
    # shares a topic with (cosine above peel_cos); the bead reads better without it, so it is named all the same
    de, fr, gold = _textberg("002", 135, 155)
    fr = [t for j, t in enumerate(fr) if j not in {j for a, b in gold if 10 in a for j in b}]
    bead = next(l for l in EmbeddingAligner(encoder).align(de, fr) if 10 in l.src)
    assert bead.src == (9, 10) and bead.unsupported_src == (10,)


def _pairs(src, tgt, **params):
    return [(l.src, l.tgt) for l in EmbeddingAligner(TrigramEncoder(), EmbeddingParams(**params)).align(src, tgt)]


_WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
_SENTS = [f"sentence number {w} about the {w} topic" for w in _WORDS]


def test_fragments_of_punctuation_and_debris_are_told_apart():
    from align.aligners.embedding import fragment_kind

    assert [fragment_kind(x) for x in ["!", "» .", "__ .", "Vv", "141", "D.A .", "Basta .", "Wie mühsam"]] == \
        [2, 2, 2, 1, 1, 1, 0, 0]


def test_a_punctuation_fragment_goes_with_the_sentence_before_it():
    tgt = _SENTS[:3] + ["!"] + _SENTS[3:]  # the splitter cut off the "!" that ends target sentence 2
    # skipping made expensive, so the fragment must join a bead: the one before it, not the one after
    assert ((2,), (2, 3)) in _pairs(_SENTS, tgt, skip=-0.5)
    # without the fragment's cost (and with the end-punctuation cost doubled) it would go with the one after
    assert ((3,), (3, 4)) in _pairs(_SENTS, tgt, skip=-0.5, lead_fragment=0.0, punctuation=0.02)


def test_two_sentences_the_translation_swapped_are_aligned_crosswise():
    tgt = _SENTS[:3] + [_SENTS[4], _SENTS[3]] + _SENTS[5:]
    pairs = _pairs(_SENTS, tgt, skip=-0.2)  # the DP takes the 2-2 bead; ``swap_crossed`` splits it
    assert ((3,), (4,)) in pairs and ((4,), (3,)) in pairs
    assert ((3, 4), (3, 4)) in _pairs(_SENTS, tgt, skip=-0.2, swap=1.01)


def test_sentence_final_punctuation_of_other_scripts_counts_as_its_latin_counterpart():
    # MAC-Dev's Chinese ends with 。？！ (and closing ”): before, every zh-en pair paid the mismatch cost
    from align.aligners.embedding import end_class

    assert [end_class(x) for x in ["他走了。", "你是谁？”", "好！", "如下：", "Er ging.", "Who?'", "…", "x"]] == \
        [1, 2, 3, 4, 1, 2, 1, 0]


def test_the_length_model_is_fitted_to_the_document():
    # the ratio is the median of the 1-1 beads (not of the totals, which merges skew), and a spread of log ratios
    # wider than length_spread makes lengths count less; no language constant enters
    from align.aligners.embedding import _State

    rng = np.random.default_rng(0)
    src = ["x" * int(n) for n in rng.integers(20, 80, 40)]

    def state(tgt):
        X = np.eye(40, 8, dtype=np.float32)
        Y = np.eye(len(tgt), 8, dtype=np.float32)
        p = EmbeddingParams()
        return _State(p, src, tgt, X, Y, np.zeros(40), np.zeros(len(tgt)), [0] * 40, [0] * len(tgt),
                      [False] * 40, [False] * len(tgt))

    ones = [(i, i + 1, i, i + 1) for i in range(40)]
    tight = state(["y" * (3 * len(s)) for s in src])  # 3 target characters per source character, always
    tight.fit_length(ones)
    assert tight.ratio == pytest.approx(3.0, rel=0.05) and tight.length_power == 1.0
    loose = state(["y" * int(3 * len(s) * f) for s, f in zip(src, rng.choice([0.4, 1.0, 2.5], 40))])
    loose.fit_length(ones)
    assert loose.length_power < 0.5


def test_quotation_marks_are_counted_in_any_script_without_apostrophes():
    from align.aligners.quotes import quote_count

    # MAC-Dev's Chinese and English, German „…“ and French « » (Text+Berg's tokenised apostrophes: "l' aube")
    assert [quote_count(x) for x in [
        "周瑞家的道：“等奶奶的示下。”", "说着，又问周瑞家的：“回了太太了没有？", "我这‘小白龙’韦小宝", "「好」",
        "'No, ma'am.", "I was waiting for your instructions.'", "professional mourners known as 'wailers' came",
        "the boys' room", "„Ja“, sagte er.", "« Tu n' y arriveras jamais", "Qu' ils sont pénibles , ces levers avant l' aube",
    ]] == [2, 1, 2, 2, 1, 1, 2, 0, 2, 1, 0]




def test_single_quotation_marks_close_after_low_nine_and_elisions_are_not_marks():
    from align.aligners.quotes import quote_count

    # German ‚Ja‘ closes with ‘ (so the possessive ’ after it is an apostrophe); Dutch ‚ja’ closes with ’;
    # Dutch 's Avonds / 't is / ’s Morgens are elisions, but MAC-Dev 003's 'a shame …' opens a quotation it closes
    assert [quote_count(x) for x in [
        "‚Ja‘, sagte der Jungs’ Vater.", "„‚Ja!‘ rief er.“", "‚ja’, zei hij.", "'s Avonds ging hij naar huis.",
        "Toen zei hij 't is waar.", "’s Morgens vroeg.",
        "it was 'a shame to send her on a fool's errand', and turning to Grannie Liu he said, 'Old Zhou is away.",
        "‘Yes,’ she said.",
    ]] == [2, 4, 2, 0, 0, 0, 3, 2]
def _macdev(doc: str, lo: int, hi: int):
    """Chinese sentences lo..hi-1 of a MAC-Dev chapter, the English lines the gold links them to, and the gold."""
    from align.pipeline import read_presplit
    from align.scoring import read_links

    from .conftest import ROOT

    data = ROOT / "eval" / "data" / "macdev"
    zh = [s.text for s in read_presplit(data / "zh" / doc, "zh").sentences]
    en = [s.text for s in read_presplit(data / "en" / doc, "en").sentences]
    gold = read_links(data / "gold" / doc)
    js = sorted(j for a, b in gold if a and lo <= a[0] < hi for j in b)
    return zh[lo:hi], en[js[0]:js[-1] + 1], [(tuple(i - lo for i in a), tuple(j - js[0] for j in b))
                                           for a, b in gold if a and lo <= a[0] < hi]


def test_a_dialogue_line_goes_where_its_quotation_closes(encoder):
    # MAC-Dev 003, Chinese 166-178: "又问周瑞家的：“回了太太了没有？”" (175) is English 259-260 ("She turned to Zhou
    # Rui's wife. / 'Have you told Her Ladyship yet?'"), and the answer "周瑞家的道：“等奶奶的示下。”" (176) is 261-262
    # ("'No, ma'am. / I was waiting for your instructions.'"). Without the quotation cost 261 goes with the
    # question, a side that then opens a quotation its Chinese does not
    zh, en, gold = _macdev("003", 166, 179)
    question, answer = (next(g for g in gold if g[0] == (k,)) for k in (9, 10))
    assert len(question[1]) == len(answer[1]) == 2
    pairs = [(l.src, l.tgt) for l in EmbeddingAligner(encoder).align(zh, en)]
    assert question in pairs and answer in pairs
    wrong = [(l.src, l.tgt) for l in EmbeddingAligner(encoder, EmbeddingParams(quotes=0.0)).align(zh, en)]
    assert question not in wrong and answer not in wrong


def test_word_associations_learned_from_a_chapter_pair_name_the_sentence_a_name_belongs_to():
    from align.aligners.lexical import learn, tokens

    zh, en, gold = _macdev("003", 0, 262)
    assert {"刘", "老", "刘老"} <= tokens("刘老老陪笑道") and tokens("Grannie Liu's 2 cats") == {"grannie", "liu", "s", "2", "cats"}
    lex = learn(zh, en, [(range(a[0], a[-1] + 1), range(b[0], b[-1] + 1)) for a, b in gold if a and b], [1, 2])

    def gain(i, j0, j1):  # of the bead zh[i] : en[j0:j1]
        return float(lex.gain(1, j1 - j0, np.array([i + 1]), np.array([j1]), np.arange(1), np.arange(1), True)[0])

    # which Chinese sentence "Grannie Liu smiled ingratiatingly." (English 106) goes with: the question before it
    # (72, English 105) or "刘老老陪笑道：..." (Grannie Liu smiled and said, 73, English 107)
    assert zh[73].startswith("刘老老陪笑道") and en[106] == "Grannie Liu smiled ingratiatingly."
    assert gain(72, 105, 106) + gain(73, 106, 108) > gain(72, 105, 107) + gain(73, 107, 108) + 0.02


def test_a_sentence_goes_with_the_one_whose_names_it_shares(encoder):
    # MAC-Dev 003, Chinese 72-73: "众人打量了一会，便问：“是那里来的？”" is English 105 ("After looking her up and down
    # ..., they asked her her business."), and "刘老老陪笑道：“我找太太的陪房周大爷的。" is 106-107 ("Grannie Liu smiled
    # ingratiatingly. / 'I've come to see Old Zhou ..."). The encoder puts "Grannie Liu smiled" with the question;
    # the chapter's own word associations (刘 and liu, 笑 and smiled) put it with its sentence
    zh, en, _ = _macdev("003", 0, 262)
    right = [((72,), (105,)), ((73,), (106, 107))]
    pairs = [(l.src, l.tgt) for l in EmbeddingAligner(encoder, EmbeddingParams(lexicon=0.15)).align(zh, en)]
    assert all(x in pairs for x in right)
    wrong = [(l.src, l.tgt) for l in EmbeddingAligner(encoder, EmbeddingParams(lexicon=0.0)).align(zh, en)]
    assert not any(x in wrong for x in right)

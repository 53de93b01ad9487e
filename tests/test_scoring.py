"""Scoring against gold alignments: hand-made examples with hand-computed figures."""

from __future__ import annotations

import pytest

from align.documents import Link
from align.scoring import (count, disagreements, format_disagreements, format_links, parse_links, read_links, score,
                           score_files)

# Document A. Gold has six links, four of them with both sides non-empty.
GOLD_A = """\
[0]:[0]
[1]:[1, 2]
[2, 3]:[3]
[4]:[]
[]:[4]
[5]:[5]
"""
# Prediction for A, link by link against the gold:
#   [0]:[0]        exact                      strict + lax
#   [1]:[1]        part of [1]:[1, 2]         lax only
#   []:[2]         gold has no such link      wrong
#   [2, 3]:[3]     exact                      strict + lax
#   [4]:[]         gold has exactly this      strict + lax
#   []:[4]         gold has exactly this      strict + lax
#   [5]:[5]        exact                      strict + lax
# precision: strict 5/7, lax 6/7.
# recall (4 gold links with both sides): [0]:[0], [2, 3]:[3], [5]:[5] found
# exactly, [1]:[1, 2] only overlapped by [1]:[1] -> strict 3/4, lax 4/4.
PRED_A = """\
[0]:[0]
[1]:[1]
[]:[2]
[2, 3]:[3]
[4]:[]
[]:[4]
[5]:[5]
"""

# Document B: the prediction merges two 1-1 links and drops the third.
GOLD_B = "[0]:[0]\n[1]:[1]\n[2]:[2]\n"
PRED_B = "[0, 1]:[0, 1]\n[2]:[]\n[]:[2]\n"
# precision: [0, 1]:[0, 1] lax only, [2]:[] and []:[2] wrong -> strict 0/3, lax 1/3.
# recall: [0]:[0] and [1]:[1] overlap the merged link (lax), [2]:[2] is missed
# -> strict 0/3, lax 2/3.


def _f1(p, r):
    return 2 * p * r / (p + r)


def test_parse_and_format_round_trip(tmp_path):
    links = parse_links(GOLD_A)
    assert links == [((0,), (0,)), ((1,), (1, 2)), ((2, 3), (3,)), ((4,), ()), ((), (4,)), ((5,), (5,))]
    assert format_links(links) == GOLD_A
    path = tmp_path / "gold"
    path.write_text(GOLD_A + "\n", encoding="utf-8")  # a trailing blank line is fine
    assert read_links(path) == links


def test_format_accepts_link_objects_and_lenient_spacing():
    assert format_links([Link((3,), ()), Link((), (0, 1), 0.7)]) == "[3]:[]\n[]:[0, 1]\n"
    assert parse_links(" [ 1,2 ] : [3]\n[]:[ ]") == [((1, 2), (3,)), ((), ())]


def test_parse_rejects_garbage():
    with pytest.raises(ValueError, match="line 2|:2:"):
        parse_links("[0]:[0]\n0 - 0\n")


def test_single_document():
    s = score([parse_links(GOLD_A)], [parse_links(PRED_A)])
    assert s["strict_p"] == pytest.approx(5 / 7)
    assert s["strict_r"] == pytest.approx(3 / 4)
    assert s["strict_f1"] == pytest.approx(30 / 41)
    assert s["lax_p"] == pytest.approx(6 / 7)
    assert s["lax_r"] == pytest.approx(1.0)
    assert s["lax_f1"] == pytest.approx(12 / 13)
    assert set(s) == {"strict_p", "strict_r", "strict_f1", "lax_p", "lax_r", "lax_f1"}


def test_merge_and_deletions():
    s = score([parse_links(GOLD_B)], [parse_links(PRED_B)])
    assert (s["strict_p"], s["strict_r"], s["strict_f1"]) == (0.0, 0.0, 0.0)
    assert s["lax_p"] == pytest.approx(1 / 3)
    assert s["lax_r"] == pytest.approx(2 / 3)
    assert s["lax_f1"] == pytest.approx(4 / 9)


def test_micro_average_over_documents(tmp_path):
    # counts are pooled: strict P 5/10, R 3/7; lax P 7/10, R 6/7
    expected = {"strict_p": 0.5, "strict_r": 3 / 7, "strict_f1": 6 / 13,
                "lax_p": 0.7, "lax_r": 6 / 7, "lax_f1": 84 / 109}
    s = score([parse_links(GOLD_A), parse_links(GOLD_B)], [parse_links(PRED_A), parse_links(PRED_B)])
    assert s == pytest.approx(expected)
    assert _f1(0.5, 3 / 7) == pytest.approx(6 / 13)
    files = []
    for name, text in [("ga", GOLD_A), ("gb", GOLD_B), ("pa", PRED_A), ("pb", PRED_B)]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(tmp_path / name)
    assert score_files(files[:2], files[2:]) == pytest.approx(expected)
    c = count([parse_links(GOLD_A), parse_links(GOLD_B)], [parse_links(PRED_A), parse_links(PRED_B)])
    assert c == {"strict_p_hits": 5, "lax_p_hits": 7, "n_pred": 10,
                 "strict_r_hits": 3, "lax_r_hits": 6, "n_gold": 7}


def test_perfect_prediction_and_duplicates():
    gold = parse_links(GOLD_A)
    assert score([gold], [gold + gold[:2]]) == pytest.approx(
        {k: 1.0 for k in ("strict_p", "strict_r", "strict_f1", "lax_p", "lax_r", "lax_f1")})


def test_lax_needs_overlap_on_both_sides_of_one_link():
    gold = [((0,), (0,)), ((1,), (1,))]
    # source 0 and target 1 both exist in gold, but in different links: not a lax hit
    s = score([gold], [[((0,), (1,)), ((1,), (0,))]])
    assert s["lax_p"] == 0.0 and s["lax_r"] == 0.0


def test_empty_and_mismatched_inputs():
    assert score([[]], [[]])["strict_f1"] == 0.0
    with pytest.raises(ValueError):
        score([[]], [])
    with pytest.raises(ValueError):
        score_files(["a"], [])


def test_disagreements_join_the_links_that_share_a_sentence():
    # A: [1]:[1] and []:[2] stand where the gold has [1]:[1, 2]; everything else agrees
    (a,) = disagreements(parse_links(GOLD_A), parse_links(PRED_A))
    assert sorted(a.wrong) == [((), (2,)), ((1,), (1,))] and a.missed == [((1,), (1, 2))]
    assert (a.src, a.tgt) == ((1,), (1, 2))
    # B: the merged pair is one place, the pair split into 1-0 and 0-1 another
    merged, split = disagreements(parse_links(GOLD_B), parse_links(PRED_B))
    assert merged.wrong == [((0, 1), (0, 1))] and merged.missed == [((0,), (0,)), ((1,), (1,))]
    assert sorted(split.wrong) == [((), (2,)), ((2,), ())] and split.missed == [((2,), (2,))]
    assert disagreements(parse_links(GOLD_A), parse_links(GOLD_A)) == []


def test_disagreements_on_a_textberg_document(tmp_path):
    """The places of a real prediction account for every strict error that the scores count."""
    from .conftest import TEXTBERG, textberg_sentences

    gold = read_links(TEXTBERG / "gold" / "005")
    # a prediction that is right except in two places: 13-14 merged on the wrong side, 30 dropped
    pred = [link for link in gold if not set(link[0]) & {13, 14, 15, 30}]
    pred += [((13,), (13, 14)), ((14, 15), (15,)), ((30,), ())]
    places = disagreements(gold, pred)
    c = count([gold], [pred])
    assert sum(len(d.wrong) for d in places) == c["n_pred"] - c["strict_p_hits"]
    assert sum(1 for d in places for a, b in d.missed if a and b) == c["n_gold"] - c["strict_r_hits"]
    text = format_disagreements(places, textberg_sentences("de", "005"), textberg_sentences("fr", "005"))
    assert "pred [13]:[13, 14]" in text and "pred [30]:[]" in text
    shown = {int(line.split()[1]) for line in text.splitlines() if line.startswith("    src")}
    assert shown == {i for d in places for i in d.src} and 0 not in shown  # only the places that differ

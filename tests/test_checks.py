from align.checks import check_alignment
from align.documents import Alignment, Link

from .conftest import make_doc as _doc


def _kinds(divs):
    return sorted(d.kind for d in divs)


def test_values_are_compared_as_values():
    src = _doc("sv", ["Mötet hålls den 24.5.2017 kl. 10.", "Ring tfn +358 50\u00a0344 2844.",
                      "Skriv till a.b@formin.fi.", "Kontakt: [email\u00a0protected]"])
    tgt = _doc("en", ["The meeting is on 25 May 2017 at 10.", "Call +358 50 344 2844.",
                      "Write to c.d@formin.fi.", "Contact: a.b@formin.fi"])
    links = [Link((i,), (i,), 0.9) for i in range(4)]
    divs = check_alignment(Alignment(src, tgt, links))
    assert _kinds(divs) == ["damaged-text", "email-mismatch", "number-mismatch"]
    num = next(d for d in divs if d.kind == "number-mismatch")
    assert "24 only in the source" in num.message and "25 only in the target" in num.message
    assert num.details["src_location"]["line"] == 1


def test_one_sided_material_gets_one_kind_each():
    src = _doc("sv", ["Rubrik här.", "Rubrik här.", "Text om mötet.", "Muualla verkossa", "Kontakt: Anna.",
                      "Mer info."], langs={3: "fi"})
    tgt = _doc("en", ["Heading here.", "Text about the meeting."])
    links = [Link((0,), (0,), 0.9), Link((1,), (), 0), Link((2,), (1,), 0.9), Link((3,), (), 0),
             Link((4,), (), 0), Link((5,), (), 0)]
    divs = check_alignment(Alignment(src, tgt, links))
    assert _kinds(divs) == ["duplicate", "missing-in-target", "other-language"]
    block = next(d for d in divs if d.kind == "missing-in-target")
    assert block.src == (4, 5) and "2 sentences" in block.message


def test_low_similarity_reordering_and_untranslated():
    src = _doc("sv", ["Första meningen här.", "Andra meningen här.", "This sentence stayed in English text."])
    tgt = _doc("en", ["Second sentence here.", "First sentence here.", "This sentence stayed in English text."])
    links = [Link((0,), (1,), 0.9), Link((1,), (0,), 0.05), Link((2,), (2,), 0.9)]
    divs = check_alignment(Alignment(src, tgt, links))
    assert _kinds(divs) == ["low-similarity", "reordering", "untranslated"]


def test_the_unpaired_copy_of_a_repeated_title_is_the_duplicate():
    src = _doc("sv", ["Rubrik här.", "Rubrik här.", "Text om mötet."])
    tgt = _doc("en", ["Heading here.", "Text about the meeting."])
    links = [Link((0,), (), 0), Link((1,), (0,), 0.9), Link((2,), (1,), 0.9)]
    divs = check_alignment(Alignment(src, tgt, links))
    assert [(d.kind, d.src) for d in divs] == [("duplicate", (0,))]


def test_spelt_numbers_are_not_mismatches_but_changed_ones_are():
    src = _doc("de", ["Um fünf Uhr brachen wir auf.", "Wir gingen 12 km."])
    tgt = _doc("fr", ["A 5 heures nous sommes partis.", "Nous avons marché 13 km."])
    divs = check_alignment(Alignment(src, tgt, [Link((0,), (0,), 0.9), Link((1,), (1,), 0.9)]))
    assert [(d.kind, d.src) for d in divs] == [("number-mismatch", (1,))]


def test_a_truncated_translation_is_flagged_by_its_length():
    base = [("Der Weg führt über den Grat zum Gipfel.", "Le chemin mène au sommet par l'arête."),
            ("Wir gehen früh los.", "Nous partons tôt."),
            ("Das Wetter ist gut und der Himmel ist klar.", "Le temps est beau et le ciel est clair."),
            ("Die Hütte ist voll.", "La cabane est pleine."),
            ("Oben weht ein kalter Wind.", "En haut souffle un vent froid."),
            ("Nach dem Abstieg trinken wir Tee in der Hütte und erzählen uns lange Geschichten vom Tag, "
             "von den Wolken, vom Grat und von den Dohlen, die uns bis zum Gipfel begleitet haben.",
             "Après la descente, nous buvons du thé.")]
    src = _doc("de", [a for a, _ in base])
    tgt = _doc("fr", [b for _, b in base])
    divs = check_alignment(Alignment(src, tgt, [Link((i,), (i,), 0.9) for i in range(len(base))]))
    assert [(d.kind, d.src, d.details["longer"]) for d in divs] == [("length-ratio", (5,), "source")]


def test_identical_name_lines_are_not_untranslated():
    src = _doc("de", ["Hans Sigrist, Oberbalm", "Der Text bleibt hier ganz gleich stehen."])
    tgt = _doc("fr", ["Hans Sigrist, Oberbalm", "Der Text bleibt hier ganz gleich stehen."])
    divs = check_alignment(Alignment(src, tgt, [Link((0,), (0,), 0.9), Link((1,), (1,), 0.9)]))
    assert [(d.kind, d.src) for d in divs] == [("untranslated", (1,))]


def test_drifting_pair_says_which_side_carries_the_extra():
    base = [("Der Weg führt über den Grat zum Gipfel.", "Le chemin mène au sommet par l'arête."),
            ("Wir gehen früh los.", "Nous partons tôt."),
            ("Das Wetter ist gut und der Himmel ist klar.", "Le temps est beau et le ciel est clair."),
            ("Die Hütte ist voll.", "La cabane est pleine."),
            ("Oben weht ein kalter Wind.", "En haut souffle un vent froid."),
            ("Nach dem Abstieg trinken wir Tee in der Hütte.", "Après la descente."),  # too short for length-ratio
            ("Der Hüttenwart kocht eine Suppe.", "Il pleut depuis trois jours sur la vallée.")]
    src = _doc("de", [a for a, _ in base])
    tgt = _doc("fr", [b for _, b in base])
    scores = [0.95, 0.95, 0.95, 0.95, 0.95, 0.6, 0.1]
    divs = check_alignment(Alignment(src, tgt, [Link((i,), (i,), sc) for i, sc in enumerate(scores)]))
    low = [(d.src, d.details["extra"]) for d in divs if d.kind == "low-similarity"]
    # the cut target: confident link, but the source is far longer than usual; the swapped one: just different
    assert low == [((5,), "source"), ((6,), "")]
    msg = next(d.message for d in divs if d.src == (5,) and d.kind == "low-similarity")
    assert "source is longer" in msg and "target leaves out" in msg

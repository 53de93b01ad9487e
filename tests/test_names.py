"""Names and acronyms on one side only (``align.names`` and the ``name-mismatch`` check)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from align import names
from align.checks import check_alignment, names_mismatch
from align.documents import Alignment, Link, Sentence

from .conftest import make_doc as _doc

ROOT = Path(__file__).resolve().parent.parent


def _pairs(src_lang, tgt_lang, pairs):
    src = _doc(src_lang, [s for s, _ in pairs])
    tgt = _doc(tgt_lang, [t for _, t in pairs])
    return Alignment(src, tgt, [Link((i,), (i,), 0.95) for i in range(len(pairs))])


@pytest.mark.parametrize("lang,cyrillic,latin", [
    ("bg", "Лаура Томпсън", "Laura Tompsan"),
    ("bg", "Щастие", "Shtastie"),
    ("bg", "Хърватия", "Harvatiya"),
    ("ru", "Щукин Хабаровск", "Shchukin Khabarovsk"),
    ("uk", "Київ Харків", "Kyyiv Kharkiv"),
    ("sr", "Ђоковић Београд", "Djokovic Beograd"),
    ("el", "Αθήνα Μπουμπουλίνα", "Athina Bouboulina"),
])
def test_transliteration_tables(lang, cyrillic, latin):
    assert names.transliterate(cyrillic, lang) == latin


def test_acronyms_keep_their_capitals():
    assert names.transliterate("МОМ ЕС ООН", "bg") == "MOM ES OON"


@pytest.mark.parametrize("a,b", [
    ("Laura Thompson", "Лаура Томпсън"), ("Thompsons", "Thompson"), ("Ruotsin", "Ruotsi"),
    ("Stamenkov", "Стаменков"), ("Bulgaria", "България"), ("Zürich", "Zurich"), ("Matterhorn", "Materhorn"),
])
def test_the_same_name_in_two_spellings(a, b):
    ka = [names.fold(w, "bg") for w in a.split()]
    kb = [names.fold(w, "bg") for w in b.split()]
    assert all(names.same_name(x, y) for x, y in zip(ka, kb))


@pytest.mark.parametrize("a,b", [("Thompson", "Stamenkov"), ("Zermatt", "Saas"), ("Laura", "Maira")])
def test_different_names_do_not_match(a, b):
    assert not names.same_name(names.fold(a), names.fold(b))


def test_translated_acronyms_and_transliterated_names_are_no_alarm():
    al = _pairs("bg", "en", [
        ("Посланик Лаура Томпсън, заместник-главен директор на МОМ, откри срещата.",
         "Ambassador Laura Thompson, IOM Deputy Director General, opened the meeting."),
        ("В събитието участват държавите-членки на ЕС и ООН.",
         "The event brings together EU Member States and the UN."),
    ])
    assert names_mismatch(al) == []


def test_a_missing_name_is_reported_with_its_side():
    al = _pairs("bg", "en", [
        ("Посланик Лаура Томпсън откри срещата в София.", "The ambassador opened the meeting in Sofia."),
        ("Г-н Радослав Стаменков изнесе приветствено слово.", "Mr. Radoslav Stamenkov gave a welcoming address."),
    ])
    divs = names_mismatch(al)
    assert [(d.kind, d.severity, d.src, d.details["source_names"]) for d in divs] == \
        [("name-mismatch", "warning", (0,), ["Лаура Томпсън"])]
    assert "Bulgarian sentence but not in the English one" in divs[0].message


def test_a_one_sided_acronym_is_reported_only_when_the_other_side_has_none():
    ok = _pairs("sv", "en", [("Konferensen ordnas av IOM.", "The conference is organised by the UN.")])
    assert names_mismatch(ok) == []
    missing = _pairs("sv", "en", [("Konferensen ordnas av IOM i Helsingfors.", "The conference is held in Helsinki.")])
    assert [d.details["source_names"] for d in names_mismatch(missing)] == [["IOM"]]


def test_spelt_out_name_matches_its_acronym_and_capitalised_common_words_are_no_names():
    al = _pairs("sv", "en", [
        ("Generaldirektören för CBSS sekretariat talar.",
         "The Director General of the Council of the Baltic Sea States will speak."),
        ("Talet ges av överdirektör Laura Yli-Vakkuri från inrikesministeriet.",
         "The speech is given by Laura Yli-Vakkuri, Director General of the Finnish Ministry of the Interior."),
    ])
    assert names_mismatch(al) == []


def test_german_nouns_are_not_names_but_a_missing_name_is_found():
    al = _pairs("de", "fr", [
        ("Am Morgen stiegen wir mit dem Rucksack zur Hütte auf .", "Le matin , nous sommes montés à la cabane ."),
        ("Wir erreichen das Matterhorn über den Hörnligrat .", "Nous atteignons le Cervin par l' arête du Hörnli ."),
        ("Mit Ruedi Kälin stiegen wir ab .", "Avec Ruedi Kälin nous sommes descendus ."),
        ("Danach sprach Ruedi lange .", "Ensuite , il a parlé longtemps ."),
    ])
    divs = names_mismatch(al)
    assert [(d.src, d.details["source_names"], d.details["target_names"]) for d in divs] == \
        [((3,), ["Ruedi"], [])]


def _seed_gold_alignment(pair_index: int) -> Alignment:
    from align.pipeline import load

    gold = json.loads((ROOT / "corpora" / "seeds.gold.json").read_text(encoding="utf-8"))
    gp = gold["pairs"][pair_index]
    src_file, tgt_file = gp["source"].split("#")[0], gp["target"].split("#")[0]
    if src_file == tgt_file:
        src, tgt = load(ROOT / "seeds" / src_file)
    else:
        src, tgt = load(ROOT / "seeds" / src_file)[0], load(ROOT / "seeds" / tgt_file)[0]

    def find(doc, prefix):
        return next(k for k, s in enumerate(doc.sentences) if s.text.startswith(prefix))

    links = [Link(tuple(find(src, a) for a in sa), tuple(find(tgt, b) for b in tb), 1.0) for sa, tb in gp["links"]]
    return Alignment(src, tgt, links)


def test_seed_pairs_have_no_false_alarm():
    """On the seeds' gold TUs the only name reported is real: the English adds "Finland" after Kirsi Pimiä."""
    found = []
    for k in range(2):
        al = _seed_gold_alignment(k)
        for d in names_mismatch(al):
            found.append((al.src.lang, d.details["source_names"], d.details["target_names"]))
        assert all(d.severity != "error" for d in check_alignment(al) if d.kind in ("name-mismatch", "low-similarity"))
    assert found == [("sv", [], ["Finland"])]


def test_a_name_removed_from_a_seed_pair_is_found():
    al = _seed_gold_alignment(1)  # Bulgarian-English
    k = next(i for i, s in enumerate(al.src.sentences) if "членки на ЕС," in s.text)
    s = al.src.sentences[k]
    al.src.sentences[k] = Sentence(s.text.replace(" на ЕС,", ","), s.start, s.end, s.paragraph)
    divs = names_mismatch(al)
    assert [d.details["target_names"] for d in divs] == [["EU"]]
    assert "English sentence but not in the Bulgarian one" in divs[0].message

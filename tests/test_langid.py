from align import langid
from align.pipeline import load

from .conftest import BG_EN, EN, SV


def test_homoglyphs_are_folded_for_detection_only():
    assert langid.fold_homoglyphs("Mеждународна организация") == "Международна организация"
    assert langid.mixed_script_words("Mеждународна организация по миграция") == ["Mеждународна"]
    assert langid.mixed_script_words("IOM Bulgaria") == []


def test_bilingual_file_splits_after_english_below():
    docs = load(BG_EN)
    assert [d.lang for d in docs] == ["bg", "en"]
    bg, en = docs
    assert bg.sentences[0].text == "Mеждународна организация по миграция"  # Latin M kept in the text
    assert bg.sentences[2].text == "(English below)"
    assert bg.sentences[2].lang == "en"  # flagged as another language inside the Bulgarian part
    assert en.sentences[0].text == "European Migration Network Annual Conference"
    assert bg.span[1] < en.span[0]


def test_single_language_files_and_foreign_lines():
    sv = load(SV)
    en = load(EN)
    assert [d.lang for d in sv] == ["sv"] and [d.lang for d in en] == ["en"]
    foreign = {s.text: s.lang for s in sv[0].sentences if s.lang}
    assert foreign == {"Muualla verkossa": "fi"}
    assert not any(s.lang for s in sv[0].sentences if s.text.startswith("Pressmeddelande"))


def test_viterbi_keeps_short_lines_with_their_neighbours():
    paras = ["Годишна конференция на Европейската мрежа по миграция",
             "Mеждународна организация по миграция",
             "Темите, които ще бъдат обсъдени, включват успешно идентифициране на границите."]
    assert langid.label_paragraphs(paras) == ["bg", "bg", "bg"]


def test_confusable_groups():
    assert langid.same_group("sv", "nb") and langid.same_group("bg", "ru")
    assert not langid.same_group("sv", "fi") and not langid.same_group("bg", "en")

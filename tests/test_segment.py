from align.documents import clean_text
from align.segment import paragraph_spans, segment, split_sentences

from .conftest import BG_EN, EN_ONLY, SV


def _sentences(path, lang):
    text = path.read_text("utf-8")
    return text, segment(text, lang)[1]


def test_offsets_point_back_into_the_original_text():
    for path, lang in ((SV, "sv"), (BG_EN, "bg"), (EN_ONLY[0], "en")):
        text, sents = _sentences(path, lang)
        for s in sents:
            assert clean_text(text[s.start:s.end]) == s.text
        # nothing but whitespace is lost between sentences
        covered = "".join(text[s.start:s.end] for s in sents)
        assert "".join(covered.split()) == "".join(text.split())


def test_swedish_phone_numbers_and_dates_do_not_break_sentences():
    _, sents = _sentences(SV, "sv")
    contact = [s.text for s in sents if s.text.startswith("Ytterligare information")]
    assert len(contact) == 1
    assert contact[0].endswith("tfn +46 702721347.")
    assert "tfn +358 50\u00a0344 2844" in contact[0]
    assert any(s.text.endswith("i Helsingfors den 30–31 maj 2017.") for s in sents)
    assert any(s.text == "Utrikesministeriets e-postadresser har formen fornamn.efternamn@formin.fi." for s in sents)


def test_header_lines_inside_a_paragraph_stay_apart():
    _, sents = _sentences(SV, "sv")
    texts = [s.text for s in sents]
    i = texts.index("Pressmeddelande 99/2017")
    assert texts[i + 1] == "24.5.2017"
    assert sents[i].paragraph == sents[i + 1].paragraph


def test_english_titles_and_phone_prefixes():
    text = "Mr. Radoslav Stamenkov spoke. Contact: Laura, tel. +358 40 720 22 16, [email\u00a0protected] Thanks."
    parts = [text[s:e] for s, e in split_sentences(text, 0, len(text), "en")]
    assert parts[0] == "Mr. Radoslav Stamenkov spoke."
    assert parts[1].startswith("Contact: Laura, tel. +358 40 720 22 16")


def test_bulgarian_abbreviations_from_our_list():
    text = "Г-н Радослав Стаменков говори на т.нар. форум. Проф. Иванов и д-р Петров дойдоха през 2018 г. Всички бяха там."
    parts = [text[s:e] for s, e in split_sentences(text, 0, len(text), "bg")]
    assert parts == [
        "Г-н Радослав Стаменков говори на т.нар. форум.",
        "Проф. Иванов и д-р Петров дойдоха през 2018 г.",
        "Всички бяха там.",
    ]


def test_bulgarian_seed_paragraph_is_one_sentence_and_english_is_two():
    text = BG_EN.read_text("utf-8")
    _, bg = segment(text, "bg", end=text.index("European Migration Network Annual"))
    _, en = segment(text, "en", start=text.index("European Migration Network Annual"))
    assert sum(s.text.startswith("Тази сутрин") for s in bg) == 1
    para = [s for s in en if s.paragraph == 1]
    assert [s.text[:20] for s in para] == ["The 2018 European Mi", "The event is organiz"]


def test_paragraphs_are_blank_line_blocks_or_lines():
    assert paragraph_spans("A\nB\n\nC") == [(0, 3), (5, 6)]
    assert paragraph_spans("A\nB\nC") == [(0, 1), (2, 3), (4, 5)]
    assert paragraph_spans("A wrapped\nline.\nNext") == [(0, 15), (16, 20)]


def test_soft_wrapped_lines_are_joined():
    text = "This sentence was wrapped\nat forty columns and goes on.\nHeader\nNext line."
    _, sents = segment(text, "en")
    assert [s.text for s in sents] == [
        "This sentence was wrapped at forty columns and goes on.", "Header", "Next line."]


def test_unknown_language_falls_back_to_sentencex():
    text = "Tämä on lause. Tämä on toinen."
    assert len(split_sentences(text, 0, len(text), "fi")) == 2
    text = "Ово је реченица. Ово је друга."
    assert len(split_sentences(text, 0, len(text), "sr")) == 2

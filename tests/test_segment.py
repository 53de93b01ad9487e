from align.documents import clean_text
from align.segment import paragraph_spans, segment, split_sentences

from .conftest import BG_EN, EN_ONLY, ROOT, SV


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


# Franz Kafka, Die Verwandlung (1915; public domain), the opening as plain text hard-wrapped at 78 columns
# (Project Gutenberg style), quoted from a public repository's test data. German capitalises nouns, so
# three of its line breaks fall before a capital inside a sentence ("auseinandergepackte / Musterkollektion").
KAFKA = """Als Gregor Samsa eines Morgens aus unruhigen Träumen erwachte, fand er sich in
seinem Bett zu einem ungeheueren Ungeziefer verwandelt. Er lag auf seinem
panzerartig harten Rücken und sah, wenn er den Kopf ein wenig hob, seinen
gewölbten, braunen, von bogenförmigen Versteifungen geteilten Bauch, auf
dessen Höhe sich die Bettdecke, zum gänzlichen Niedergleiten bereit, kaum noch
erhalten konnte. Seine vielen, im Vergleich zu seinem sonstigen Umfang
kläglich dünnen Beine flimmerten ihm hilflos vor den Augen.

»Was ist mit mir geschehen?« dachte er. Es war kein Traum, sein Zimmer, ein
richtiges, nur etwas zu kleines Menschenzimmer, lag ruhig zwischen den vier
wohlbekannten Wänden, über dem Tisch, auf dem eine auseinandergepackte
Musterkollektion von Tuchwaren ausgebreitet war - Samsa war Reisender -, hing
das Bild, das er vor kurzem aus einer illustrierten Zeitschrift ausgeschnitten
und in einem hübschen, vergoldeten Rahmen untergebracht hatte. Es stellte eine
Dame dar, die, mit einem Pelzhut und einer Pelzboa versehen, aufrecht dasaß
und einen schweren Pelzmuff, in dem ihr ganzer Unterarm verschwunden war, dem
Beschauer entgegenhob.
"""
KAFKA_SENTENCES = 6  # three in each paragraph


def _srx(tmp_path):
    from align.segment import Segmentation

    from .test_srx import SRX

    path = tmp_path / "rules.srx"
    path.write_text(SRX.format(cascade="yes"), "utf-8")
    return Segmentation.make("sentence", path)


def test_german_hard_wrapped_lines_are_joined_before_capitalised_nouns(tmp_path):
    for seg in (None, _srx(tmp_path)):
        sentences = [s.text for s in (segment(KAFKA, "de", seg=seg) if seg else segment(KAFKA, "de"))[1]]
        assert len(sentences) == KAFKA_SENTENCES, sentences
        assert all(s[-1] in ".?!" for s in sentences), sentences  # no sentence cut at a line break
        assert "eine auseinandergepackte Musterkollektion von Tuchwaren" in sentences[4]
        assert sentences[5].startswith("Es stellte eine Dame dar") and sentences[5].endswith("dem Beschauer entgegenhob.")


def test_short_lines_before_a_capital_stay_apart_in_wrapped_text():
    # a heading over a hard-wrapped paragraph did not reach the margin: it is not a wrap
    text = "Die Verwandlung\nFranz Kafka\n" + KAFKA
    sentences = [s.text for s in segment(text, "de")[1]]
    assert sentences[:2] == ["Die Verwandlung", "Franz Kafka"] and len(sentences) == KAFKA_SENTENCES + 2


def test_markdown_bullets_are_segments_of_their_own(tmp_path):
    # this project's own README (MIT): a list whose items wrap onto indented lines
    readme = (ROOT / "README.md").read_text("utf-8")
    part = readme[readme.index("- `001_"):readme.index("The second line runs")]
    items = [line for line in part.splitlines() if line.startswith("- ")]
    assert len(items) == 5
    for seg in (None, _srx(tmp_path)):
        sentences = [s.text for s in (segment(part, "en", seg=seg) if seg else segment(part, "en"))[1]]
        starts = [s for s in sentences if s.startswith("- ")]
        assert len(starts) == len(items) and len(sentences) == len(items), sentences  # one segment per item
        assert sentences[1].endswith("and a `.review.json` to open with `align review` and correct in the browser;")
    # German items that start with capitals, one wrapped onto an indented line, in a hard-wrapped text
    text = KAFKA + "\nVorteile:\n* Einfache Installation ohne Administratorrechte und ohne\n  Neustart\n* Automatische Aktualisierung\n"
    sentences = [s.text for s in segment(text, "de")[1]]
    assert sentences[-3:] == ["Vorteile:", "* Einfache Installation ohne Administratorrechte und ohne Neustart",
                              "* Automatische Aktualisierung"]


def test_initials_before_a_name_do_not_end_a_sentence():
    # a real citation (Adorno's Gesammelte Schriften), and Finnish Wikipedia's article "Philip Suuronen"
    # (CC BY-SA 4.0) with his first name as the initial "Ph." that issue 21's document used
    cite = ("Th. W. Adorno, Negative Dialektik (1966), Zweiter Teil; Gesammelte Schriften, Bd. 6, "
            "Frankfurt a. M.: Suhrkamp, 1973, S. 158. Fraglos hat Hegel, gegen Kant, die Priorität der "
            "Synthesis eingeschränkt.")
    sentences = [s.text for s in segment(cite, "de")[1]]
    assert sentences[0].startswith("Th. W. Adorno, Negative Dialektik") and sentences[-1].startswith("Fraglos")
    fi = ("Papeilta Ph. Suuronen sai hieman alkeisopetusta ja nämä järjestivät hänet Jyväskylän lyseoon. "
          "Ylioppilaaksi Ph. Suuronen kirjoitti 1886 ollessaan 22-vuotias.")
    assert [s.text for s in segment(fi, "fi")[1]] == [
        "Papeilta Ph. Suuronen sai hieman alkeisopetusta ja nämä järjestivät hänet Jyväskylän lyseoon.",
        "Ylioppilaaksi Ph. Suuronen kirjoitti 1886 ollessaan 22-vuotias."]
    assert len(segment("The letter was signed by Ch. Baudelaire. It was short.", "en")[1]) == 2
    # a word of one or two letters with a vowel still ends a sentence
    assert len(segment("They live in Oz. Then they left.", "en")[1]) == 2


def test_language_codes_in_any_case_find_the_same_splitter():
    text = "Dr. Smith kam um 9 Uhr. Er ging um 10 Uhr."
    assert [s.text for s in segment(text, "DE")[1]] == [s.text for s in segment(text, "de")[1]]


def _char_count_spans(view: str, offset: int, parts: list[str]) -> list[tuple[int, int]]:
    """The mapping of split parts back to the line by counting non-space characters (what _map_back promises)."""
    spans, pos = [], 0
    for part in parts:
        needed = sum(not ch.isspace() for ch in part)
        if not needed:
            continue
        while pos < len(view) and view[pos].isspace():
            pos += 1
        start, seen = pos, 0
        while pos < len(view) and seen < needed:
            seen += not view[pos].isspace()
            pos += 1
        spans.append((offset + start, offset + pos))
    return spans


def test_the_moses_splitter_shortcuts_give_its_own_sentences_and_spans(monkeypatch):
    """Lines that cannot end a sentence skip the splitter, words that cannot end one skip its search: same result."""
    import regex
    import sentence_splitter
    from sentence_splitter import SentenceSplitter

    from align import segment as seg

    text = (ROOT / "eval" / "data" / "long" / "handbook.en.txt").read_text("utf-8")[:60000]
    lines = [" ".join(line.split(" ")) for line in text.split("\n") if line.strip()]
    lines += ["  two  spaces\tand a tab  ", "Version 2.0 (see above) Next", "No end here", "A. B. Smith said so!",
              "It ends in its last word (really.)", "Is it?\tNext one", "Over.  ", "See /etc/apt/sources.list",
              "It stops. ) Then", "Wait... What?!  Yes."]
    seg.splitter_for("en")  # installs the compiled-pattern module
    ours = [seg.splitter_for("en")(line) for line in lines]
    monkeypatch.setattr(sentence_splitter, "regex", regex)  # the splitter as it comes, nothing skipped
    plain = SentenceSplitter(language="en").split
    assert ours == [plain(line) for line in lines]
    for line, parts in zip(lines, ours):
        assert seg._map_back(line, 7, parts) == _char_count_spans(line, 7, parts)
    assert seg._map_back("a  b. C d", 0, ["a b.", "C d"]) == [(0, 5), (6, 9)]  # spaces collapsed by the splitter

    called = []
    assert seg._moses_split(lambda t: called.append(t) or [t], "  no sentence  end here ") == ["no sentence end here"]
    assert not called  # a line without . ? ! never reaches the splitter's passes
    assert seg._moses_split(lambda t: called.append(t) or [t], "It ends  here (see sources.list).") \
        == ["It ends here (see sources.list)."] and not called  # ... nor one with them only in its last word
    assert seg._moses_split(lambda t: called.append(t) or [t], "One. Two") == ["One. Two"] and called == ["One. Two"]


def test_the_splitters_word_search_is_skipped_for_words_without_a_full_stop():
    import regex

    from align.segment import _CompiledPatterns

    compiled = []

    class Counting(_CompiledPatterns):
        def _get(self, pattern, flags):
            compiled.append(pattern)
            return super()._get(pattern, flags)

    word_end = r'([\w\.\-]*)([\'\"\)\]\%\p{Final_Punctuation}]*)(\.+)$'
    module = Counting(regex)
    words = "The apt-get tool (see Section 6.2.) installs packages. Dr. Smith’s e.g. 3.5 mm.".split()
    for w in words:
        found, expected = module.search(word_end, w, flags=regex.UNICODE), regex.search(word_end, w, regex.UNICODE)
        assert (found and found.groups()) == (expected and expected.groups())
    assert len(compiled) == sum(w.endswith(".") for w in words) == 4
    assert module.search(r"^(\.+)$|x", "x") is not None  # an alternative: never skipped

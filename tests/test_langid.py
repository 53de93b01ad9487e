from align import langid
from align.pipeline import load

from .conftest import BG_EN, EN, ROOT, SV


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


def test_pieces_cut_lines_at_sentence_ends_but_not_after_initials_or_ordinals():
    # Text+Berg (eval/data/textberg/de/002 and fr/001): Moses keeps these together, so must the pieces
    text = ("Erinnern sich diejenigen , die uns damals geholfen haben , noch an den 12. August 1973 ? "
            "Es erhebt sich die Frage , ob wir direkt das Tal von St. Niklaus erreichen wollen .\n"
            "La voie classique , tracée en 1938 par M. Lüthy , jouit d' une réputation particulière .")
    assert langid.pieces(text) == [
        "Erinnern sich diejenigen , die uns damals geholfen haben , noch an den 12. August 1973 ?",
        "Es erhebt sich die Frage , ob wir direkt das Tal von St. Niklaus erreichen wollen .",
        "La voie classique , tracée en 1938 par M. Lüthy , jouit d' une réputation particulière ."]


def test_combined_evidence_multiplies_pieces_and_ignores_pieces_without_letters():
    conf = langid.combine([{"de": 0.9, "nl": 0.1}, {"de": 0.6, "fr": 0.4}, {}])
    # de: 0.9 * 0.6; nl: 0.1 * floor; fr: floor * 0.4 (a language a piece does not list counts at 1e-4)
    assert max(conf, key=conf.get) == "de" and abs(conf["de"] - 0.54 / (0.54 + 1e-5 + 4e-5)) < 1e-9
    # a header line and a date line: the date carries no evidence, the paragraph is the header's
    assert langid.paragraph_confidences("Pressmeddelande 99/2017\n24.5.2017") == \
        langid.confidences("Pressmeddelande 99/2017")


def test_a_foreign_sentence_inside_a_paragraph_is_still_found():
    # paragraph evidence is only a prior: every sentence is still judged on its own text
    from align.pipeline import documents_from_text

    sv = SV.read_text(encoding="utf-8").split("\n\n")
    en = "The conference is organised in collaboration with the CBSS Task Force Against Trafficking in Human Beings."
    text = "\n\n".join(sv[:4] + [sv[4].strip() + " " + en] + sv[5:])
    (doc,) = documents_from_text(text, "mixed.txt")
    assert doc.lang == "sv"
    assert {s.text: s.lang for s in doc.sentences if s.lang} == {en: "en", "Muualla verkossa": "fi"}


def test_reading_scores_each_piece_once():
    # the per-sentence check finds the paragraph pieces' scores in the cache: lingua runs about
    # once per sentence, not once per paragraph and again per sentence (the cost of a cold read)
    # (scoring whole paragraphs as well would make it 1.33 calls a sentence here)
    from align.pipeline import documents_from_text

    from .conftest import textberg_sentences

    lines = textberg_sentences("de", "003")
    text = "\n\n".join(" ".join(lines[k:k + 3]) for k in range(0, len(lines), 3))  # prose: 3 sentences a line
    langid._scored.cache_clear()
    (doc,) = documents_from_text(text, "003.txt")
    calls = langid._scored.cache_info().misses
    assert doc.lang == "de" and len(doc.sentences) > 80
    assert calls <= 1.1 * len(doc.sentences), (calls, len(doc.sentences))


def test_a_given_language_that_the_text_does_not_read_as_is_named():
    """Danmarks Riges Grundlov §§ 1-4 (Danish statute, no copyright) read as da; a Kubernetes page in
    Ukrainian full of commands (CC BY 4.0, eval/data/realworld) is not questioned for its code."""
    from .test_languages import GRUNDLOV

    assert langid.disagreement(GRUNDLOV, "de") == "da"
    assert langid.disagreement(GRUNDLOV, "da") is None
    assert langid.disagreement(GRUNDLOV, "nb") is None  # a confusable neighbour: the user may know better
    assert langid.disagreement(GRUNDLOV, "eu") == "da"  # a language lingua knows outside the default set
    assert langid.disagreement(GRUNDLOV, "chr") is None  # one it does not know: no evidence either way
    assert langid.disagreement("Kort tekst.", "de") is None  # too short to be evidence
    uk = (ROOT / "eval" / "data" / "realworld" / "k8s-field-selectors-en-uk" / "uk.md").read_text("utf-8")
    assert langid.disagreement(uk, "uk") is None and langid.disagreement(uk, "ru") is None
    assert langid.disagreement(SV.read_text("utf-8"), "sv") is None
    assert langid.disagreement(EN.read_text("utf-8"), "fr") == "en"


def test_an_indonesian_page_reads_as_indonesian_with_no_foreign_lines():
    # a real Kubernetes page (eval/data/realworld, CC BY 4.0): without Indonesian among the languages it read as
    # Estonian, and four of its lines as Lithuanian or Romanian
    (doc,) = load(ROOT / "eval" / "data" / "realworld" / "k8s-annotations-en-id" / "id.md")
    assert doc.lang == "id"
    from align.markup import prose

    sentences = [s for s in doc.sentences if len(prose(s.text).split()) >= 5]  # prose, not front matter or code
    assert len(sentences) > 15 and not [s.text for s in sentences if s.lang]


def test_a_ukrainian_docs_page_with_code_and_anchors_reads_as_ukrainian():
    # lingua keeps only the languages of the script with the most words: the anchor of
    # "### Поля власних ресурсів {#custom-resources-fields}" made the heading, and the page, English
    from align.markup import prose

    path = ROOT / "eval" / "data" / "realworld" / "k8s-field-selectors-en-uk" / "uk.md"
    doc = load(path, split=False)[0]
    assert doc.lang == "uk"
    given = load(path, "uk")[0]
    for d in (doc, given):
        foreign = [s for s in d.sentences if s.lang]
        assert foreign  # the shell commands and the server's English error are still other-language lines
        assert not any(langid._OTHER_SCRIPT.search(prose(s.text)) for s in foreign)
        heading = next(s for s in d.sentences if s.text.startswith("### Поля власних ресурсів"))
        assert heading.lang is None
    assert langid.detect("## Кілька типів ресурсів {#multiple-resource-types}")[0] == "uk"


def test_markup_whose_only_words_are_in_another_script_is_not_a_foreign_line():
    # a Hugo figure whose only prose is its Japanese alt text and caption read as Catalan (its Latin
    # attribute names outvoted the Japanese), so the page's figure could not face the English image line
    path = ROOT / "eval" / "data" / "realworld" / "k8s-components-en-ja" / "ja.md"
    for doc in (load(path)[0], load(path, "ja")[0]):
        figure = next(s for s in doc.sentences if s.text.startswith("{{< figure"))
        assert figure.lang is None
    heading = "## 升级FastAPI版本 { #upgrading-the-fastapi-versions }"
    assert langid.other_language(heading, "zh") is None

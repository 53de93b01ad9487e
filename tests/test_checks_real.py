"""The false alarms of issue 19, on real text: each one gone, and a true divergence of the same kind still reported.

Lines marked "FastAPI" come from the FastAPI documentation (github.com/fastapi/fastapi, docs/en and docs/ru,
MIT licence); those marked "Kubernetes" from the Kubernetes website (github.com/kubernetes/website,
CC BY 4.0), as stored in eval/data/realworld/. The time and date pairs are the ones issue 19 quotes from
subtitles (de-en) and legal text (en-el).
"""

import json

import pytest

from align.checks import by_certainty, check_alignment, selection
from align.documents import Alignment, Link
from align.errors import InputError

from .conftest import make_doc


def _doc(lang, texts, langs=None):
    return make_doc(lang, texts, langs, name=f"{lang}.md")  # the excerpts come from Markdown pages


def _pairs(src_lang, tgt_lang, rows, scores=None, tgt_langs=None):
    src = _doc(src_lang, [a for a, _ in rows])
    tgt = _doc(tgt_lang, [b for _, b in rows], tgt_langs)
    links = [Link((i,), (i,), (scores or {}).get(i, 0.9)) for i in range(len(rows))]
    return check_alignment(Alignment(src, tgt, links))


def _found(divs, kind):
    return [d.src for d in divs if d.kind == kind]


# -- values ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("src_lang, tgt_lang, a, b", [
    ("de", "en", "Wir treffen uns um halb sieben.", "We'll meet at 6:30."),
    ("de", "en", "Der Zug fährt um Viertel nach 7.", "The train leaves at 7:15."),
    ("de", "en", "Die Sitzung beginnt um 15 Uhr.", "The meeting starts at 3 pm."),
    ("de", "fr", "Beginn um 20.30 Uhr im Saal.", "A 20 h. 30 dans la salle."),
    ("el", "en", "Η σύμβαση υπογράφηκε στις 20η Δεκεμβρίου 1996.", "The agreement was signed on December 20, 1996."),
    ("fr", "en", "La révolution de novembre 1956 fut écrasée.", "The revolution of 1956 was crushed."),
    ("de", "en", "Komm um 11 zu mir.", "Come to my place at 11:00."),
])
def test_equal_times_and_dates_written_otherwise_are_no_mismatch(src_lang, tgt_lang, a, b):
    assert not _found(_pairs(src_lang, tgt_lang, [(a, b)]), "number-mismatch")


@pytest.mark.parametrize("src_lang, tgt_lang, a, b", [
    ("de", "en", "Wir treffen uns um halb sieben.", "We'll meet at 8:30."),
    ("de", "en", "Die Sitzung beginnt um 15 Uhr.", "The meeting starts at 4 pm."),
    ("el", "en", "Η σύμβαση υπογράφηκε στις 20η Δεκεμβρίου 1996.", "The agreement was signed on December 21, 1996."),
    ("fr", "en", "La révolution de novembre 1956 fut écrasée.", "The revolution of 1957 was crushed."),
])
def test_different_times_and_dates_are_still_reported(src_lang, tgt_lang, a, b):
    assert _found(_pairs(src_lang, tgt_lang, [(a, b)]), "number-mismatch") == [(0,)]


def test_changed_value_is_an_error_a_dropped_one_a_warning():
    # FastAPI, docs/en and docs/ja of "About FastAPI versions": the Japanese page still shows an old version
    divs = _pairs("en", "ja", [("For example, let's say you are using version `0.112.0` in your app.",
                                "例えば、バージョン `0.45.0` を使っているとしましょう。"),
                               ("It costs 12 euros.", "Es kostet Euro.")])
    sev = {d.src: d.severity for d in divs if d.kind == "number-mismatch"}
    assert sev == {(0,): "error", (1,): "warning"}
    assert "0.112.0" in next(d.message for d in divs if d.src == (0,))


def test_digits_in_file_names_are_no_numbers():
    # FastAPI: the Russian page includes the example file under its older name
    divs = _pairs("en", "ru", [("{* ../../docs_src/background_tasks/tutorial001_py310.py hl[1,13] *}",
                                "{* ../../docs_src/background_tasks/tutorial001.py hl[1,13] *}"),
                               ("{* ../../docs_src/background_tasks/tutorial001_py310.py hl[6:9] *}",
                                "{* ../../docs_src/background_tasks/tutorial001.py hl[6:10] *}")])
    assert _found(divs, "number-mismatch") == [(1,)]  # the highlighted lines differ: that is a value


# -- language id ---------------------------------------------------------------------------------------

def test_translated_headings_with_anchors_are_not_still_in_english():
    # FastAPI headings, which language id tags as English for their code and anchors
    rows = [("# Background Tasks { #background-tasks }", "# Фоновые задачи { #background-tasks }"),
            ("## Using `BackgroundTasks` { #using-backgroundtasks }",
             "## Использование `BackgroundTasks` { #using-backgroundtasks }"),
            ("The class `BackgroundTasks` comes directly from "
             "<a href=\"https://www.starlette.dev/background/\">`starlette.background`</a>.",
             "Класс `BackgroundTasks` приходит напрямую из "
             "<a href=\"https://www.starlette.dev/background/\">`starlette.background`</a>."),
            ("It can be an `async def` or normal `def` function, **FastAPI** will know how to handle it correctly.",
             "It can be an `async def` or normal `def` function, **FastAPI** will know how to handle it correctly.")]
    divs = _pairs("en", "ru", rows, tgt_langs={0: "en", 1: "en", 2: "en", 3: "en"})
    assert _found(divs, "untranslated") == [(3,)]  # only the sentence left in English


def test_code_lines_are_not_in_another_language_but_a_foreign_sentence_is():
    # Kubernetes: a YAML block, tagged German by language id; and a German sentence inside a French page
    src = _doc("en", ["Annotations are key/value pairs.", "The Pod runs one container."])
    tgt = _doc("fr", ["```yaml\nannotations: {\n  imageregistry: valeur\n}\n```", "Les annotations sont des paires clé/valeur.",
                      "Kubernetes bietet keine Dienste auf Anwendungsebene als eingebaute Dienste an."],
               {0: "de", 2: "de"})
    links = [Link((), (0,), 0.0), Link((0,), (1,), 0.9), Link((1,), (2,), 0.1)]
    divs = check_alignment(Alignment(src, tgt, links))
    assert [d.tgt for d in divs if d.kind == "other-language"] == [(2,)]


# -- names ------------------------------------------------------------------------------------------

def test_capitals_that_are_no_names():
    rows = [("## Caveat { #caveat }", "## Предостережение { #caveat }"),  # FastAPI: a heading's first word
            ("That would mean that your code would have to include all the code provided by Starlette.",
             "Это означало бы, что Ваш код должен включать весь код, предоставляемый Starlette."),  # FastAPI
            ("If you are comparing Uvicorn, compare it against Daphne, Hypercorn, uWSGI, etc.",
             "Wenn Sie Uvicorn vergleichen, vergleichen Sie es mit Daphne, Hypercorn, uWSGI, usw."),  # FastAPI
            ("Well, I'm not sure the engine gives 190 kW.", "Nun, der Motor leistet wohl keine 190 kW."),
            ("Вы можете вернуть ваш ответ сразу.", "You can return your response right away.")]
    src = _doc("ru", [b for _, b in rows[:2]] + [rows[4][0]])
    tgt = _doc("en", [a for a, _ in rows[:2]] + [rows[4][1]])
    divs = check_alignment(Alignment(src, tgt, [Link((i,), (i,), 0.9) for i in range(3)]))
    assert not _found(divs, "name-mismatch")
    divs = _pairs("en", "de", rows[2:4])
    assert not _found(divs, "name-mismatch")


def test_a_name_left_out_is_still_reported():
    # FastAPI "Benchmarks", with Hypercorn dropped from the German sentence (the page names it elsewhere)
    rows = [("If you are comparing Uvicorn, compare it against Daphne, Hypercorn, uWSGI, etc.",
             "Wenn Sie Uvicorn vergleichen, vergleichen Sie es mit Daphne, uWSGI, usw."),
            ("Hypercorn is an ASGI server.", "Hypercorn ist ein ASGI-Server.")]
    divs = _pairs("en", "de", rows)
    assert _found(divs, "name-mismatch") == [(0,)]


# -- similarity -------------------------------------------------------------------------------------

def test_identical_and_short_lines_are_not_low_similarity_warnings():
    img = '<img src="/img/tutorial/background-tasks/image01.png">'
    rows = [(img, img),  # the aligner scores a line it cannot read 0.00
            ("Yes.", "Ja."),  # a correct subtitle line too short for the encoder
            ("The response is sent before the task runs in the background of the server process.",
             "Die Hütte liegt auf zweitausend Metern über dem Meer, mitten in den Bergen.")]
    divs = _pairs("en", "de", rows, scores={0: 0.0, 1: 0.1, 2: 0.05})
    low = {d.src: d.severity for d in divs if d.kind == "low-similarity"}
    assert low == {(1,): "note", (2,): "warning"}
    assert all("confidence" not in d.message for d in divs)
    from align.export.report import render_html
    from align.pipeline import PairResult

    src, tgt = _doc("en", [img]), _doc("de", [img])
    html = render_html([PairResult(Alignment(src, tgt, [Link((0,), (0,), 0.0)]), [])])
    assert "same text" in html and "0.00" not in html  # the report does not show the identical line as scored 0


def test_a_confident_pair_only_long_is_no_contradiction():
    base = [("Wir gehen früh los.", "Nous partons tôt."), ("Die Hütte ist voll.", "La cabane est pleine."),
            ("Oben weht ein kalter Wind.", "En haut souffle un vent froid."), ("Es ist kalt.", "Il fait froid."),
            ("Der Weg ist steil.", "Le chemin est raide."),
            ("This includes, for example:", "Например:")]  # FastAPI: confident, short, off the usual ratio
    divs = _pairs("de", "fr", base, scores={5: 0.97})
    for d in divs:
        assert "look different" not in d.message and d.severity == "note"


# -- duplicates, severity, order ----------------------------------------------------------------------

def test_duplicate_names_the_line_of_the_other_copy():
    src = _doc("sv", ["Rubrik här.", "Text om mötet.", "Rubrik här."])
    tgt = _doc("en", ["Heading here.", "Text about the meeting."])
    links = [Link((0,), (0,), 0.9), Link((1,), (1,), 0.9), Link((2,), (), 0)]
    (d,) = check_alignment(Alignment(src, tgt, links))
    assert d.kind == "duplicate" and "(the other copy is on line 1)" in d.message


# FastAPI, docs/en and docs/ru of "Background Tasks": the Russian page lacks the section on exceptions
EN_BG = ["You can define background tasks to be run after returning a response.",
         "This is useful for operations that need to happen after a request.",
         "Create a function to be run as the background task.",
         "It is just a standard function that can receive parameters.",
         "In this case, the task function will write to a file.",
         "Background tasks run after the response is sent.",
         "If an exception occurs in a background task, it won't affect the response, which already succeeded.",
         "This is expected behavior, but it is easy to overlook when building production systems.",
         "```", "Import and use BackgroundTasks with parameters in path operation functions."]
RU_BG = ["Вы можете создавать фоновые задачи, которые будут выполняться после возврата ответа.",
         "Это полезно для операций, которые должны произойти после HTTP-запроса.",
         "Создайте функцию, которую нужно запустить как фоновую задачу.",
         "Это обычная функция, которая может принимать параметры.",
         "В этом случае функция задачи будет записывать данные в файл.",
         "Фоновые задачи выполняются после отправки ответа.",
         "Импортируйте и используйте BackgroundTasks с параметрами в функциях-обработчиках пути."]


MISSING = selection(None, "missing")


def test_missing_blocks_by_how_sure_they_are():
    src, tgt = _doc("en", EN_BG), _doc("ru", RU_BG)
    pairs = [Link((i,), (i,), 0.9) for i in range(6)]
    one_sided = pairs + [Link((6,), (), 0.0), Link((7,), (), 0.0), Link((8,), (), 0.0), Link((9,), (6,), 0.9)]
    divs = check_alignment(Alignment(src, tgt, one_sided), select=MISSING)
    assert [(d.kind, d.severity, d.src) for d in divs] == [("missing-in-target", "error", (6, 7, 8))]
    # the same two sentences merged into the link before them: the link's lengths show they are extra
    merged = pairs[:5] + [Link((5, 6, 7), (5,), 0.9, (6, 7)), Link((8,), (), 0.0), Link((9,), (6,), 0.9)]
    divs = check_alignment(Alignment(src, tgt, merged), select=MISSING)
    assert [(d.kind, d.severity, d.src) for d in divs] == [("missing-in-target", "warning", (6, 7, 8))]
    assert "translates only" in divs[0].message and "reads as well" not in divs[0].message
    # a lone code fence is no missing text to speak of
    fence = pairs[:5] + [Link((5, 6, 7), (5,), 0.9), Link((8,), (), 0.0), Link((9,), (6,), 0.9)]
    assert [d.severity for d in check_alignment(Alignment(src, tgt, fence), select=MISSING)] == ["note"]


def test_a_sentence_the_other_side_carries_is_not_missing():
    # Kubernetes "Annotations", en and ru: the Russian joins two English sentences in one; and a line cut by a line
    # break ("See") that the link carries on
    src = _doc("en", EN_BG[:5] + ["The prefix is optional.",
                                  "If specified, the prefix must be a DNS subdomain: a series of DNS labels separated "
                                  "by dots, not longer than 253 characters in total, followed by a slash."])
    tgt = _doc("ru", RU_BG[:5] + ["Префикс не обязателен, но он быть поддоменом DNS: набор меток DNS, разделенных "
                                  "точками, общей длиной не более 253 символов, за которыми следует слеш."])
    links = [Link((i,), (i,), 0.9) for i in range(5)] + [Link((5, 6), (5,), 0.9, (5,))]
    divs = check_alignment(Alignment(src, tgt, links))
    assert [d.severity for d in divs if d.kind == "missing-in-target"] == ["note"]
    cut = _doc("en", EN_BG[:5] + ["See", "[Building High-Availability Clusters](/docs/admin/high-availability/) for an "
                                         "example setup."])
    cut.sentences[6].paragraph = cut.sentences[5].paragraph  # one paragraph, cut at its line break
    tgt = _doc("ja", RU_BG[:5] + ["[高可用性クラスターの構築](/ja/docs/setup/high-availability/) を参照してください。"])
    divs = check_alignment(Alignment(cut, tgt, links))
    assert not [d for d in divs if d.kind == "missing-in-target"]


def test_surest_first_and_selection():
    divs = _pairs("sv", "en", [("Mötet hålls den 24.5.2017.", "The meeting is on 25 May 2017."),
                               ("Första meningen här.", "Second sentence here.")], scores={1: 0.05})
    assert [d.severity for d in by_certainty(divs)] == ["error", "note"]
    assert selection("warning").keeps(divs[0]) and not selection("warning").keeps(divs[1])
    assert not selection(None, None, "values").keeps(divs[0])
    with pytest.raises(InputError, match="unknown check 'numbers'"):
        selection(None, "numbers")
    with pytest.raises(InputError, match="--min-severity"):
        selection("critical")


def test_cli_records_the_selection_and_refuses_unknown_checks(tmp_path, run_cli):
    sv, en = tmp_path / "sv.txt", tmp_path / "en.txt"
    sv.write_text("Mötet hålls den 24.5.2017 i Helsingfors.\n\nAndra meningen handlar om vädret i dag.\n", "utf-8")
    en.write_text("The meeting is on 25 May 2017 in Helsinki.\n\nThe second sentence is about the weather today.\n",
                  "utf-8")
    bad = run_cli("check", sv, en, "-o", tmp_path / "r.json", "--checks", "values,bogus")
    assert bad.returncode == 1 and "unknown check 'bogus'" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.json").exists()
    ok = run_cli("check", sv, en, "-o", tmp_path / "r.json", "--min-severity", "error", "--skip-checks", "reordering")
    assert ok.returncode == 0, ok.stderr
    data = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert data["checks"]["min_severity"] == "error" and data["checks"]["skipped"] == ["reordering"]
    assert [d["kind"] for d in data["divergences"]] == ["number-mismatch"]
    ok = run_cli("pair", sv, en, "-o", tmp_path / "p.tsv", "--report", tmp_path / "r.html", "--checks", "values")
    assert ok.returncode == 0, ok.stderr
    html = (tmp_path / "r.html").read_text("utf-8")
    assert "from the checks number-mismatch, phone-mismatch, email-mismatch, url-mismatch" in html


def test_a_document_read_in_the_wrong_language_gets_one_note():
    # Kubernetes "Field selectors": the Ukrainian page read as English, so its lines all look foreign
    uk = ["Селектори полів дозволяють вам вибирати обʼєкти Kubernetes на основі значень полів.",
          "Ось кілька прикладів запитань для селекторів полів.",
          "Селектори полів, по суті, є фільтрами ресурсів.",
          "Типово селектори не застосовуються, а це означає, що вибрані всі ресурси вказаного типу.",
          "Підтримувані селектори полів варіюються залежно від типу ресурсу Kubernetes.",
          "Використання селекторів до полів, що їх не підтримують, призводить до помилки."]
    src = _doc("en", ["Field selectors let you select Kubernetes objects based on the value of fields.",
                      "Here are some examples of field selector queries."])
    tgt = _doc("en", uk, {i: "uk" for i in range(len(uk))})
    links = [Link((0,), (0,), 0.1), Link((1,), (1,), 0.1)] + [Link((), (j,), 0.0) for j in range(2, len(uk))]
    divs = check_alignment(Alignment(src, tgt, links))
    other = [d for d in divs if d.kind == "other-language"]
    assert [(d.severity, d.details["language"]) for d in other] == [("note", "uk")]
    assert "--tgt-lang" in other[0].message
    assert {d.severity for d in divs} == {"note"}


def test_a_name_the_translation_adds_is_a_note_one_it_drops_a_warning():
    # FastAPI "Benchmarks", en and fr: the French names FastAPI where the English says "it"
    rows = [("And by using it, you get automatic documentation for free.",
             "En utilisant FastAPI, on obtient une documentation automatiquement."),
            ("FastAPI is built on Starlette.", "FastAPI est construit sur Starlette."),
            ("FastAPI uses Pydantic for the data.", "FastAPI utilise Pydantic pour les données."),
            ("Compare FastAPI against Flask-apispec or NestJS.", "Comparez avec Flask-apispec ou NestJS.")]
    divs = _pairs("en", "fr", rows)
    names = {d.src: d.severity for d in divs if d.kind == "name-mismatch"}
    assert names == {(0,): "note", (3,): "warning"}  # FastAPI, kept verbatim in the other pairs, dropped here

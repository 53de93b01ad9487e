"""What language id costs: labels kept when it is made cheaper (grouped second opinions, bounded models,
the disk cache of lingua's answers, the linear Viterbi pass), and what the optional share of first opinions
changes."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

from align import langid

from .conftest import EN, ROOT, SV

# a Swedish page with a Finnish and an English line, and code lines that read as other languages
MIXED = [
    "Regeringen har i dag beslutat om nya regler för bostadsbidrag till barnfamiljer.",
    "Hallitus päätti tänään uusista säännöistä lapsiperheiden asumistuesta.",
    "The government decided today on new rules for housing allowances.",
    "apt-get install --no-install-recommends dblatex",
    "→ https://www.debian.org/doc/debian-policy/ch-controlfields.html",
    "Beslutet träder i kraft den 1 juli och gäller för alla kommuner.",
]


def _viterbi_reference(confs: list[dict[str, float]]) -> list[str | None]:
    """The quadratic pass label_paragraphs used to make (first index on ties), to compare with."""
    cands = sorted({c for conf in confs for c, v in conf.items() if v >= 0.05})
    if not cands:
        return [None] * len(confs)
    n, k = len(confs), len(cands)
    score = [[0.0] * k for _ in range(n)]
    back = [[0] * k for _ in range(n)]
    for i, conf in enumerate(confs):
        emit = [math.log(max(conf.get(c, 0.0), langid._FLOOR)) if conf else 0.0 for c in cands]
        for j in range(k):
            if i == 0:
                score[i][j] = emit[j]
                continue
            best = max(range(k), key=lambda p: score[i - 1][p] - (langid.SWITCH_COST if p != j else 0.0))
            back[i][j] = best
            score[i][j] = score[i - 1][best] - (langid.SWITCH_COST if best != j else 0.0) + emit[j]
    j = max(range(k), key=lambda q: score[n - 1][q])
    path = [0] * n
    for i in range(n - 1, -1, -1):
        path[i] = j
        j = back[i][j]
    return [cands[j] for j in path]


def test_linear_viterbi_gives_the_quadratic_labels(monkeypatch):
    import random

    rng = random.Random(7)
    langs = ["sv", "da", "nb", "en", "fi", "de"]
    for _ in range(200):
        n = rng.randint(1, 12)
        # coarse values so that ties between paths happen too
        confs = [{c: rng.choice([0.0, 0.05, 0.25, 0.5, 1.0]) for c in rng.sample(langs, rng.randint(0, 4))}
                 for _ in range(n)]
        texts = [str(i) for i in range(n)]
        monkeypatch.setattr(langid, "paragraph_confidences", lambda t, codes=None, first=None, c=confs: c[int(t)])
        assert langid.label_paragraphs(texts) == _viterbi_reference(confs)


def test_other_languages_answers_as_other_language_per_sentence(monkeypatch, tmp_path):
    one_by_one = [langid.other_language(t, "sv") for t in MIXED]
    assert langid.other_languages(MIXED, "sv") == one_by_one
    monkeypatch.setattr(langid, "SECOND_OPINIONS_LOADED", 1)  # models unloaded and loaded again: the same answers
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path))  # lingua itself answers, not the disk
    langid._scored.cache_clear()
    assert langid.other_languages(MIXED, "sv") == one_by_one
    assert langid.other_languages(list(reversed(MIXED)), "sv") == list(reversed(one_by_one))
    assert one_by_one[1] == "fi" and one_by_one[2] == "en" and one_by_one[0] is None


def test_at_most_a_few_second_opinion_languages_stay_loaded(monkeypatch):
    unloaded = []
    monkeypatch.setattr(langid, "_loaded", {})
    monkeypatch.setattr(langid, "SECOND_OPINIONS_LOADED", 3)
    real = langid._detector

    class Spy:
        def __init__(self, codes):
            self.codes = codes

        def unload_language_models(self):
            unloaded.append(self.codes)

    monkeypatch.setattr(langid, "_detector",
                        lambda codes, high=False: (Spy(codes), None) if langid._SPARE in codes else real(codes, high))
    for lang in ["fi", "de", "it", "pl", "lt", "cs"]:
        langid._keep_loaded(lang, "en")
    assert len(langid._loaded) == langid.SECOND_OPINIONS_LOADED + 1 and "en" in langid._loaded
    assert unloaded == [("fi", "la"), ("de", "la"), ("it", "la")]  # least recently used first, never the document's


def test_lingua_answers_come_back_from_disk_unchanged(tmp_path, monkeypatch):
    from align.pipeline import load_one

    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path))
    langid._scored.cache_clear()
    first = [(d.lang, [(s.text, s.lang) for s in d.sentences]) for d in (load_one(SV), load_one(EN))]
    assert (tmp_path / "langid.sqlite").exists()
    langid._scored.cache_clear()
    calls = []
    monkeypatch.setattr(langid, "_detector", lambda *a: calls.append(a) or (_ for _ in ()).throw(AssertionError))
    before = langid.Work(**vars(langid.WORK))
    again = [(d.lang, [(s.text, s.lang) for s in d.sentences]) for d in (load_one(SV), load_one(EN))]
    assert again == first and not calls  # every answer from the disk: lingua is not even built
    assert (langid.WORK.scored, langid.WORK.second_opinions, langid.WORK.loads) == \
        (before.scored, before.second_opinions, before.loads) and langid.WORK.from_disk > before.from_disk
    langid._scored.cache_clear()


def test_an_unusable_cache_folder_leaves_language_id_working(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(blocker / "cache"))
    langid._scored.cache_clear()
    assert langid.detect("Det här är en mening på svenska, skriven för att testa.")[0] == "sv"
    langid.save()
    langid._scored.cache_clear()


def test_code_lines_of_a_language_too_few_sentences_read_as_get_no_second_opinion(monkeypatch):
    texts = MIXED + ["Päätös tulee voimaan heinäkuun alussa ja koskee kaikkia kuntia.",
                     "Asumistukea haetaan Kansaneläkelaitokselta sähköisellä lomakkeella."]
    full = langid.other_languages(texts, "sv", min_share=0)
    # first opinions: fi three times, en twice (the English line and the apt-get line), pl once (the URL)
    assert full.count("fi") == 3 and full.count("en") == 1
    asked = []
    real = langid._confirmed
    monkeypatch.setattr(langid, "_confirmed", lambda t, d, b: asked.append(b) or real(t, d, b))
    few = langid.other_languages(texts, "sv", min_share=3 / len(texts))
    # the code lines of the rarer languages get no label; the English line of words, with no first pass
    # to read it among the document's languages, is still asked about English
    assert few == full and few[2] == "en" and few[3] is None and few[4] is None
    assert set(asked) == {"fi", "en"}  # the code lines' languages (en, pl) are never loaded for them
    assert asked.count("en") == 1
    monkeypatch.setattr(langid, "SECOND_OPINION_MIN_SHARE", 3 / len(texts))
    assert langid.other_languages(texts, "sv") == few


def test_longdoc_cold_cache_keeps_everything_but_language_id(tmp_path):
    """eval.longdoc's cold start, run in its own interpreter (the suite does not import eval/)."""
    real = tmp_path / "real"
    (real / "model").mkdir(parents=True)
    for name in ("embeddings.sqlite", "langid.sqlite", "langid.sqlite-journal"):
        (real / name).write_text(name)
    code = "import sys; from pathlib import Path; from eval.longdoc import _cold_cache; " \
           "print(_cold_cache(Path(sys.argv[1]), Path(sys.argv[2])))"
    proc = subprocess.run([sys.executable, "-c", code, str(real), str(tmp_path / "work")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    cold = Path(proc.stdout.strip())
    assert sorted(p.name for p in cold.iterdir()) == ["embeddings.sqlite", "model"]
    assert (cold / "embeddings.sqlite").read_text() == "embeddings.sqlite"


def _long_german_text() -> tuple[str, str, str]:
    """Three Text+Berg articles (de, ~25,000 characters) with an English and a Finnish line late in them."""
    from .conftest import textberg_sentences

    lines = [s for doc in ("001", "002", "003") for s in textberg_sentences("de", doc)]
    en = "The conference is organised in collaboration with the Task Force Against Trafficking in Human Beings."
    fi = "Hallitus päätti tänään uusista säännöistä lapsiperheiden asumistuesta."
    lines[-20:-20] = [en, fi]
    return "\n\n".join(" ".join(lines[k:k + 3]) for k in range(0, len(lines), 3)), en, fi


def test_a_long_document_is_mostly_scored_on_its_own_languages_with_the_same_labels(monkeypatch):
    from align.pipeline import documents_from_text

    text, en, fi = _long_german_text()
    langid.save()
    settled = langid.WORK.settled
    (narrowed,) = documents_from_text(text, "long.txt")
    settled = langid.WORK.settled - settled
    monkeypatch.setattr(langid, "SAMPLE_CHARS", len(text) + 1)  # every piece against every language
    (full,) = documents_from_text(text, "long.txt")
    # literary German repeats fewer of its words than a manual (the handbook settles most of its pieces),
    # but a sixth of these pieces are still settled on the document's language alone
    assert settled > len(narrowed.sentences) / 6
    assert narrowed.lang == full.lang == "de"
    assert [s.lang for s in narrowed.sentences] == [s.lang for s in full.sentences]
    assert narrowed.paragraph_langs == full.paragraph_langs
    assert {s.text: s.lang for s in narrowed.sentences if s.lang} == {en: "en", fi: "fi"}


def test_reads_as_is_other_language_naming_that_language():
    for text in MIXED:
        for lang in ("fi", "en", "pl", "sv"):
            assert langid.reads_as(text, "sv", lang) == (langid.other_language(text, "sv") == lang)


def test_the_first_pass_belongs_to_the_thread_that_read_the_document():
    # documents read at once in threads (a Dask worker with several threads) must not label their sentences
    # against another document's first pass
    import threading

    german, english = "Der Hund schläft im Garten, und die Katze sitzt auf dem Dach.", "The dog sleeps all day."
    langid.label_paragraphs([german])
    mine = langid._thread.reading
    other = threading.Thread(target=langid.label_paragraphs, args=([english],))
    other.start()
    other.join()
    assert langid._thread.reading is mine
    assert mine.holds([german], mine.codes) and not mine.holds([english], mine.codes)
    langid.save()
    assert langid._thread.reading is None


def test_the_cache_folder_is_worked_out_again_only_when_its_variables_change(tmp_path, monkeypatch):
    from align import encoders

    calls = []
    real = encoders.default_cache_dir
    monkeypatch.setattr(encoders, "default_cache_dir", lambda: calls.append(1) or real())
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path / "a"))
    langid._scored.cache_clear()
    for line in MIXED:  # six texts scored, each asking for the disk cache
        langid.confidences(line)
    assert len(calls) == 1 and (tmp_path / "a" / "langid.sqlite").exists()
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path / "b"))  # another folder: its own cache
    langid.confidences("Beslutet gäller från och med den första juli.")
    assert len(calls) == 2 and langid._store() is langid._stores[str(tmp_path / "b")]
    langid.save()
    langid._scored.cache_clear()


def _queries_of(store, monkeypatch) -> list[str]:
    """The queries the disk cache's connection is asked from now on (noted as they are made)."""
    queries: list[str] = []

    class Counting:  # the connection, noting each query
        def __init__(self, db):
            self.db = db

        def execute(self, sql, *args):
            queries.append(sql)
            return self.db.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.db, name)

    monkeypatch.setattr(store, "db", Counting(store.db))
    return queries


def test_a_documents_pieces_are_looked_up_on_disk_a_few_hundred_at_a_time(tmp_path, monkeypatch):
    from align.pipeline import load_one

    page = ROOT / "eval" / "data" / "realworld" / "k8s-field-selectors-en-uk" / "en.md"
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path))
    langid._scored.cache_clear()
    first = [(s.text, s.lang) for s in load_one(page).sentences]
    langid._scored.cache_clear()
    store = langid._store()
    queries = _queries_of(store, monkeypatch)
    from_disk = langid.WORK.from_disk
    again = [(s.text, s.lang) for s in load_one(page).sentences]
    single = sum(q.endswith("WHERE key = ?") for q in queries)
    assert again == first and langid.WORK.from_disk - from_disk > 40  # answers from the disk...
    answers = langid.WORK.from_disk - from_disk
    assert 4 * single < answers  # ... most of them asked for in one query (the rest: sentences that are no piece)
    langid._scored.cache_clear()


def test_the_checks_confirm_an_alignments_other_language_lines_once(monkeypatch):
    from align import checks
    from align.documents import Alignment
    from align.pipeline import load_one

    al = Alignment(load_one(EN), load_one(SV), [])
    labelled = sum(1 for d in (al.src, al.tgt) for s in d.sentences if s.lang)
    asked = []
    real = checks._in_language
    monkeypatch.setattr(checks, "_in_language", lambda *a, **k: asked.append(a[0]) or real(*a, **k))
    answers = []
    for _ in range(3):  # other_language, missing_blocks and low_similarity each ask
        doubt: dict[str, str] = {}
        answers.append((checks._confirmed_languages(al, doubt), doubt))
    assert labelled >= 2 and len(asked) == labelled  # the lines were read once, not three times
    assert answers[0] == answers[1] == answers[2]
    line = next(s for s in al.tgt.sentences if s.lang)
    monkeypatch.setattr(line, "lang", None)  # a label changed: worked out again, without that line
    again = checks._confirmed_languages(al)
    assert len(asked) == 2 * labelled - 1 and ("tgt", al.tgt.sentences.index(line)) not in again


def test_the_disk_cache_keeps_the_keys_and_values_it_had(tmp_path):
    # the key and the value text are made without json and the per-text join now: answers cached before still
    # count, and the ones written now read as they did
    import hashlib
    import json

    store = langid._Store(tmp_path)
    for text in MIXED:
        for codes, high in ((tuple(langid.DEFAULT_LANGUAGES), False), (("en", "sv"), True), (("sv",), False)):
            raw = f"{store.VERSION}\0{store.lingua}\0{int(high)}\0{','.join(codes)}\0{text}"
            key = store.key(text, codes, high)
            assert key == hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            value = tuple(langid.confidences(text, codes, high).items())
            store.put(key, value)
            assert store.new[key] == json.dumps(value)
            assert tuple(tuple(pair) for pair in json.loads(store.new[key])) == value


def test_the_checks_find_their_second_reading_of_labelled_lines_on_disk_at_once(tmp_path, monkeypatch):
    from align import checks
    from align.documents import Alignment
    from align.pipeline import load_one

    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path))
    langid._scored.cache_clear()
    first = checks._confirmed_languages(Alignment(load_one(EN), load_one(SV), []))
    langid.save()  # what the checks asked lingua, kept on disk
    langid._scored.cache_clear()
    al = Alignment(load_one(EN), load_one(SV), [])
    store = langid._store()
    queries = _queries_of(store, monkeypatch)
    scored, from_disk = langid.WORK.scored + langid.WORK.second_opinions, langid.WORK.from_disk
    assert checks._confirmed_languages(al) == first and first  # lines read on their words, from disk...
    assert langid.WORK.scored + langid.WORK.second_opinions == scored and langid.WORK.from_disk > from_disk
    assert queries and not [q for q in queries if q.endswith("WHERE key = ?")]  # ... none asked for alone
    langid._scored.cache_clear()

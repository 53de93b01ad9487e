import shutil

from align.corpus import discover, output_stem, pair_documents
from align.documents import Document
from align.pipeline import load

from .conftest import BG_EN, EN, EN_ONLY, ROOT, SV, TEXTBERG, make_doc, textberg_sentences


def test_pairing_is_by_content_not_by_name(tmp_path, encoder):
    # misleading names: the Swedish text is called like an English-only one and vice versa
    shutil.copy(SV, tmp_path / "report.en.txt")
    shutil.copy(EN, tmp_path / "zzz.txt")
    shutil.copy(EN_ONLY[1], tmp_path / "report.sv.txt")
    shutil.copy(BG_EN, tmp_path / "b.txt")
    docs = [d for p in discover(tmp_path) for d in load(p)]
    pairs, unpaired = pair_documents(docs, encoder)
    got = sorted((p.src.name, p.tgt.name) for p in pairs)
    assert got == [("b.txt#bg", "b.txt#en"), ("report.en.txt", "zzz.txt")]
    assert [u["document"] for u in unpaired] == ["report.sv.txt"]


def test_two_texts_on_one_topic_are_not_translations(encoder):
    docs = load(SV) + load(EN_ONLY[1])  # both about CBSS and human trafficking
    pairs, unpaired = pair_documents(docs, encoder)
    assert pairs == [] and len(unpaired) == 2


def test_output_names_stay_inside_the_output_folder():
    doc = Document("../../etc/passwd", "passwd", "", "sv")
    other = Document("/tmp/a b/..\\evil name.txt", "x", "", "en")
    stem = output_stem(doc, other)
    assert "/" not in stem and "\\" not in stem and not stem.startswith(".")


def test_hidden_files_and_other_extensions_are_ignored(tmp_path):
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("Hello there.")
    assert [p.name for p in discover(tmp_path)] == ["a.txt"]


def test_cheap_candidates_keep_the_true_partner_and_names_only_help(seed_docs, encoder):
    from align.corpus import candidate_pairs, sentence_vectors

    docs = list(seed_docs.values())
    vectors = sentence_vectors(docs, encoder)
    names = lambda pairs: {(docs[x].name, docs[y].name) for x, y in pairs}  # noqa: E731
    # one candidate per document is enough for the Swedish text to find its English version ...
    assert ("000_5712cbd26d8e2ee2.txt", "001_acca24cc4dc759c1.txt") in names(candidate_pairs(docs, vectors, k=1))
    # ... and with none, only the parts of a bilingual file (and names that differ by a language code) remain
    assert names(candidate_pairs(docs, vectors, k=0)) == {("002_0c6536e51e6a9bb8.txt#bg",
                                                           "002_0c6536e51e6a9bb8.txt#en")}
    renamed = [Document("x/report.sv.txt", "report.sv.txt", "", "sv", sentences=docs[0].sentences),
               Document("y/report_en.txt", "report_en.txt", "", "en", sentences=docs[1].sentences)]
    assert candidate_pairs(renamed, sentence_vectors(renamed, encoder), k=0) == [(0, 1)]


def test_output_folder_inside_the_input_folder_is_not_read_back(tmp_path):
    (tmp_path / "a.txt").write_text("Hello there.", encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.html").write_text("<p>old output</p>", encoding="utf-8")
    assert [p.name for p in discover(tmp_path, exclude=tmp_path / "out")] == ["a.txt"]


def test_a_memory_in_the_folder_is_re_checked(tmp_path, encoder):
    from align.corpus import CorpusOptions, run_corpus
    from align.documents import Alignment, Link, Sentence
    from align.export import write
    from align.pipeline import make_aligner

    sv = ["Konferensen hålls den 5 maj i Helsingfors.", "Över 200 deltagare väntas.", "Anmälan görs på webben."]
    en = ["The conference is held on 6 May in Helsinki.", "Over 200 participants are expected.",
          "Registration is online."]
    src = Document("m.txt", "m.txt", "", "sv", sentences=[Sentence(t, 0, 0, k) for k, t in enumerate(sv)])
    tgt = Document("m.txt", "m.txt", "", "en", sentences=[Sentence(t, 0, 0, k) for k, t in enumerate(en)])
    folder = tmp_path / "in"
    write(Alignment(src, tgt, [Link((k,), (k,), 0.9) for k in range(3)]), folder / "memory.tmx", "tmx")
    result = run_corpus(folder, tmp_path / "out", encoder, make_aligner("embedding", encoder),
                        options=CorpusOptions(jobs=1))
    assert [(p.languages, p.links) for p in result.summary.pairs] == [("sv-en", 3)]
    (res,) = result.results
    assert res.alignment.method == "tmx"
    assert [d.src for d in res.divergences if d.kind == "number-mismatch"] == [(0,)]  # 5 maj / 6 May


def _revisions(article: str = "003", chunk: int = 5, width: int = 8, step: int = 2) -> list[Document]:
    """Five revisions of one Text+Berg article in German and French: windows of 8 five-link chunks
    two chunks apart, so each revision shares 6 of its 8 chunks with the next (near-copies)."""
    from align.documents import Sentence
    from align.scoring import read_links

    de, fr = textberg_sentences("de", article), textberg_sentences("fr", article)
    links = [(s, t) for s, t in read_links(TEXTBERG / "gold" / article) if s and t]
    chunks = [links[k:k + chunk] for k in range(0, len(links) - chunk + 1, chunk)]
    docs = []
    for i in range(0, len(chunks) - width + 1, step):
        for lang, side, lines in (("de", 0, de), ("fr", 1, fr)):
            texts = [lines[j] for part in chunks[i:i + width] for link in part for j in link[side]]
            docs.append(Document(f"{lang}/rev{i}.txt", f"rev{i}.{lang}", "", lang,
                                 sentences=[Sentence(t, 0, 0, k) for k, t in enumerate(texts)]))
    return docs


def test_revisions_pair_with_their_own_translation(encoder):
    # each German revision is rightly similar to the French of its neighbours, which copy most of
    # its partner: held against the pair, those near-copies used to leave 3 of the 5 pairs unpaired
    docs = _revisions()
    assert len(docs) == 10
    pairs, unpaired = pair_documents(docs, encoder)
    assert sorted((p.src.name, p.tgt.name) for p in pairs) == [
        (f"rev{i}.de", f"rev{i}.fr") for i in (0, 2, 4, 6, 8)]
    assert unpaired == [] and all(p.test is None for p in pairs)


def test_centred_document_vectors_keep_partners_first_and_take_away_the_common_topic(seed_docs, encoder):
    import numpy as np

    from align.corpus import document_means, sentence_vectors

    docs = list(seed_docs.values())  # one Swedish and one Bulgarian document, four English ones
    vectors = sentence_vectors(docs, encoder)
    means = document_means(docs, vectors)
    en = [k for k, d in enumerate(docs) if d.lang == "en"]
    for name, partner in (("001_acca24cc4dc759c1.txt", "000_5712cbd26d8e2ee2.txt"),
                          ("002_0c6536e51e6a9bb8.txt#bg", "002_0c6536e51e6a9bb8.txt#en")):
        me = next(k for k, d in enumerate(docs) if d.name == name)  # the only document of its language
        assert docs[max(en, key=lambda k: float(means[me] @ means[k]))].name == partner

    # the English documents lose what they have in common (language, topic): they look less alike than before
    def mean_cos(m):
        m = m / np.linalg.norm(m, axis=1, keepdims=True)
        return float((m @ m.T).mean())

    raw_en = np.stack([vectors.of(docs[k]).mean(axis=0) for k in en])
    assert mean_cos(means[en]) < mean_cos(raw_en) - 0.1


def test_a_refused_candidate_names_the_test_its_value_and_the_threshold(encoder):
    from align.corpus import Thresholds

    docs = load(SV) + load(EN_ONLY[1])  # same topic, not translations
    _, unpaired = pair_documents(docs, encoder)
    for u in unpaired:
        assert u["test"] in ("cover", "side", "gain", "lead") and u["threshold"] is not None
        assert "needs" in u["why"] and f"{u['threshold']:.0%}" in u["why"]
    # a threshold set lower than the evidence lets the pair through: the thresholds are what decides
    docs = load(SV) + load(EN)
    assert len(pair_documents(docs, encoder)[0]) == 1
    pairs, unpaired = pair_documents(docs, encoder, thresholds=Thresholds(min_cover=0.99))
    assert pairs == [] and {u["test"] for u in unpaired} == {"cover"}
    assert "needs 99%" in unpaired[0]["why"]


def test_a_translation_pairs_with_the_revision_it_translates_not_an_older_one(tmp_path, encoder):
    import random

    # Kubernetes pages (eval/data/pairing/k8s-docs, CC BY 4.0): current and 2020 English revisions, Chinese
    # translations of some current ones, copied under shuffled names that say nothing of what they hold
    pages = sorted((ROOT / "eval" / "data" / "pairing" / "k8s-docs").glob("*/*.md"))
    names = [f"{k:03d}.md" for k in range(len(pages))]
    random.Random(1).shuffle(names)
    placed = dict(zip(((p.parent.name, p.stem) for p in pages), names))
    for page, name in zip(pages, names):
        shutil.copy(page, tmp_path / name)
    truth = {(file, placed[("en", page)]) for (kind, page), file in placed.items() if kind == "zh"}
    alone = set(names) - {f for pair in truth for f in pair}
    assert len(truth) >= 3 and any(kind == "en-old" for kind, _ in placed)
    docs = [d for p in discover(tmp_path) for d in load(p)]
    pairs, unpaired = pair_documents(docs, encoder)
    assert {(p.src.name, p.tgt.name) for p in pairs} == truth
    assert {u["document"] for u in unpaired} == alone
    assert any(u["test"] == "revision" for u in unpaired)


def test_forced_pairs_and_thresholds_are_recorded(tmp_path, encoder):
    import json

    from align.corpus import CorpusOptions, Thresholds, run_corpus
    from align.pipeline import make_aligner

    folder = tmp_path / "in"
    folder.mkdir()
    for f in (SV, EN, EN_ONLY[0]):
        shutil.copy(f, folder / f.name)
    out = tmp_path / "out"
    result = run_corpus(folder, out, encoder, make_aligner("embedding", encoder), options=CorpusOptions(jobs=1),
                        thresholds=Thresholds(min_cover=0.2), forced=[(folder / EN_ONLY[0].name, folder / SV.name)])
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert [(p["source"], p["target"]) for p in summary["pairs"]] == [(EN_ONLY[0].name, SV.name)]
    assert summary["pairs"][0]["pair_evidence"] is None  # forced: no evidence asked for
    assert summary["pairing"]["thresholds"]["min_cover"] == 0.2 and summary["pairing"]["forced"] == 1
    assert [u["document"] for u in result.unpaired] == [EN.name]  # its partner was taken by hand
    assert summary["unpaired"][0]["why"] == "no document in another language to compare with"
    assert EN.name in (out / "report.html").read_text("utf-8")


def test_a_manifest_sets_the_pairing_thresholds(tmp_path):
    from align.corpus import read_manifest

    (tmp_path / "m.toml").write_text(f'folder = "{SV.parent}"\n[options]\nmin_cover = 0.3\nmin_gain = 0.2\n')
    assert read_manifest(tmp_path / "m.toml").options == {"min_cover": 0.3, "min_gain": 0.2}


def test_the_quick_pass_without_the_peel_gives_the_same_links_and_cover(seed_docs, encoder):
    # the peel only names a merge's unsupported sentences: leaving it out of pairing's quick pass must not move
    # a link or change a score, in order or shuffled (the control), or the pairing evidence would change
    from dataclasses import replace

    from align.aligners import EmbeddingAligner
    from align.corpus import sentence_vectors
    from align.corpus.evidence import pairing_evidence, shuffled
    from align.corpus.pairing import quick_params
    from align.pipeline import align_documents

    sv, en = seed_docs["001_acca24cc4dc759c1.txt"], seed_docs["000_5712cbd26d8e2ee2.txt"]
    vectors = sentence_vectors([sv, en], encoder).for_texts(s.text for d in (sv, en) for s in d.sentences)
    quick = EmbeddingAligner(encoder, quick_params())
    peeled = EmbeddingAligner(encoder, replace(quick_params(), peel="report"))
    assert quick.p.peel == "off"
    for tgt in (en, shuffled(en, 1), seed_docs["004_6f75c1f964cf4579.txt"]):
        plain = [(l.src, l.tgt, l.score) for l in align_documents(sv, tgt, quick).links]
        assert plain == [(l.src, l.tgt, l.score) for l in align_documents(sv, tgt, peeled).links]
    assert pairing_evidence(quick, sv, en, vectors, 0.15)[0] == pairing_evidence(peeled, sv, en, vectors, 0.15)[0]
    assert any(l.unsupported_src or l.unsupported_tgt for l in align_documents(sv, shuffled(en, 1), peeled).links)


def _pair_recording_alignments(docs, encoder):
    """Pair ``docs`` as corpus mode does; also return every candidate alignment made: (source, target, final)."""
    from align.corpus import evidence_scorer, sentence_vectors

    vectors = sentence_vectors(docs, encoder)
    calls = []
    inner = evidence_scorer(encoder, vectors, 0.15)

    def scorer(pairs):
        calls.extend((a.name, b.name, final) for a, b, final in pairs)
        return inner(pairs)

    return pair_documents(docs, encoder, vectors, scorer)[0], calls


def test_mutual_first_candidates_keep_the_final_alignment_and_others_get_the_quick_pass(seed_docs, encoder):
    # the alignment pairing makes of a pair that is each document's first candidate is the very one `align pair`
    # makes, and it is kept (not paid twice); the candidates of the English-only texts get the quick pass only
    from align.pipeline import align_documents, make_aligner

    pairs, calls = _pair_recording_alignments(list(seed_docs.values()), encoder)
    sv = next(p for p in pairs if p.src.name == "001_acca24cc4dc759c1.txt")
    want = align_documents(sv.src, sv.tgt, make_aligner("embedding", encoder)).links
    assert [(l.src, l.tgt, l.score) for l in sv.links] == [(l.src, l.tgt, l.score) for l in want]
    finals = {(a, b) for a, b, final in calls if final}
    assert finals == {("001_acca24cc4dc759c1.txt", "000_5712cbd26d8e2ee2.txt"),
                      ("002_0c6536e51e6a9bb8.txt#bg", "002_0c6536e51e6a9bb8.txt#en")}
    assert any(not final and "003_6d677f5f08688389.txt" in (a, b) for a, b, final in calls)


def test_order_control_tells_a_short_translation_from_a_short_text_on_its_topic(seed_docs, encoder):
    # the Bulgarian migration-conference text and the unrelated English CBSS release (9 and 15 sentences) share
    # confident-looking links in any order; the Swedish release and its English version lose theirs when shuffled
    from align.corpus import Thresholds, sentence_vectors
    from align.corpus.evidence import order_gain

    docs = list(seed_docs.values())
    vectors = sentence_vectors(docs, encoder)

    def gain(a, b):
        a, b = seed_docs[a], seed_docs[b]
        real, shuffled = order_gain(vectors.of(a), vectors.of(b), [len(s.text) for s in a.sentences],
                                    [len(s.text) for s in b.sentences])
        return real - shuffled

    need = Thresholds().min_gain
    assert gain("001_acca24cc4dc759c1.txt", "000_5712cbd26d8e2ee2.txt") > need + 0.1
    assert gain("002_0c6536e51e6a9bb8.txt#bg", "002_0c6536e51e6a9bb8.txt#en") > need
    assert gain("002_0c6536e51e6a9bb8.txt#bg", "000_5712cbd26d8e2ee2.txt") < need
    assert gain("001_acca24cc4dc759c1.txt", "004_6f75c1f964cf4579.txt") < need


def test_remembered_quick_evidence_is_keyed_by_the_quick_pass_settings(monkeypatch):
    # the quick pass takes the aligner's defaults: a changed default must not read an old run's evidence
    from align.aligners import EmbeddingParams
    from align.corpus import pairing, resume
    from align.corpus.tasks import ToolSpec

    a = make_doc("de", ["Der Hund schläft.", "Die Katze spielt."])
    b = make_doc("fr", ["Le chien dort.", "Le chat joue."])
    spec = ToolSpec(encoder_name="e5")
    before = resume.score_key(a, b, spec, 0.15)
    assert resume.score_key(a, b, spec, 0.15) == before
    monkeypatch.setattr(pairing, "quick_params", lambda: EmbeddingParams(exact_overlaps=False, peel="off", quotes=0.0))
    assert resume.score_key(a, b, spec, 0.15) != before
    quick = resume.score_key(a, b, spec, 0.15)
    monkeypatch.setattr(resume, "NEIGHBOURS", resume.NEIGHBOURS + 1)  # the order control's own setting counts too
    assert resume.score_key(a, b, spec, 0.15) != quick


def test_a_page_named_alike_in_three_languages_is_not_aligned_by_the_final_aligner_three_times(encoder):
    # names alike but for a language code always get aligned; only a group of exactly two is final at once
    # (one alignment per pair kept): of three, at most the mutual first candidates are
    docs = []
    for path, name in ((SV, "release.sv.txt"), (EN, "release.en.txt"), (TEXTBERG / "de" / "001", "release.de.txt")):
        doc, = load(path)
        doc.name, doc.path = name, f"/folder/{name}"
        docs.append(doc)
    pairs, calls = _pair_recording_alignments(docs, encoder)
    finals = {frozenset((a, b)) for a, b, final in calls if final}
    assert finals <= {frozenset(("release.sv.txt", "release.en.txt"))}
    assert {frozenset(("release.sv.txt", "release.en.txt"))} == {frozenset((p.src.name, p.tgt.name)) for p in pairs}


def test_a_pair_aligned_while_pairing_is_checked_there_and_the_align_stage_only_writes_it(tmp_path, encoder,
                                                                                       monkeypatch):
    # the check of a pair whose alignment pairing made runs where that alignment was made (its aligner's
    # multi-sentence vectors at hand), not again in the align stage; a re-run with --force (evidence remembered,
    # no alignment kept) aligns and checks in the align stage and writes the very same links and findings
    import json

    from align import pipeline
    from align.corpus import CorpusOptions, run, run_corpus
    from align.pipeline import make_aligner

    folder = tmp_path / "in"
    folder.mkdir()
    for path in (SV, EN, BG_EN):
        shutil.copy(path, folder / path.name)
    where: list[str] = []
    stage = {"now": "pairing"}
    check = pipeline.check_alignment
    monkeypatch.setattr(pipeline, "check_alignment", lambda *a, **k: where.append(stage["now"]) or check(*a, **k))
    write = run.run_pair_task

    def in_align_stage(task):
        stage["now"] = "aligning"
        try:
            return write(task)
        finally:
            stage["now"] = "pairing"

    monkeypatch.setattr(run, "run_pair_task", in_align_stage)
    out = tmp_path / "out"
    first = run_corpus(folder, out, encoder, make_aligner("embedding", encoder), options=CorpusOptions(jobs=1))
    assert len(first.results) == 2 and where == ["pairing", "pairing"]

    def written() -> dict:
        return {p.name: json.loads(p.read_text("utf-8"))[key] for key in ("links", "divergences")
                for p in sorted((out / "align-state").glob("*.json")) if p.name != "pairing.json"}

    before = written()
    where.clear()
    again = run_corpus(folder, out, encoder, make_aligner("embedding", encoder),
                       options=CorpusOptions(jobs=1, force=True))
    assert where == ["aligning", "aligning"]
    assert written() == before
    assert [r.divergences for r in again.results] == [r.divergences for r in first.results]


def test_a_task_carries_its_vectors_as_one_matrix(seed_docs, encoder):
    # a task's few hundred sentence vectors pickle as one array and a list of texts, and come back the same
    import pickle
    import pickletools

    from align.corpus import sentence_vectors

    docs = list(seed_docs.values())
    vectors = sentence_vectors(docs, encoder)
    texts = [s.text for d in docs for s in d.sentences]
    packed = vectors.for_texts(texts + ["not embedded"])
    back = pickle.loads(pickle.dumps(packed))
    assert list(back) == list(dict.fromkeys(texts))
    assert all((back[t] == vectors[t]).all() and back[t].dtype == vectors.matrix.dtype for t in texts)
    # objects rebuilt on unpickling: a handful, not one (or more) per vector
    assert sum(op.name == "REDUCE" for op, _, _ in pickletools.genops(pickle.dumps(packed))) < 5 < len(back)

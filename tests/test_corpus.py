import shutil

from align.corpus import discover, output_stem, pair_documents
from align.documents import Document
from align.pipeline import load

from .conftest import BG_EN, EN, EN_ONLY, SV


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

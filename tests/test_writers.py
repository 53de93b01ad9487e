"""One registry, one ``write``: every format from one stream of units, options applied once, one JSONL shape."""

from __future__ import annotations

import json

import pytest

import align
from align.documents import Alignment, Divergence, Document, Link, Sentence, from_json, to_json
from align.export import FORMATS, READABLE, Bitext, Unit, format_of, read_bitext, write
from align.export.formats import CONVERTIBLE, EXTENSIONS

from .conftest import EN, SV

JSONL_KEYS = ["src", "tgt", "src_ids", "tgt_ids", "link", "score", "src_lang", "tgt_lang", "document"]


def _doc(lang: str, texts: list[str]) -> Document:
    sentences, pos = [], 0
    for k, t in enumerate(texts):
        sentences.append(Sentence(t, pos, pos + len(t), k))
        pos += len(t) + 2
    return Document(f"{lang}.txt", f"{lang}.txt", "\n\n".join(texts), lang,
                    [(s.start, s.end) for s in sentences], sentences)


def _alignment() -> Alignment:
    src = _doc("sv", ["Hej.", "Ett två.", "Tre.", "Fyra\tfem.", "Sex."])
    tgt = _doc("en", ["Hello.", "One two.", "Three.", "Four five.", "Six."])
    links = [Link((0,), (0,), 0.9), Link((1, 2), (1, 2), 0.8), Link((3,), (), 0.0), Link((4,), (3, 4), 0.3)]
    return Alignment(src, tgt, links)


def test_every_suffix_names_its_format_and_every_format_has_a_writer():
    for suffix, name in EXTENSIONS.items():
        assert format_of(f"x{suffix}") == name and suffix in FORMATS[name].suffixes
    assert all(callable(f.writer) for f in FORMATS.values())
    assert set(READABLE) <= set(CONVERTIBLE) and "links" not in CONVERTIBLE


@pytest.mark.parametrize("name", READABLE)
def test_each_readable_format_reads_back_what_write_wrote(tmp_path, name):
    suffix = FORMATS[name].suffixes[0] if FORMATS[name].suffixes else ".xlf"
    path = tmp_path / f"pairs.sv-en{suffix}"
    n = write(_alignment(), path, name)
    back = [(u.src, u.tgt) for u in read_bitext(path, name, "sv", "en")]
    pairs = [("Hej.", "Hello."), ("Ett två. Tre.", "One two. Three."), ("Sex.", "Four five. Six.")]
    if FORMATS[name].one_sided:  # the one-sided link too, its text as it is (JSON holds a tab)
        pairs.insert(2, ("Fyra\tfem.", ""))
    assert n == len(back) and back == pairs


@pytest.mark.parametrize("name", ["tmx", "tsv", "moses", "xliff", "xliff2", "xlsx"])
def test_the_options_are_applied_once_the_same_way_for_every_memory_format(tmp_path, name):
    suffix = FORMATS[name].suffixes[0] if FORMATS[name].suffixes else ".xlf"
    path = tmp_path / f"pairs.sv-en{suffix}"
    assert write(_alignment(), path, name, min_score=0.5) == 2  # 0.9 and 0.8; not the 0.3 nor the one-sided
    assert write(_alignment(), path, name, min_score=0.5, split_even=True) == 3  # the 2-2 bead as two units
    units = list(read_bitext(path, name, "sv", "en"))
    assert [u.src for u in units] == ["Hej.", "Ett två.", "Tre."] and [u.tgt for u in units][1:] == ["One two.",
                                                                                                    "Three."]
    if name not in ("tsv", "moses"):  # the two that do not record languages
        write(_alignment(), path, name, src_locale="sv_se", tgt_locale="en-gb")
        bt = read_bitext(path, name)
        assert (bt.src_lang, bt.tgt_lang) == ("sv-SE", "en-GB")


def test_jsonl_keeps_one_sided_links_and_the_sentence_numbers(tmp_path):
    write(_alignment(), tmp_path / "x.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "x.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [list(r) for r in rows] == [JSONL_KEYS] * 4
    assert rows[2]["src"] == "Fyra\tfem." and rows[2]["tgt"] == "" and rows[2]["tgt_ids"] == []  # JSON holds tabs
    assert [r["src_ids"] for r in rows] == [[0], [1, 2], [3], [4]]


def test_jsonl_has_one_shape_from_pair_min_score_stdout_convert_and_review_export(tmp_path, run_cli):
    args = ("pair", SV, EN, "--method", "length")
    outputs = {"file": run_cli(*args, "-o", tmp_path / "a.jsonl"),
               "min-score": run_cli(*args, "-o", tmp_path / "b.jsonl", "--min-score", "0.4"),
               "stdout": run_cli(*args, "--format", "jsonl"),
               "review": run_cli(*args, "-o", tmp_path / "p.review.json"),
               "tmx": run_cli(*args, "-o", tmp_path / "p.tmx")}
    assert all(r.returncode == 0 for r in outputs.values()), {k: r.stderr for k, r in outputs.items()}
    assert run_cli("export", tmp_path / "p.review.json", "-o", tmp_path / "c.jsonl").returncode == 0
    assert run_cli("convert", tmp_path / "p.tmx", tmp_path / "d.jsonl").returncode == 0
    texts = {"file": (tmp_path / "a.jsonl").read_text(encoding="utf-8"),
             "min-score": (tmp_path / "b.jsonl").read_text(encoding="utf-8"),
             "stdout": outputs["stdout"].stdout,
             "review": (tmp_path / "c.jsonl").read_text(encoding="utf-8"),
             "convert": (tmp_path / "d.jsonl").read_text(encoding="utf-8")}
    rows = {k: [json.loads(line) for line in t.splitlines()] for k, t in texts.items()}
    for k, rs in rows.items():
        assert rs and all(list(r) == JSONL_KEYS for r in rs), k
    assert texts["file"] == texts["stdout"]
    assert [r["src_ids"] for r in rows["file"]] == [r["src_ids"] for r in rows["review"]]
    assert all(r["src_ids"] is None for r in rows["convert"])  # a memory has no sentence numbers
    assert rows["min-score"] == [r for r in rows["file"] if r["score"] >= 0.4]


def test_stdout_and_a_file_get_the_same_bytes(tmp_path, capsys):
    for name in ("tsv", "jsonl", "links"):
        write(_alignment(), tmp_path / f"x.{name}")
        write(_alignment(), "-", name)
        assert capsys.readouterr().out == (tmp_path / f"x.{name}").read_text(encoding="utf-8"), name


def test_links_are_every_link_by_sentence_number_and_never_split(tmp_path):
    assert write(_alignment(), tmp_path / "x.links", split_even=True) == 4
    assert (tmp_path / "x.links").read_text() == "[0]:[0]\n[1, 2]:[1, 2]\n[3]:[]\n[4]:[3, 4]\n"
    with pytest.raises(align.InputError, match="sentence numbers"):
        write(Bitext("sv", "en", [Unit("a", "b")]), tmp_path / "y.links")


def test_memory_formats_cannot_be_printed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a file named "-" would appear
    from align.export.formats import stdout_format

    assert stdout_format(None) == "tsv"
    with pytest.raises(align.InputError, match="TMX needs an output file: give -o FILE.tmx"):
        stdout_format("tmx")
    with pytest.raises(align.InputError, match="xlsx needs an output file"):
        write(_alignment(), "-", "xlsx")
    assert list(tmp_path.iterdir()) == []


def test_documents_links_and_divergences_survive_the_one_json_codec():
    a, b = align.read_pair(SV, EN)
    al = align.align(a, b, "length")
    divs = align.check(al)
    assert divs
    roundtrip = lambda cls, x: from_json(cls, json.loads(json.dumps(to_json(x))))  # noqa: E731
    assert roundtrip(Document, a) == a and isinstance(roundtrip(Document, a).span, tuple)
    assert [roundtrip(Link, link) for link in al.links] == al.links
    assert [roundtrip(Divergence, d) for d in divs] == divs
    old = to_json(al.links[0])
    del old["unsupported_src"]  # written before the field existed: its default
    assert from_json(Link, old) == Link(al.links[0].src, al.links[0].tgt, al.links[0].score, (),
                                        al.links[0].unsupported_tgt)


def test_links_are_every_link_whatever_the_minimum_score(tmp_path):
    # the links are what `align eval` scores against a gold: a minimum score leaves memories, not them, short
    assert write(_alignment(), tmp_path / "x.links", min_score=0.85) == 4
    assert write(_alignment(), tmp_path / "x.tsv", min_score=0.85) == 1


def test_alignments_of_two_language_pairs_are_not_written_as_one(tmp_path):
    al = _alignment()
    other = Alignment(_doc("de", ["Hallo."]), _doc("en", ["Hello."]), [Link((0,), (0,), 0.9)])
    with pytest.raises(align.InputError, match="sv-en"):
        write([al, other], tmp_path / "mix.tmx")
    assert not (tmp_path / "mix.tmx").exists()

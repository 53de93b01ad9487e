from lxml import etree

import pytest

from align.documents import Alignment, Document, Link, Sentence
from align.errors import InputError
from align.export import read_tmx, write_pairs
from align.export.tmx import bcp47, xml_safe


def _doc(lang, texts):
    sents = [Sentence(t, 0, 0, i) for i, t in enumerate(texts)]
    return Document(f"{lang}.txt", f"{lang}.txt", "", lang, [], sents)


def _alignment():
    src = _doc("sv", ["Hej\x07 världen.", "Bara här.", "Två & <tre>."])
    tgt = _doc("en", ["Hello  world.", "Two & <three>.", "Only here."])
    links = [Link((0,), (0,), 0.9), Link((1,), (), 0.0), Link((2,), (1,), 0.8), Link((), (2,), 0.0)]
    return Alignment(src, tgt, links)


def test_tmx_header_units_and_round_trip(tmp_path):
    path = tmp_path / "x.tmx"
    write_pairs(_alignment(), path, "tmx", src_locale="sv_se", tgt_locale="en-gb")
    root = etree.parse(str(path)).getroot()
    header = root.find("header")
    for attr in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "srclang", "datatype"):
        assert header.get(attr)
    assert header.get("srclang") == "sv-SE" and header.get("segtype") == "sentence"
    assert len(header.get("creationdate")) == 16 and header.get("creationdate").endswith("Z")
    tus = root.findall("body/tu")
    assert len(tus) == 2  # one-sided links are never exported
    assert len({tu.get("tuid") for tu in tus}) == 2
    first = tus[0]
    assert [c.tag for c in first] == ["prop", "prop", "prop", "tuv", "tuv"]
    assert all(p.get("type").startswith("x-") for p in first.findall("prop"))
    srclang, units = read_tmx(path)
    assert srclang == "sv-SE"
    assert [u.segments for u in units] == [
        {"sv-SE": "Hej världen.", "en-GB": "Hello world."},
        {"sv-SE": "Två & <tre>.", "en-GB": "Two & <three>."},
    ]


def test_failed_write_leaves_no_file(tmp_path):
    path = tmp_path / "x.tmx"
    with pytest.raises(InputError):
        write_pairs(_alignment(), path, "tmx", src_locale="not a tag")
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_language_tags_and_safe_text():
    assert bcp47("sv_se") == "sv-SE" and bcp47("EN") == "en" and bcp47("zh-hant-tw") == "zh-Hant-TW"
    assert xml_safe("a\x00b\x1f c\n\td") == "ab c d"


def test_malformed_and_hostile_tmx(tmp_path):
    cases = {
        "unclosed.tmx": "<tmx version='1.4'><header srclang='en'/><body><tu>",
        "nosrclang.tmx": "<tmx version='1.4'><header/><body/></tmx>",
        "nolang.tmx": "<tmx version='1.4'><header srclang='en'/><body><tu><tuv><seg>x</seg></tuv></tu></body></tmx>",
        "version.tmx": "<tmx version='1.1'><header srclang='en'/><body/></tmx>",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError):
            read_tmx(tmp_path / name)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = (f"<?xml version='1.0'?><!DOCTYPE tmx [<!ENTITY x SYSTEM 'file://{secret}'>]>"
           "<tmx version='1.4'><header srclang='en'/><body><tu><tuv xml:lang='en'><seg>&x;</seg></tuv>"
           "</tu></body></tmx>")
    (tmp_path / "xxe.tmx").write_text(xxe)
    try:
        _, units = read_tmx(tmp_path / "xxe.tmx")
        assert "TOP SECRET" not in units[0].segments["en"]
    except InputError:
        pass
    bomb = ("<?xml version='1.0'?><!DOCTYPE tmx [<!ENTITY a 'aaaaaaaaaa'>"
            + "".join(f"<!ENTITY {c} '&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};'>"
                      for p, c in zip("abcdefgh", "bcdefghi"))
            + "]><tmx version='1.4'><header srclang='en'/><body><tu><tuv xml:lang='en'><seg>&i;</seg>"
              "</tuv></tu></body></tmx>")
    (tmp_path / "bomb.tmx").write_text(bomb)
    try:
        _, units = read_tmx(tmp_path / "bomb.tmx")
        assert len(units[0].segments["en"]) < 1000
    except InputError:
        pass

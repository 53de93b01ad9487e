from lxml import etree

import pytest

from align.documents import Alignment, Link
from align.errors import InputError
from align.export import read_tmx, write
from align.export.tmx import bcp47, xml_safe

from .conftest import make_doc as _doc


def _alignment():
    src = _doc("sv", ["Hej\x07 världen.", "Bara här.", "Två & <tre>."])
    tgt = _doc("en", ["Hello  world.", "Two & <three>.", "Only here."])
    links = [Link((0,), (0,), 0.9), Link((1,), (), 0.0), Link((2,), (1,), 0.8), Link((), (2,), 0.0)]
    return Alignment(src, tgt, links)


def test_tmx_header_units_and_round_trip(tmp_path):
    path = tmp_path / "x.tmx"
    write(_alignment(), path, "tmx", src_locale="sv_se", tgt_locale="en-gb")
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
        write(_alignment(), path, "tmx", src_locale="not a tag")
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
    (tmp_path / "noversion.tmx").write_text("<tmx><body><tu>")
    with pytest.raises(InputError, match="no version attribute"):
        read_tmx(tmp_path / "noversion.tmx")
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


# --- the official DTD (from OmegaT's jar, Debian's omegat package) --------------------------------------------

import io
import os
import re
import zipfile
from pathlib import Path

JAR = Path(os.environ.get("OMEGAT_JAR", "/usr/share/omegat/OmegaT.jar"))


@pytest.fixture(scope="module")
def tmx_dtd():
    if not JAR.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{JAR} missing: apt-get install omegat", pytrace=False)
        pytest.fail(f"{JAR} missing: apt-get install omegat (the README's test command installs it)")
    with zipfile.ZipFile(JAR) as jar:
        return etree.DTD(io.BytesIO(jar.read("schemas/tmx14.dtd")))


def dtd_problems(dtd, path) -> list[str]:
    """Every DTD complaint, warnings included (lxml only warns about e.g. lang for xml:lang)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.parse(str(path), parser)
    ok = dtd.validate(tree)
    problems = [f"{e.level_name}: {e.message} (line {e.line})" for e in dtd.error_log]
    return problems if problems or ok else ["invalid"]


def test_our_tmx_is_valid_against_the_official_dtd(tmp_path, tmx_dtd):
    path = tmp_path / "x.tmx"
    write(_alignment(), path, "tmx")
    assert dtd_problems(tmx_dtd, path) == []


def test_dtd_check_fails_on_warnings(tmp_path, tmx_dtd):
    bad = tmp_path / "bad.tmx"
    bad.write_text('<?xml version="1.0"?><tmx version="1.4"><header creationtool="a" creationtoolversion="1" '
                   'segtype="sentence" o-tmf="a" adminlang="en" srclang="sv" datatype="plaintext"/><body><tu>'
                   '<tuv lang="sv"><seg>x</seg></tuv></tu></body></tmx>', "utf-8")
    problems = dtd_problems(tmx_dtd, bad)
    assert problems and "xml:lang" in problems[0]


def _two_documents():
    a = _alignment()
    src = _doc("sv", ["Första\u00a0meningen.", "Andra\tmeningen\n här.", "\ufffe\x0b"])
    src.name = "b.sv.txt"
    tgt = _doc("en", ["First sentence.", "Second sentence here.", "Third."])
    tgt.name = "b.en.txt"
    b = Alignment(src, tgt, [Link((0,), (0,), 0.95), Link((1,), (1, 2), 0.7), Link((2,), (), 0.0)])
    return a, b


def test_header_props_tuids_and_language_tags(tmp_path, tmx_dtd):
    from align.export import write

    path = tmp_path / "merged.tmx"
    assert write(list(_two_documents()), path, src_locale="sv_SE") == 4
    assert dtd_problems(tmx_dtd, path) == []
    root = etree.parse(str(path)).getroot()
    assert root.get("version") == "1.4"
    header = root.find("header")
    required = ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "srclang", "datatype")
    assert all(header.get(a) for a in required)
    assert re.fullmatch(r"\d{8}T\d{6}Z", header.get("creationdate"))
    assert header.get("srclang") == "sv-SE"
    tus = root.findall("body/tu")
    assert len({tu.get("tuid") for tu in tus}) == len(tus) == 4
    for tu in tus:
        tags = [c.tag for c in tu]
        assert tags.index("tuv") > max(i for i, t in enumerate(tags) if t == "prop")
        props = {p.get("type"): p.text for p in tu.findall("prop")}
        assert set(props) == {"x-document", "x-link", "x-score"}
        langs = [tuv.get(XML_LANG) for tuv in tu.findall("tuv")]
        assert langs == ["sv-SE", "en"]  # source first, srclang equal; no region unless asked for
        for seg in tu.iter("seg"):
            assert seg.text and not re.search(r"[ \t\r\n]{2}|^ | $|[\t\r\n\x0b\ufffe]", seg.text)
    docs = [tu.find("prop[@type='x-document']").text for tu in tus]
    assert docs[0] == "sv.txt | en.txt" and docs[-1] == "b.sv.txt | b.en.txt"
    links = [tu.find("prop[@type='x-link']").text for tu in tus]
    assert links == ["1-1", "1-1", "1-1", "1-2"]
    second = tus[-1]
    assert [s.text for s in second.iter("seg")] == ["Andra meningen här.", "Second sentence here. Third."]
    assert "\u00a0" in tus[2].find("tuv/seg").text  # a no-break space is text, not layout


def test_language_tags_are_bcp47_with_a_hyphen():
    assert bcp47("sv") == "sv" and bcp47("SV-se") == "sv-SE" and bcp47("en_GB") == "en-GB"
    for bad in ("", "s", "sv SE", "sv--SE", "1234"):
        with pytest.raises(InputError):
            bcp47(bad)


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# --- the writer formats its own markup: whatever the text, the file is valid and reads back ------------------


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_XML_ILLEGAL_REF = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _xml_safe_reference(text: str) -> str:
    """xml_safe without its fast path: the two substitutions, always."""
    return re.sub(r"[^\S\u00a0\u2007\u202f]+", " ", _XML_ILLEGAL_REF.sub("", text)).strip(" ")


def test_xml_safe_fast_path_agrees_with_the_substitutions_for_every_character():
    # every BMP character (all whitespace and XML-illegal ones live there), alone, inside text and doubled
    for code in range(0x10000):
        c = chr(code)
        for text in (f"a{c}b", f"{c}a {c}{c}"):
            assert xml_safe(text) == _xml_safe_reference(text), hex(code)
    assert xml_safe("ett  två") == "ett två" and xml_safe(" a") == "a" and xml_safe("a\u00a0") == "a\u00a0"


_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
_markup = st.sampled_from(["<", ">", "&", "]]>", '"', "'", "&amp;", "<seg>", "</tu>", "\x00", "\ud800", "\t\n",
                           "  ", "\u00a0", "😀", "\r\n"])
_nasty_text = st.lists(st.one_of(_any_text, _markup), max_size=8).map("".join)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_nasty_text, _nasty_text, st.none() | st.floats(0, 1), _nasty_text, _nasty_text),
                     min_size=1, max_size=6))
def test_any_text_gives_a_dtd_valid_tmx_that_reads_back(tmp_path_factory, tmx_dtd, rows):
    from align.export import Bitext, Unit, read_bitext, write

    path = tmp_path_factory.mktemp("nasty") / "x.sv-en.tmx"
    units = [Unit(*row) for row in rows]
    kept = [u for u in units if xml_safe(u.src) and xml_safe(u.tgt)]
    assert write(Bitext("sv", "en", units), path) == len(kept)
    assert dtd_problems(tmx_dtd, path) == []
    if not kept:  # a memory without units is valid, but there is nothing to convert
        with pytest.raises(InputError, match="no translation units"):
            list(read_bitext(path))
        return
    back = list(read_bitext(path))
    assert [(u.src, u.tgt, u.link, u.document) for u in back] == [
        (xml_safe(u.src), xml_safe(u.tgt), xml_safe(u.link), xml_safe(u.document)) for u in kept]
    assert [u.score for u in back] == [None if u.score is None else round(u.score, 3) for u in kept]


def test_extra_x_props_survive_a_round_trip_and_stay_valid(tmp_path, tmx_dtd):
    """Review status and other x- properties travel through TMX (and `align convert`) unchanged."""
    from align.export.bitext import Bitext, Unit
    from align.export.formats import convert, write
    from align.export.tmx import read_tmx_bitext

    units = [Unit("Hej.", "Hello.", 0.9, "1-1", "a | b", {"x-review": "confirmed"}),
             Unit("Tack.", "Thanks.", 0.8, "1-1", "a | b"),
             Unit("Ja.", "Yes.", None, "1-1", "a | b", {"review": "dropped: not x-prefixed"})]
    path = tmp_path / "m.tmx"
    write(Bitext("sv", "en", units), path)
    assert tmx_dtd.validate(etree.parse(str(path))), tmx_dtd.error_log
    back = list(read_tmx_bitext(path).units)
    assert [u.props for u in back] == [{"x-review": "confirmed"}, None, None]
    convert(path, tmp_path / "copy.tmx")
    assert [u.props for u in read_tmx_bitext(tmp_path / "copy.tmx").units] == [{"x-review": "confirmed"}, None, None]

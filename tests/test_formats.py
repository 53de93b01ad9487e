"""Every translation-memory format: written, read back, converted into each other without loss.

translate-toolkit is the independent reader for TMX and XLIFF; malformed input
of every format is a one-line InputError (exit code 1 from ``align convert``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from align.documents import Alignment, Document, Link, Sentence
from align.errors import InputError
from align.export import Bitext, Unit, convert, read_bitext, write

from .conftest import ROOT, SV, EN

TEXTS = [
    ("Hej & <välkommen> \"hit\"!", "Hello & <welcome> \"here\"!", 0.912, "1-1", "a.sv.txt | a.en.txt"),
    ("Kl.\u00a010 börjar mötet 😀.", "At\u00a010 the meeting starts 😀.", 0.5, "1-2", "a.sv.txt | a.en.txt"),
    ("Tredje meningen.", "Third sentence.", 0.25, "2-1", "b.sv.txt | b.en.txt"),
]
# what each format carries besides the two texts
CARRIES = {"tmx": {"score", "link", "document"}, "xliff": {"score", "link", "document"},
           "xliff2": {"score", "link", "document"}, "xlsx": {"score", "link", "document"},
           "jsonl": {"score", "link", "document"}, "tsv": {"score", "document"}, "moses": set()}
EXT = {"tmx": "tmx", "xliff": "xlf", "xliff2": "xlf", "xlsx": "xlsx", "jsonl": "jsonl", "tsv": "tsv",
       "moses": "moses"}


def _bitext():
    return Bitext("sv", "en", [Unit(*t) for t in TEXTS])


def _expected(fmt):
    out = []
    for s, t, score, link, doc in TEXTS:
        keep = CARRIES[fmt]
        out.append((s, t, round(score, 3) if "score" in keep else None, link if "link" in keep else "",
                    doc if "document" in keep else ""))
    return out


def _tuples(bt):
    return [(u.src, u.tgt, None if u.score is None else round(u.score, 3), u.link, u.document) for u in bt]


@pytest.mark.parametrize("fmt", list(CARRIES))
def test_each_format_round_trips(tmp_path, fmt):
    path = tmp_path / f"x.sv-en.{EXT[fmt]}"
    assert write(_bitext(), path, fmt) == 3
    bt = read_bitext(path, fmt if fmt == "moses" else None)
    assert (bt.src_lang, bt.tgt_lang) == ("sv", "en")
    assert _tuples(bt) == _expected(fmt)


def test_a_chain_through_every_format_loses_nothing(tmp_path):
    path = tmp_path / "start.tmx"
    write(_bitext(), path)
    chain = ["xliff", "xliff2", "xlsx", "jsonl", "tmx"]
    for k, fmt in enumerate(chain):
        nxt = tmp_path / f"step{k}.{EXT[fmt]}"
        n, _, out_fmt = convert(path, nxt, to=fmt)
        assert n == 3 and out_fmt == fmt
        path = nxt
    assert _tuples(read_bitext(path)) == _expected("tmx")
    # and the lossy ones keep what they can carry
    for fmt in ("tsv", "moses"):
        out = tmp_path / f"lossy.sv-en.{EXT[fmt]}"
        convert(path, out, to=fmt)
        assert _tuples(read_bitext(out, fmt)) == _expected(fmt)


def test_translate_toolkit_reads_our_tmx_and_xliff(tmp_path):
    from translate.storage import tmx as tt_tmx
    from translate.storage import xliff as tt_xliff

    write(_bitext(), tmp_path / "x.tmx")
    write(_bitext(), tmp_path / "x.xlf")
    tm = tt_tmx.tmxfile.parsefile(str(tmp_path / "x.tmx"))
    assert [(u.source, u.target) for u in tm.units] == [(s, t) for s, t, *_ in TEXTS]
    xl = tt_xliff.xlifffile.parsefile(str(tmp_path / "x.xlf"))
    assert [(u.source, u.target) for u in xl.units] == [(s, t) for s, t, *_ in TEXTS]
    assert xl.getsourcelanguage() == "sv" and xl.gettargetlanguage() == "en"
    assert sorted(xl.getfilenames()) == ["a.sv.txt | a.en.txt", "b.sv.txt | b.en.txt"]


def test_xliff_structure(tmp_path):
    """The structure we promise beyond the schemas (one <file> per document, unique ids)."""
    write(_bitext(), tmp_path / "one.xlf", "xliff")
    write(_bitext(), tmp_path / "two.xlf", "xliff2")
    ns1 = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    root = etree.parse(str(tmp_path / "one.xlf")).getroot()
    assert root.get("version") == "1.2"
    files = root.findall("x:file", ns1)
    assert len(files) == 2
    for f in files:
        assert all(f.get(a) for a in ("original", "source-language", "target-language", "datatype"))
        assert [c.tag.split("}")[1] for c in f] == ["header", "body"]
        tool = f.find("x:header/x:tool", ns1)
        assert tool.get("tool-id") == f.get("tool-id") and tool.get("tool-name")
    ids = [tu.get("id") for tu in root.iter("{%s}trans-unit" % ns1["x"])]
    assert len(ids) == len(set(ids)) == 3
    ns2 = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    root = etree.parse(str(tmp_path / "two.xlf")).getroot()
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == ("2.0", "sv", "en")
    fids = [f.get("id") for f in root.findall("x:file", ns2)]
    assert len(fids) == len(set(fids)) == 2
    for unit in root.iter("{%s}unit" % ns2["x"]):
        assert [c.tag.split("}")[1] for c in unit] == ["segment"]
        assert [c.tag.split("}")[1] for c in unit[0]] == ["source", "target"]
    # attributes of other namespaces only (allowed on units by both schemas)
    for path in ("one.xlf", "two.xlf"):
        for el in etree.parse(str(tmp_path / path)).iter():
            for name in el.attrib:
                assert not name.startswith("{") or name.startswith(("{urn:x-align:xliff}",
                                                                    "{http://www.w3.org/XML/1998/namespace}"))


# --- the official XLIFF schemas (tests/data/schemas, from Debian's php-symfony-translation) ------------------

SCHEMAS = ROOT / "tests" / "data" / "schemas"
SEED_TMX = ROOT / "corpora" / "seeds-out" / "001_acca24cc4dc759c1__000_5712cbd26d8e2ee2.sv-en.tmx"
# what breaks hand-made markup and what XML cannot carry at all
AWKWARD = [
    Unit("Pris < 10 & moms > 0 ]]> \"citat\" 'apostrof' &amp; <b>fet</b>",
         "Price < 10 & VAT > 0 ]]> \"quote\" 'apostrophe' &amp; <b>bold</b>", 0.5, "1-1", "a & <b> \"c\".txt"),
    Unit("Styr\x00tecken\x01\x07\x0b\x0c\x1b\x7f bort\ufffe\uffff\ud800.", "Control\x08 characters\x1f gone.",
         0.25, "2-1\x07", "ctl\x01.txt"),
    Unit("Emoji 😀👍🏽 och 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u202eRTL\u202c", "Emoji 😀👍🏽 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u202eRTL\u202c", None, "",
         "emoji 😀.txt"),
    Unit("  Rader\n\tmed\r\nluft\u2028 och\u00a0hårt mellanslag  ", "Lines\n\twith\r\nspace\u2028 and\u00a0nbsp",
         1.0, "1-1", ""),
    Unit("\x07\x1b", "Only the target survives.", 0.9, "1-1", "gone.txt"),  # nothing left of the source
]


class _OfflineSchemas(etree.Resolver):
    """The schemas' ``xml.xsd`` imports from this folder; any other URL fails the test (never the network)."""

    def resolve(self, url, pubid, context):
        if url.rsplit("/", 1)[-1] == "xml.xsd":
            return self.resolve_filename(str(SCHEMAS / "xml.xsd"), context)
        if Path(url).parent == SCHEMAS:
            return None  # the schema file itself, read as usual
        pytest.fail(f"schema import {url} is not available offline", pytrace=False)


def _schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_OfflineSchemas())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser))


@pytest.fixture(scope="module")
def xliff_schemas():
    return {"xliff": _schema("xliff-core-1.2-strict.xsd"), "xliff2": _schema("xliff-core-2.0.xsd")}


def _errors(schema, tree) -> list[str]:
    return [] if schema.validate(tree) else [f"line {e.line}: {e.message}" for e in schema.error_log] or ["invalid"]


@pytest.mark.parametrize("fmt", ["xliff", "xliff2"])
def test_xliff_is_valid_against_the_official_schema(tmp_path, xliff_schemas, fmt):
    """The seed pair's memory plus awkward text, written as XLIFF 1.2 (strict) and 2.0: schema-valid, and
    read back as the same (XML-safe) texts, scores, link types and documents."""
    from align.export.tmx import xml_safe

    seed = list(read_bitext(SEED_TMX))
    assert len(seed) >= 10
    units = seed + AWKWARD
    path = tmp_path / f"seed.sv-en.{fmt}.xlf"
    assert write(Bitext("sv", "en", units), path, fmt) == len(units) - 1
    tree = etree.parse(str(path))
    assert _errors(xliff_schemas[fmt], tree) == []
    kept = [u for u in units if xml_safe(u.src) and xml_safe(u.tgt)]
    back = list(read_bitext(path, fmt))
    assert [(u.src, u.tgt) for u in back] == [(xml_safe(u.src), xml_safe(u.tgt)) for u in kept]
    assert [(u.score, u.link) for u in back] == [(None if u.score is None else round(u.score, 3), xml_safe(u.link))
                                                 for u in kept]
    assert [u.document for u in back] == [xml_safe(u.document) or "align" for u in kept]
    assert back[len(seed)].src.startswith("Pris < 10 & moms > 0 ]]>")
    assert "😀👍🏽" in back[len(seed) + 2].tgt and "\u00a0" in back[len(seed) + 3].src


def test_the_schemas_reject_what_they_should(tmp_path, xliff_schemas):
    """The validators are live: our old XLIFF 1.2 (foreign attributes on trans-unit, which the strict schema
    refuses) and a 2.0 file without its source language are invalid."""
    write(_bitext(), tmp_path / "one.xlf", "xliff")
    tree = etree.parse(str(tmp_path / "one.xlf"))
    unit = next(tree.iter("{urn:oasis:names:tc:xliff:document:1.2}trans-unit"))
    unit.set("{urn:x-align:xliff}score", "0.912")
    assert "strict wildcard" in " ".join(_errors(xliff_schemas["xliff"], tree))
    write(_bitext(), tmp_path / "two.xlf", "xliff2")
    tree = etree.parse(str(tmp_path / "two.xlf"))
    del tree.getroot().attrib["srcLang"]
    assert "srcLang" in " ".join(_errors(xliff_schemas["xliff2"], tree))


def test_xliff_12_with_our_old_attributes_still_reads(tmp_path):
    """XLIFF 1.2 written before the schema check carried al:score / al:link on trans-unit."""
    path = tmp_path / "old.xlf"
    path.write_text('<?xml version="1.0"?><xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" '
                    'xmlns:al="urn:x-align:xliff" version="1.2"><file original="d.txt" source-language="sv" '
                    'target-language="en" datatype="plaintext"><body><trans-unit id="1" al:score="0.700" '
                    'al:link="1-2"><source>Ett.</source><target>One. Two.</target></trans-unit></body></file>'
                    '</xliff>', "utf-8")
    assert _tuples(read_bitext(path)) == [("Ett.", "One. Two.", 0.7, "1-2", "d.txt")]


def test_xlsx_review_sheet_edits_come_back(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "review.xlsx"
    write(_bitext(), path)
    wb = load_workbook(path)
    ws = wb.active
    assert [c.value for c in ws[1]] == ["source (sv)", "target (en)", "score", "link", "document", "note"]
    assert ws.freeze_panes == "A2"
    ws["B3"] = "At 10 the meeting begins."  # a reviewer's correction
    ws["A4"] = ws["B4"] = None  # and a pair thrown out
    wb.save(path)
    units = list(read_bitext(path))
    assert [u.tgt for u in units] == ["Hello & <welcome> \"here\"!", "At 10 the meeting begins."]


def test_moses_needs_its_two_files(tmp_path):
    write(_bitext(), tmp_path / "c.moses")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.en", "c.sv"]
    assert (tmp_path / "c.sv").read_text("utf-8").splitlines()[0] == TEXTS[0][0]
    bt = read_bitext(tmp_path / "c.moses")
    assert (bt.src_lang, bt.tgt_lang) == ("sv", "en")
    bt = read_bitext(tmp_path / "c.moses", src_lang="en", tgt_lang="sv")
    assert next(iter(bt)).src == TEXTS[0][1]
    (tmp_path / "c.en").write_text("only one line\n", "utf-8")
    with pytest.raises(InputError, match="fewer lines"):
        list(read_bitext(tmp_path / "c.moses"))


@pytest.mark.parametrize("name, content, message", [
    ("bad.tmx", "<tmx version='1.4'><header srclang='sv'/><body><tu>", "malformed"),
    ("bad.tmx", "<html/>", "not a TMX"),
    ("bad.xlf", "<xliff version='1.2'/>", "not an XLIFF"),
    ("bad.xlf", "<xliff xmlns='urn:oasis:names:tc:xliff:document:1.2' version='1.2'><file", "malformed"),
    ("bad.sv-en.tsv", "no tab here\n", "no tab"),
    ("bad.sv-en.tsv", "a\tb\tzero\n", "not a number"),
    ("bad.tsv", "a\tb\n", "--src-lang"),
    ("bad.jsonl", "{\"src\": \"a\"\n", "not JSON"),
    ("bad.jsonl", "[1, 2]\n", "expected an object"),
    ("bad.xlsx", "not a zip", "not an xlsx"),
    ("bad.moses", "", "found none"),
    ("bad.docx", "x", "cannot tell the format"),
])
def test_malformed_input_is_one_line_input_error(tmp_path, name, content, message):
    path = tmp_path / name
    if not name.endswith(".moses"):
        path.write_text(content, "utf-8")
    with pytest.raises(InputError, match=message) as info:
        list(read_bitext(path))
    assert "\n" not in str(info.value)


def test_pairs_from_an_alignment_in_every_format(tmp_path):
    src = Document("a.txt", "a.txt", "", "sv", [], [Sentence(t, 0, 0, 0) for t in ("Ett.", "Två.", "Tre.", "Fyra.")])
    tgt = Document("b.txt", "b.txt", "", "en", [], [Sentence(t, 0, 0, 0) for t in ("One.", "Two.", "Three.")])
    al = Alignment(src, tgt, [Link((0,), (0,), 0.9), Link((1, 2), (1, 2), 0.8), Link((3,), (), 0.0)])
    for fmt in ("tmx", "xliff", "xliff2", "xlsx", "tsv", "moses"):
        path = tmp_path / f"x.{EXT[fmt]}"
        assert write(al, path, fmt) == 2
        assert write(al, path, fmt, split_even=True) == 3  # --srx: one unit per CAT segment
    assert write(al, tmp_path / "x.jsonl", "jsonl") == 3  # JSONL keeps the one-sided link
    units = list(read_bitext(tmp_path / "x.tmx"))
    assert [(u.src, u.tgt, u.link) for u in units] == [("Ett.", "One.", "1-1"), ("Två.", "Two.", "2-2"),
                                                        ("Tre.", "Three.", "2-2")]


def test_merged_tmx_per_language_pair(tmp_path):
    from align.corpus import write_merged
    from align.pipeline import PairResult

    def al(name, lang, n):
        s = Document(f"{name}.txt", f"{name}.txt", "", lang, [], [Sentence(f"{name} {k}.", 0, 0, 0) for k in range(n)])
        t = Document(f"{name}.en.txt", f"{name}.en.txt", "", "en", [], [Sentence(f"E {name} {k}.", 0, 0, 0)
                                                                        for k in range(n)])
        return PairResult(Alignment(s, t, [Link((k,), (k,), 0.9) for k in range(n)]), [])

    results = [al("a", "sv", 2), al("b", "bg", 3), al("c", "sv", 4)]
    merged = write_merged(results, tmp_path)
    assert {k: (v["pairs"], v["units"]) for k, v in merged.items()} == {"sv-en": (2, 6), "bg-en": (1, 3)}
    units = list(read_bitext(merged["sv-en"]["tmx"]))
    assert [u.document for u in units] == ["a.txt | a.en.txt"] * 2 + ["c.txt | c.en.txt"] * 4


def test_convert_command(tmp_path, run_cli):
    write(_bitext(), tmp_path / "x.tmx")
    proc = run_cli("convert", tmp_path / "x.tmx", tmp_path / "y.xlf", "--to", "xliff2", "--tgt-locale", "en-GB")
    assert proc.returncode == 0, proc.stderr
    assert "3 units" in proc.stderr
    root = etree.parse(str(tmp_path / "y.xlf")).getroot()
    assert root.get("version") == "2.0" and root.get("trgLang") == "en-GB"
    proc = run_cli("convert", tmp_path / "y.xlf", tmp_path / "z.tsv", "--min-score", "0.4")
    assert proc.returncode == 0, proc.stderr
    assert len((tmp_path / "z.tsv").read_text("utf-8").splitlines()) == 2
    bad = tmp_path / "bad.tmx"
    bad.write_text("<tmx version='1.4'><header srclang='sv'/><body><tu><tuv xml:lang='sv'><seg>x", "utf-8")
    proc = run_cli("convert", bad, tmp_path / "out.tmx")
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1 and "malformed" in proc.stderr
    assert not (tmp_path / "out.tmx").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_pair_segtype_paragraph_and_srx(tmp_path, run_cli):
    """--segtype and --srx through the CLI (the length method needs no model)."""
    out = tmp_path / "p.tmx"
    proc = run_cli("pair", SV, EN, "-o", out, "--method", "length", "--segtype", "paragraph")
    assert proc.returncode == 0, proc.stderr
    assert etree.parse(str(out)).getroot().find("header").get("segtype") == "paragraph"
    srx = tmp_path / "all.srx"
    srx.write_text("""<?xml version="1.0"?><srx xmlns="http://www.lisa.org/srx20" version="2.0"><header cascade="yes"/>
<body><languagerules><languagerule languagerulename="never"><rule break="no"><beforebreak>.</beforebreak>
<afterbreak></afterbreak></rule></languagerule></languagerules><maprules>
<languagemap languagepattern=".*" languagerulename="never"/></maprules></body></srx>""", "utf-8")
    out = tmp_path / "s.xlsx"
    proc = run_cli("pair", SV, EN, "-o", out, "--method", "length", "--srx", srx, "--srx-lang", "xx")
    assert proc.returncode == 0, proc.stderr
    assert len(list(read_bitext(out))) >= 5
    proc = run_cli("pair", SV, EN, "-o", tmp_path / "e.tmx", "--srx", tmp_path / "missing.srx")
    assert proc.returncode == 1 and "no such SRX" in proc.stderr

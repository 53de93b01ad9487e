"""The README's main job, `align corpus seeds -o OUT`, checked against corpora/seeds.gold.json."""

import csv
import json
import subprocess
import sys

import pytest
from lxml import etree

from .conftest import ROOT

pytestmark = pytest.mark.slow  # the whole seeds folder, embedded, in a fresh interpreter
GOLD = json.loads((ROOT / "corpora" / "seeds.gold.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def run(tmp_path_factory, _cache_dir):
    out = tmp_path_factory.mktemp("out")
    proc = subprocess.run([sys.executable, "-m", "align", "corpus", "seeds", "-o", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def _pair_files(out, pair):
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    entry = next(p for p in summary["pairs"] if p["source"] == pair["source"] and p["target"] == pair["target"])
    return entry["outputs"]


def _matches(text: str, starts: list[str]) -> bool:
    """A joined segment matches when it is exactly those sentences, in that order."""
    rest = text
    for k, start in enumerate(starts):
        if not rest.startswith(start):
            return False
        nxt = starts[k + 1] if k + 1 < len(starts) else None
        if nxt is not None:
            cut = rest.find(" " + nxt)
            if cut < 0:
                return False
            rest = rest[cut + 1:]
    return True


def test_summary_pairs_and_unpaired(run):
    out, stdout = run
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    got = {(p["source"], p["target"], p["languages"]) for p in summary["pairs"]}
    want = {(p["source"], p["target"], f"{p['source_lang']}-{p['target_lang']}") for p in GOLD["pairs"]}
    assert got == want
    assert sorted(u["document"] for u in summary["unpaired"]) == sorted(GOLD["unpaired"])
    for name in GOLD["unpaired"]:
        assert f"no translation of {name}" in " ".join(stdout.split())
    langs = {d["document"]: d["lang"] for d in summary["documents"]}
    assert langs == {"000_5712cbd26d8e2ee2.txt": "en", "001_acca24cc4dc759c1.txt": "sv",
                     "002_0c6536e51e6a9bb8.txt#bg": "bg", "002_0c6536e51e6a9bb8.txt#en": "en",
                     "003_6d677f5f08688389.txt": "en", "004_6f75c1f964cf4579.txt": "en"}
    other = {d["document"]: d["other_languages"] for d in summary["documents"]}
    assert other["001_acca24cc4dc759c1.txt"] == {"paragraph 12": "fi"}  # "Muualla verkossa"
    assert other["002_0c6536e51e6a9bb8.txt#bg"] == {"paragraph 3": "en"}  # "(English below)"
    for col in ("source", "target", "sentences", "links", "divergences", "seconds"):
        assert col in stdout


@pytest.mark.parametrize("pair", GOLD["pairs"], ids=lambda p: p["source_lang"] + "-" + p["target_lang"])
def test_every_gold_link_is_one_tu_and_nothing_else(run, pair):
    out, _ = run
    files = _pair_files(out, pair)
    tree = etree.parse(files["tmx"])
    header = tree.find("header")
    assert header.get("srclang") == pair["source_lang"] and header.get("segtype") == "sentence"
    tus = []
    for tu in tree.iter("tu"):
        segs = {tuv.get("{http://www.w3.org/XML/1998/namespace}lang"): tuv.findtext("seg") for tuv in tu.iter("tuv")}
        props = {p.get("type"): p.text for p in tu.iter("prop")}
        assert set(props) >= {"x-document", "x-score"}
        assert all(segs.values()) and len(segs) == 2
        tus.append((segs[pair["source_lang"]], segs[pair["target_lang"]]))
    for src, tgt in pair["links"]:
        hits = [tu for tu in tus if _matches(tu[0], src) and _matches(tu[1], tgt)]
        assert len(hits) == 1, (src, tgt)
    # nothing one-sided was exported next to an unrelated sentence
    assert len(tus) == len(pair["links"])
    with open(files["tsv"], encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert [(r[0], r[1]) for r in rows] == tus


@pytest.mark.parametrize("pair", GOLD["pairs"], ids=lambda p: p["source_lang"] + "-" + p["target_lang"])
def test_one_sided_material_is_reported_where_it_is(run, pair):
    out, _ = run
    files = _pair_files(out, pair)
    data = json.loads(open(files["divergences"], encoding="utf-8").read())
    divs = data["divergences"]
    source_text = (ROOT / "seeds" / pair["source"].split("#")[0]).read_text("utf-8")
    for item in pair["one_sided"]:
        side = "src" if item["side"] == "source" else "tgt"
        found = [d for d in divs if d["kind"] in item["kinds"] and item["text"] in d[f"{side}_text"]]
        assert found, item
        loc = found[0]["details"][f"{side}_location"]
        assert loc["paragraphs"] and loc["line"] >= 1
        if side == "src":
            # offsets point at the very text in the source file
            copy = item.get("copy", 1)
            pos = -1
            for _ in range(copy):
                pos = source_text.index(item["text"], pos + 1)
            assert any(d["details"]["src_location"]["start"] <= pos < d["details"]["src_location"]["end"]
                       for d in found), item
    for d in divs:
        assert d["severity"] in ("error", "warning", "note") and d["message"]


def test_contact_block_is_explained_in_words(run):
    out, _ = run
    html = (out / "report.html").read_text("utf-8")
    pair = GOLD["pairs"][0]
    data = json.loads(open(_pair_files(out, pair)["divergences"], encoding="utf-8").read())
    block = [d for d in data["divergences"] if d["kind"] == "missing-in-target" and "Ytterligare" in d["src_text"]]
    assert len(block) == 1
    d = block[0]
    assert "Utrikesministeriets e-postadresser" in d["src_text"]  # the e-mail line is part of the same block
    assert len(d["src"]) == 2 and d["tgt"] == []
    assert "no counterpart in the English version" in d["message"]
    assert "Ytterligare information" in html and "missing-in-target" in html

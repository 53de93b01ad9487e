"""``align clean``: failing units dropped (or marked), every property of the kept ones kept, any format."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from .test_memory_check import build_memory, write_raw_tmx


@pytest.fixture(scope="module")
def memory(tmp_path_factory):
    units, where = build_memory()
    path = tmp_path_factory.mktemp("clean") / "article.de-fr.tmx"
    write_raw_tmx(path, units)
    return path, units, where


@pytest.fixture(scope="module")
def checked(memory, encoder):
    from align.memory_check import check_memory

    return check_memory(memory[0], encoder)


def tus(path):
    return etree.parse(str(path)).getroot().findall("body/tu")


def test_default_drop_keeps_every_property_of_the_kept_units(memory, checked, tmp_path):
    from align.clean import DEFAULT_DROP, decide, write_clean

    path, units, where = memory
    failing = decide(checked, DEFAULT_DROP)
    out = tmp_path / "clean.tmx"
    written, n = write_clean(path, out, failing)
    dropped = set(failing)
    for kind in ("shifted", "unrelated", "untranslated", "empty", "duplicate"):
        assert set(where[kind]) <= dropped, kind
    for kind in ("cut", "number", "inconsistent"):  # reported, but not dropped by default
        assert not set(where[kind]) & dropped, kind
    assert len([u for u in where["true"] if u in dropped]) <= 1
    original = {tu.get("tuid"): etree.tostring(tu) for tu in tus(path)}
    kept = tus(out)
    assert written == len(kept) == len(units) - n
    for tu in kept:  # verbatim: attributes, notes, non-x properties, segments
        assert etree.tostring(tu) == original[tu.get("tuid")]
    header = etree.parse(str(out)).getroot().find("header")
    assert header.get("creationtool") == "test" and header.find("prop").text == "kept"


def test_keep_flagged_marks_instead_of_dropping(memory, checked, tmp_path):
    from align.clean import DEFAULT_DROP, FLAG_PROP, decide, write_clean

    path, units, where = memory
    failing = decide(checked, DEFAULT_DROP)
    out = tmp_path / "flagged.tmx"
    write_clean(path, out, failing, keep_flagged=True)
    kept = tus(out)
    assert len(kept) == len(units)
    flags = {int(tu.get("tuid")[1:]): tu.find(f"prop[@type='{FLAG_PROP}']") for tu in kept}
    assert {u for u, p in flags.items() if p is not None} == set(failing)
    assert flags[where["shifted"][0]].text == "misaligned"
    assert flags[where["empty"][0]].text == "empty"
    # the TMX DTD puts properties before the variants
    tu = kept[where["untranslated"][0]]
    assert [c.tag for c in tu] == ["note", "prop", "prop", "prop", "tuv", "tuv"]
    # cleaning the marked memory again replaces the marks instead of adding a second one
    again = tmp_path / "again.tmx"
    write_clean(out, again, {where["empty"][0]: ["empty"]}, keep_flagged=True)
    marks = [tu.findall(f"prop[@type='{FLAG_PROP}']") for tu in tus(again)]
    assert [len(m) for m in marks].count(1) == 1 and len(marks[where["empty"][0]]) == 1


def test_min_score_and_drop_kinds(memory, checked):
    from align.clean import decide, drop_kinds
    from align.errors import InputError

    _, _, where = memory
    failing = decide(checked, drop_kinds("none"), min_score=0.5)
    assert set(where["shifted"]) | set(where["unrelated"]) <= set(failing)
    assert all(w[0].startswith("score") for w in failing.values())
    assert drop_kinds("misaligned, inconsistent") == ("misaligned", "inconsistent")
    assert drop_kinds("values") == ("number-mismatch", "phone-mismatch", "email-mismatch", "url-mismatch")
    for bad in ("misalinged", "missing", ","):  # a typo; a group a memory check never reports; nothing
        with pytest.raises(InputError):
            drop_kinds(bad)


def test_cli_clean_round_trip_through_other_formats(memory, tmp_path, run_cli):
    path, units, where = memory
    report = tmp_path / "dropped.json"
    xlsx = tmp_path / "clean.de-fr.xlsx"
    proc = run_cli("clean", path, "-o", xlsx, "--report", report)
    assert proc.returncode == 0, proc.stderr
    assert "dropped" in proc.stderr
    data = json.loads(report.read_text("utf-8"))
    dropped = set(data["dropped"])
    assert {u + 1 for u in where["shifted"] + where["unrelated"]} <= dropped
    why = {f["unit"]: f for f in data["findings"] if f["kind"] == "misaligned"}
    assert why[where["shifted"][0] + 1]["action"] == "dropped" and why[where["shifted"][0] + 1]["source"]
    # xlsx -> clean again as JSONL: nothing left to drop but what the first pass kept
    jsonl = tmp_path / "again.de-fr.jsonl"
    proc = run_cli("clean", xlsx, "-o", jsonl, "--drop", "empty")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in jsonl.read_text("utf-8").splitlines()]
    kept_sources = {r["src"] for r in rows}
    assert units[where["shifted"][0]][0] not in kept_sources
    assert units[where["true"][0]][0] in kept_sources
    assert len(rows) == len(units) - len(dropped)


def test_cli_clean_bad_input_leaves_nothing(memory, tmp_path, run_cli):
    path, _, _ = memory
    bad = tmp_path / "bad.tmx"
    bad.write_text('<?xml version="1.0"?><tmx version="1.4"><header srclang="de"/><body><tu>', "utf-8")
    out = tmp_path / "out.tmx"
    report = tmp_path / "r.html"
    proc = run_cli("clean", bad, "-o", out, "--report", report)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not out.exists() and not report.exists()
    proc = run_cli("clean", path, "-o", tmp_path / "x.tsv", "--keep-flagged")
    assert proc.returncode == 1 and "TMX" in proc.stderr
    assert not (tmp_path / "x.tsv").exists()


def test_cli_clean_drops_only_the_kinds_named(memory, checked, tmp_path, run_cli):
    """--drop misaligned: the shifted and unrelated units go, the empty and untranslated ones stay."""
    path, units, where = memory
    out = tmp_path / "mis.tmx"
    proc = run_cli("clean", path, "-o", out, "--drop", "misaligned")
    assert proc.returncode == 0, proc.stderr
    kept = {int(tu.get("tuid")[1:]) for tu in tus(out)}
    misaligned = {f.unit for f in checked.findings if f.kind == "misaligned"}
    assert set(where["shifted"]) | set(where["unrelated"]) <= misaligned
    assert kept == set(range(len(units))) - misaligned
    assert set(where["empty"]) | set(where["untranslated"]) <= kept
    proc = run_cli("clean", path, "-o", tmp_path / "x.tmx", "--drop", "misalinged")
    assert proc.returncode == 1 and "unknown check 'misalinged' for --drop" in proc.stderr
    assert not (tmp_path / "x.tmx").exists()


def test_unresolved_entities_are_not_copied(tmp_path):
    """A hostile TMX's entity is never resolved, and the clean copy does not name an entity it does not declare."""
    from align.clean import write_clean

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET 7f3a")
    path = tmp_path / "ent.tmx"
    path.write_text(f"<?xml version='1.0'?><!DOCTYPE tmx [<!ENTITY ext SYSTEM 'file://{secret}'>]>"
                    "<tmx version='1.4'><header srclang='en'/><body><tu><tuv xml:lang='en'><seg>We go out &ext; "
                    "for a walk.</seg></tuv><tuv xml:lang='sv'><seg>Vi går ut på en promenad.</seg></tuv></tu>"
                    "</body></tmx>", "utf-8")
    out = tmp_path / "out.tmx"
    assert write_clean(path, out, {}) == (1, 0)
    text = out.read_text("utf-8")
    assert "TOP SECRET" not in text and "&ext;" not in text
    assert tus(out)[0].find("tuv/seg").text == "We go out  for a walk."

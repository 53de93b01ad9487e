"""``align check MEMORY``: every finding kind on a memory built from real Text+Berg translations."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from .conftest import ROOT

TEXTBERG = ROOT / "eval" / "data" / "textberg"
MACDEV = ROOT / "eval" / "data" / "tmcheck" / "macdev.zh-en.tsv"

BAD_TARGET = "Les Alpes bernoises comptent de nombreux sommets très fréquentés en été par les randonneurs ."


def real_pairs():
    """Gold 1-1 pairs of the first Text+Berg article, in document order (de-fr, real translations)."""
    from align.scoring import read_links

    src, tgt = ((TEXTBERG / lang / "001").read_text("utf-8").split("\n") for lang in ("de", "fr"))
    pairs = [(src[s[0]].strip(), tgt[t[0]].strip()) for s, t in read_links(TEXTBERG / "gold" / "001")
             if len(s) == len(t) == 1]
    return [(s, t) for s, t in pairs if s and t][:46]


def macdev_pairs(n: int) -> list[tuple[str, str]]:
    """The first n gold pairs of MAC-Dev zh-en (a Chinese novel and its published English translation)."""
    with MACDEV.open(encoding="utf-8", newline="") as fh:
        return [(row[1], row[2]) for _, row in zip(range(n), csv.reader(fh, delimiter="\t"))]


def build_memory() -> tuple[list[tuple[str, str]], dict[str, list[int]]]:
    """The article as a memory with one of each fault put in; returns the units and where each fault is."""
    p = real_pairs()
    units: list[tuple[str, str]] = []
    where: dict[str, list[int]] = {}

    def add(kind: str, s: str, t: str) -> None:
        where.setdefault(kind, []).append(len(units))
        units.append((s, t))

    for k in range(0, 9):
        add("true", *p[k])
    for k in range(9, 12):  # a drift: each source with the next sentence's target; 12's source is lost
        add("shifted", p[k][0], p[k + 1][1])
    for k in range(13, 21):
        add("true", *p[k])
    add("unrelated", p[21][0], p[36][1])  # the hour of another paragraph
    add("untranslated", p[23][0], p[23][0])
    add("empty", p[24][0], "")
    s, t = p[26]
    half = min((k for k, c in enumerate(t) if c == ","), key=lambda k: abs(k - len(t) / 2))
    add("cut", s, t[:half].rstrip() + " .")  # the French loses its second half
    s, t = p[29]
    add("number", s, t.replace("58", "85"))
    for k in range(30, 36):
        add("true", *p[k])
    add("duplicate", *p[3])
    add("inconsistent", p[4][0], "De plus , on ne subit pas seul les désagréments de la situation !")
    for k in range(37, 46):
        add("true", *p[k])
    return units, where


def write_raw_tmx(path, units, src="de", tgt="fr") -> None:
    """A memory as a CAT tool writes it: notes, non-x properties, attributes, an empty target (kept as is)."""
    from xml.sax.saxutils import escape

    tus = []
    for k, (s, t) in enumerate(units):
        tus.append(f'<tu tuid="u{k}" creationdate="20190101T120000Z" usagecount="{k}"><note>note {k}</note>'
                   f'<prop type="client">c{k}</prop><prop type="x-project">p{k}</prop>'
                   f'<tuv xml:lang="{src}"><seg>{escape(s)}</seg></tuv><tuv xml:lang="{tgt}"><seg>{escape(t)}</seg>'
                   f'</tuv></tu>')
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="test" '
                    'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="de" '
                    'datatype="plaintext"><prop type="x-header">kept</prop></header><body>\n'
                    + "\n".join(tus) + "\n</body></tmx>\n", "utf-8")


@pytest.fixture(scope="module")
def memory(tmp_path_factory):
    units, where = build_memory()
    path = tmp_path_factory.mktemp("memory") / "article.de-fr.tmx"
    write_raw_tmx(path, units)
    return path, units, where


@pytest.fixture(scope="module")
def checked(memory, encoder):
    from align.memory_check import check_memory

    path, _, where = memory
    result = check_memory(path, encoder, block=16)  # small blocks: the window crosses block edges
    return result, result.by_unit(), where


def kinds_at(found, unit):
    return {f.kind for f in found.get(unit, [])}


def test_every_unit_has_a_score_in_0_1(checked, memory):
    result, _, _ = checked
    assert result.units == len(memory[1])
    assert np.all((result.scores >= 0) & (result.scores <= 1))


def test_a_shifted_run_is_misaligned_and_names_the_neighbour(checked):
    _, found, where = checked
    for u in where["shifted"]:
        mis = [f for f in found.get(u, []) if f.kind == "misaligned"]
        assert mis and mis[0].severity == "error", (u, found.get(u))
    first = [f for f in found[where["shifted"][0]] if f.kind == "misaligned"][0]
    # its target is the next source's translation: the next unit is named
    assert {"side": "target", "unit": where["shifted"][0] + 1} in [
        {k: h[k] for k in ("side", "unit")} for h in first.details["belongs_to"]]
    assert "next unit" in first.message


def test_a_target_from_elsewhere_is_misaligned_and_scores_low(checked):
    result, found, where = checked
    u = where["unrelated"][0]
    assert "misaligned" in kinds_at(found, u)
    assert result.scores[u] < 0.5
    true_scores = result.scores[where["true"]]
    assert np.median(true_scores) > 0.9


def test_true_pairs_are_left_alone(checked):
    _, found, where = checked
    flagged = [u for u in where["true"] if "misaligned" in kinds_at(found, u)]
    assert len(flagged) <= 1, flagged


def test_untranslated_empty_duplicate_inconsistent(checked):
    _, found, where = checked
    assert kinds_at(found, where["untranslated"][0]) == {"untranslated"}
    assert [f.severity for f in found[where["empty"][0]]] == ["error"]
    assert "empty" in kinds_at(found, where["empty"][0])
    dup = [f for f in found[where["duplicate"][0]] if f.kind == "duplicate"][0]
    assert dup.details["copy_of"] == 3
    inc = [f for f in found[where["inconsistent"][0]] if f.kind == "inconsistent"][0]
    assert inc.details["same_source_as"] == 4 and inc.severity == "warning"


def test_a_cut_clause_is_a_partial_translation_on_the_longer_side(checked):
    _, found, where = checked
    low = [f for f in found.get(where["cut"][0], []) if f.kind == "low-similarity"]
    assert low and low[0].details["extra"] == "source"
    assert "source says more" in low[0].message


def test_the_value_check_of_align_pair_runs(checked):
    _, found, where = checked
    nums = [f for f in found.get(where["number"][0], []) if f.kind == "number-mismatch"]
    assert nums and "58" in nums[0].message and "85" in nums[0].message


def test_cli_checks_every_format_convert_reads(memory, tmp_path, checked, run_cli):
    from align.export import convert

    path, units, where = memory
    result, _, _ = checked
    expected = {f.unit for f in result.findings if f.kind == "misaligned"}
    for ext in (".xlf", ".jsonl", ".xlsx", ".tsv", ".moses"):
        other = tmp_path / f"article.de-fr{ext}"
        convert(path, other)
        report = tmp_path / f"r{ext}.json"
        args = ["check", other, "-o", report]
        if ext in (".moses",):
            args += ["--src-lang", "de", "--tgt-lang", "fr"]
        proc = run_cli(*args)
        assert proc.returncode == 0, proc.stderr
        data = json.loads(report.read_text("utf-8"))
        # units with an empty side are not written by every format: compare by source text
        got = {f["source"] for f in data["findings"] if f["kind"] == "misaligned"}
        assert got == {units[u][0] for u in expected}, ext
        assert len(data["scores"]) == data["units"] and all(0 <= s <= 1 for s in data["scores"])
        assert "units/s" not in proc.stdout


def test_cli_report_html_and_malformed_memory(memory, tmp_path, run_cli):
    path, _, _ = memory
    html = tmp_path / "r.html"
    proc = run_cli("check", path, "-o", html)
    assert proc.returncode == 0, proc.stderr
    page = html.read_text("utf-8")
    assert "misaligned" in page and "<script" not in page
    bad = tmp_path / "bad.tmx"
    bad.write_text('<?xml version="1.0"?><tmx version="1.4"><header srclang="de"/><body><tu><tuv', "utf-8")
    report = tmp_path / "bad.json"
    proc = run_cli("check", bad, "-o", report)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not report.exists()


def test_a_chinese_source_copied_into_the_target_is_untranslated(tmp_path, encoder):
    from align.export.bitext import Bitext, Unit
    from align.export import write
    from align.memory_check import check_memory

    pairs = macdev_pairs(12)
    units = [Unit(s, t) for s, t in pairs]
    units[5] = Unit(pairs[5][0], pairs[5][0])
    path = tmp_path / "m.zh-en.tmx"
    write(Bitext("zh", "en", units), path)
    found = check_memory(path, encoder).by_unit()
    assert [f.kind for f in found[5]] == ["untranslated"]


def test_a_block_of_empty_units_before_real_ones(tmp_path, encoder):
    from align.memory_check import check_memory

    path = tmp_path / "m.de-fr.jsonl"
    rows = [{"src": f"Satz {k}", "tgt": ""} for k in range(20)] + [{"src": s, "tgt": t} for s, t in real_pairs()[:6]]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    result = check_memory(path, encoder, block=8)
    assert [f.kind for f in result.findings if f.unit < 20] == ["empty"] * 20
    assert result.scores[:20].max() == 0 and result.scores[20:].min() > 0.5


def test_cli_checks_selects_the_memory_kinds(memory, tmp_path, checked, run_cli):
    """--checks names the memory's own kinds (misaligned, inconsistent, empty) as well as align pair's."""
    path, _, _ = memory
    result, _, _ = checked
    report = tmp_path / "mis.json"
    proc = run_cli("check", path, "-o", report, "--checks", "misaligned,inconsistent")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(report.read_text("utf-8"))
    assert {f["kind"] for f in data["findings"]} == {"misaligned", "inconsistent"}
    assert len(data["findings"]) == sum(f.kind in ("misaligned", "inconsistent") for f in result.findings)
    proc = run_cli("check", path, "-o", tmp_path / "x.json", "--skip-checks", "misaligned,bogus")
    assert proc.returncode == 1 and "unknown check 'bogus'" in proc.stderr and "misaligned" in proc.stderr


def test_a_chinese_literary_chapter_is_left_alone_and_a_shift_found(tmp_path, encoder):
    """Free literary translation (MAC-Dev zh-en): the memory's own null decides, not a cosine fixed on de-fr."""
    from align.export import write
    from align.export.bitext import Bitext, Unit
    from align.memory_check import check_memory

    pairs = macdev_pairs(120)
    units = [Unit(s, t) for s, t in pairs]
    for k in range(60, 63):  # a drift: each source with the next one's target
        units[k] = Unit(pairs[k][0], pairs[k + 1][1])
    path = tmp_path / "novel.zh-en.tmx"
    write(Bitext("zh", "en", units), path)
    result = check_memory(path, encoder)
    flagged = {f.unit for f in result.findings if f.kind == "misaligned"}
    assert {60, 61, 62} <= flagged
    assert len(flagged - {60, 61, 62, 63}) <= 0.03 * len(units), sorted(flagged)


def test_non_translation_odds_follow_the_memory_own_null():
    """A score where random pairs of the memory sit is a non-translation; far above them, a translation."""
    from align.memory_score import non_translation_odds

    rng = np.random.default_rng(0)
    null = rng.normal(-0.2, 0.05, 3000)
    scores = np.concatenate([rng.normal(0.1, 0.05, 900), rng.normal(-0.2, 0.05, 100)])
    p = non_translation_odds(scores, null)
    assert np.all((p >= 0) & (p <= 1))
    assert (p[900:] > 0.5).mean() > 0.9 and (p[:900] > 0.5).mean() < 0.03
    order = np.argsort(scores)
    assert np.all(np.diff(p[order]) <= 1e-9)  # a lower score is never less suspicious


def test_repeated_units_are_not_each_others_competitors(encoder):
    """A memory repeats units: a copy fits a unit exactly as well as its own pair, which says nothing about
    whether the pair is a translation."""
    from align.memory_score import background, same_text

    pairs = real_pairs()[:20]
    twice = pairs[:6] + [pairs[5]] + pairs[6:]  # unit 5 copied right after itself
    got = {}
    for name, rows in (("once", pairs), ("twice", twice)):
        src, tgt = [s for s, _ in rows], [t for _, t in rows]
        V = encoder.encode(src + tgt)
        ok = np.ones(len(rows), bool)
        got[name] = background(V[:len(rows)], V[len(rows):], ok, 0, len(rows), same_text(src, tgt))
    assert got["twice"].csls[5] == pytest.approx(got["once"].csls[5], abs=1e-5)
    assert got["twice"].csls[6] == pytest.approx(got["once"].csls[5], abs=1e-5)
    assert got["once"].csls[5] > 0.05  # a translation: clearly above its best stranger

"""Alignment on real documents whose two versions differ in shape (issue 21 part 3).

Two kinds of place, judged by hand in gold files beside the data:

- subtitles (``eval/data/subtitles/gold.json``): a sentence on one side against two on the other, or a
  sentence that runs over two subtitle lines. The 1-2 link must be made, and neither part reported missing.
- one-sided sections (``eval/data/missing-sections/gold.json``, over pairs of ``eval/data/realworld``): a
  section only one version has must come out as a run of 1-0 / 0-1 links, reported missing, never bundled
  into n-1 links with unrelated sentences of the other side, and kept out of the TMX; the sentences around
  it must still link to their translations.

Everything goes through the calls ``align pair`` makes (``align.api``: ``read_pair``, ``make_aligner``,
``align_and_check``, ``write``) with the bundled encoder, and one subtitle pair through the CLI itself.
Languages are given, as ``--src-lang/--tgt-lang`` would: the language detector's own mistakes on some of
these files are another issue.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

from align.api import align_and_check, make_aligner, read_pair, write
from align.documents import clean_text
from align.pipeline import PairResult

ROOT = Path(__file__).resolve().parent.parent
SUBTITLES = ROOT / "eval" / "data" / "subtitles"
REALWORLD = ROOT / "eval" / "data" / "realworld"
SUBTITLE_GOLD = json.loads((SUBTITLES / "gold.json").read_text("utf-8"))["pairs"]
SECTION_GOLD = json.loads((ROOT / "eval" / "data" / "missing-sections" / "gold.json").read_text("utf-8"))["pairs"]
MISSING = ("missing-in-source", "missing-in-target")


@pytest.fixture(scope="module")
def aligned(encoder):
    """One aligned pair per (src, tgt) path, shared by the tests of this module."""
    aligner = make_aligner("embedding", encoder)

    @lru_cache(maxsize=None)
    def run(src: Path, tgt: Path, src_lang: str, tgt_lang: str) -> PairResult:
        return align_and_check(*read_pair(src, tgt, src_lang, tgt_lang), aligner)

    return run


def _norm(text: str) -> str:
    return clean_text(text).replace("\u00a0", " ")


def _find(sentences, prefix: str, start: int = 0) -> int:
    """The first sentence at or after ``start`` that begins with ``prefix``."""
    want = _norm(prefix)
    for i in range(start, len(sentences)):
        if _norm(sentences[i].text).startswith(want):
            return i
    raise AssertionError(f"no sentence starts with {prefix!r} (after sentence {start})")


def _find_start(sentences, text: str) -> int:
    """The first sentence that ``text`` begins with (a whole sentence, not part of a word)."""
    want = _norm(text)
    for i, s in enumerate(sentences):
        got = _norm(s.text)
        if want.startswith(got) and (len(got) == len(want) or want[len(got)] == " "):
            return i
    raise AssertionError(f"no sentence begins {text!r}")


def _link_of(result: PairResult, side: str, i: int):
    return next(l for l in result.alignment.links if i in getattr(l, side))


def _side_text(doc, ids) -> str:
    return " ".join(_norm(doc.sentences[i].text) for i in ids)


def _describe(result: PairResult, link) -> str:
    al = result.alignment
    return (f"{len(link.src)}-{len(link.tgt)} link {list(link.src)}:{list(link.tgt)}: "
            f"{_side_text(al.src, link.src)[:120]!r} | {_side_text(al.tgt, link.tgt)[:120]!r}")


def _missing_ids(result: PairResult) -> tuple[set[int], set[int]]:
    """Sentences the report calls missing, per side."""
    src: set[int] = set()
    tgt: set[int] = set()
    for d in result.divergences:
        if d.kind in MISSING:
            src.update(d.src if d.kind == "missing-in-target" else ())
            tgt.update(d.tgt if d.kind == "missing-in-source" else ())
    return src, tgt


# --- subtitles ----------------------------------------------------------------------------------------------------

def _subtitle_pair(aligned, pair: dict) -> PairResult:
    return aligned(SUBTITLES / pair["src"], SUBTITLES / pair["tgt"], pair["src_lang"], pair["tgt_lang"])


@pytest.mark.parametrize("pair", SUBTITLE_GOLD, ids=[p["name"] for p in SUBTITLE_GOLD])
def test_subtitle_sentence_against_two_is_one_link(aligned, pair):
    result = _subtitle_pair(aligned, pair)
    al = result.alignment
    missing_src, missing_tgt = _missing_ids(result)
    wrong = []
    for place in pair["places"]:
        link = _link_of(result, "tgt", _find_start(al.tgt.sentences, place["tgt"]))
        got = (_side_text(al.src, link.src), _side_text(al.tgt, link.tgt))
        if got != (_norm(place["src"]), _norm(place["tgt"])):
            wrong.append(f"want {place['src']!r} | {place['tgt']!r}\n  got {_describe(result, link)}")
        elif missing_src & set(link.src) or missing_tgt & set(link.tgt):
            wrong.append(f"linked but reported missing: {_describe(result, link)}")
    assert not wrong, "\n".join(wrong)


def _split_cue(vtt: str, text: str, first: str) -> str:
    """``vtt`` with the cue that reads ``text`` cut in two after ``first`` (its timing halved, its lines unchanged)."""
    m = re.search(r"(?m)^(\S+)\n(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n" + re.escape(text) + "\n", vtt)
    assert m, text
    cue, start, end = m.groups()
    rest = text[len(first):].strip()
    return vtt.replace(m.group(0), f"{cue}\n{start} --> {end}\n{first}\n\n{cue}b\n{start} --> {end}\n{rest}\n")


def test_subtitle_sentence_pair_split_over_two_cues_is_one_link(aligned, tmp_path):
    """Another subtitler times the second sentence as a cue of its own: the 1-2 link must still be made (a
    paragraph per cue made it pay for crossing one, and the short part was reported missing)."""
    pair = next(p for p in SUBTITLE_GOLD if p["name"] == "tears-of-steel-nl-ru")
    vtt = (SUBTITLES / pair["tgt"]).read_text("utf-8")
    split = [place for place in pair["places"] if re.search(r"[.!?] ", place["tgt"])]  # two sentences in one cue
    assert split
    for place in split:
        vtt = _split_cue(vtt, place["tgt"], place["tgt"][:re.search(r"[.!?] ", place["tgt"]).end()].strip())
    recued = tmp_path / "tos.ru.vtt"
    recued.write_text(vtt, "utf-8")
    result = aligned(SUBTITLES / pair["src"], recued, pair["src_lang"], pair["tgt_lang"])
    al = result.alignment
    missing_src, missing_tgt = _missing_ids(result)
    for place in split:
        link = _link_of(result, "tgt", _find_start(al.tgt.sentences, place["tgt"]))
        assert (_side_text(al.src, link.src), _side_text(al.tgt, link.tgt)) == (place["src"], place["tgt"]), \
            _describe(result, link)
        assert not missing_tgt & set(link.tgt), f"reported missing: {_describe(result, link)}"


def test_srt_reads_as_the_same_cues_as_webvtt(tmp_path):
    """The same real cues written as SubRip (comma timings, CRLF, a BOM, no header) read as the WebVTT file."""
    from align.api import read

    vtt = SUBTITLES / "sintel" / "sintel.de.vtt"
    text = vtt.read_text("utf-8").removeprefix("WEBVTT\n\n")
    srt = tmp_path / "sintel.de.srt"
    srt.write_bytes(b"\xef\xbb\xbf" + re.sub(r"(\d\d:\d\d:\d\d)\.(\d{3})", r"\1,\2", text).replace("\n", "\r\n").encode())
    texts = [[s.text for s in read(path, "de").sentences] for path in (vtt, srt)]
    assert texts[0] == texts[1]
    assert "Diese Klinge birgt eine finstere Vergangenheit." in texts[0]
    assert not [t for t in texts[0] if re.search(r"-->|^\d+$", t)]


@pytest.mark.parametrize("pair", SUBTITLE_GOLD, ids=[p["name"] for p in SUBTITLE_GOLD])
def test_subtitle_cue_numbers_and_timings_are_not_text(aligned, pair, tmp_path):
    """A subtitle file's cue numbers and timings are not sentences: they must not reach the TMX, nor be
    compared as numbers (two translations of one film time their cues differently)."""
    result = _subtitle_pair(aligned, pair)
    timing = re.compile(r"-->|^\d+$|^WEBVTT")
    for doc in (result.alignment.src, result.alignment.tgt):
        found = [s.text for s in doc.sentences if timing.search(s.text)]
        assert not found, f"{doc.name}: cue numbers or timings read as sentences: {found[:4]}"
    assert not [d.message for d in result.divergences if d.kind == "number-mismatch"]


def test_subtitle_pair_through_the_cli(run_cli, tmp_path):
    """``align pair A.vtt B.vtt -o x.tmx`` as a user types it: each TMX unit is cue text (no numbers or
    timings), the German sentence over two lines is one segment with its English one, nothing is missing."""
    pair = next(p for p in SUBTITLE_GOLD if p["name"] == "sintel-en-de")
    out, report = tmp_path / "sintel.tmx", tmp_path / "sintel.json"
    res = run_cli("pair", SUBTITLES / pair["src"], SUBTITLES / pair["tgt"], "-o", out, "--report", report)
    assert res.returncode == 0, res.stderr
    units = [[_norm("".join(seg.itertext())) for seg in tu.iter("seg")] for tu in etree.parse(str(out)).iter("tu")]
    assert not [u for u in units if any(re.search(r"-->|^\d+$", seg) for seg in u)]
    for place in pair["places"]:
        assert [place["src"], place["tgt"]] in units, place["why"]
    assert not [d for d in json.loads(report.read_text("utf-8"))["divergences"]
                if d["kind"] in MISSING]


# --- one-sided sections -------------------------------------------------------------------------------------------

def _section_pair(aligned, pair: dict) -> PairResult:
    folder = REALWORLD / pair["folder"]
    return aligned(folder / pair["src"], folder / pair["tgt"], pair["src_lang"], pair["tgt_lang"])


def test_markdown_lines_that_open_with_a_link_or_shortcode_continue_the_sentence():
    """Hard-wrapped Markdown: a line that opens with ``[link text](…)``, ``{{<shortcode>}}`` or ``(`code`…`` and
    a small letter continues the sentence of the line before, which a link's closing bracket does not end."""
    from align.api import read

    finalizers = [s.text for s in read(REALWORLD / "k8s-finalizers-en-pt" / "en.md", "en").sentences]
    selectors = [s.text for s in read(REALWORLD / "k8s-field-selectors-en-uk" / "en.md", "en").sentences]
    for sentences, first, last in (
            (finalizers, "Like {{<glossary_tooltip", "but are used for a different purpose."),
            (finalizers, "When a {{<glossary_tooltip", "to groups of related objects."),
            (selectors, "[Set-based operators](", "are not supported for field selectors.")):
        found = [s for s in sentences if s.startswith(first)]
        assert len(found) == 1 and found[0].endswith(last), found


def _run(result: PairResult, place: dict) -> tuple[str, list[int]]:
    side = place["side"]
    sentences = getattr(result.alignment, side).sentences
    first = _find(sentences, place["from"])
    return side, list(range(first, _find(sentences, place["to"], first) + 1))


SECTION_IDS = [p["folder"] for p in SECTION_GOLD]


@pytest.mark.parametrize("pair", SECTION_GOLD, ids=SECTION_IDS)
def test_one_sided_section_is_a_run_of_one_sided_links(aligned, pair):
    result = _section_pair(aligned, pair)
    bundles = []
    for place in (p for p in pair["places"] if p["kind"] == "one-sided"):
        side, run = _run(result, place)
        other = "tgt" if side == "src" else "src"
        for i in run:
            link = _link_of(result, side, i)
            if getattr(link, other):
                bundles.append(_describe(result, link))
    assert not bundles, "one-sided sentences linked to the other side:\n" + "\n".join(dict.fromkeys(bundles))


@pytest.mark.parametrize("pair", SECTION_GOLD, ids=SECTION_IDS)
def test_sentences_around_a_one_sided_section_link_to_their_translations(aligned, pair):
    result = _section_pair(aligned, pair)
    al = result.alignment
    wrong = []
    for place in (p for p in pair["places"] if p["kind"] == "link"):
        tgt, src, start = [], [], 0
        for prefix in place["tgt"]:
            tgt.append(start := _find(al.tgt.sentences, prefix, start))
        start = 0
        for prefix in place["src"]:
            src.append(start := _find(al.src.sentences, prefix, start))
        link = _link_of(result, "tgt", tgt[0])
        ok = set(src) <= set(link.src) and set(tgt) <= set(link.tgt)
        if place["exact"]:
            ok = ok and set(src) == set(link.src) and set(tgt) == set(link.tgt)
        if not ok:
            wrong.append(f"want {src}:{tgt} ({place['why']})\n  got {_describe(result, link)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("pair", SECTION_GOLD, ids=SECTION_IDS)
def test_one_sided_section_is_reported_missing(aligned, pair):
    result = _section_pair(aligned, pair)
    missing = dict(zip(("src", "tgt"), _missing_ids(result)))
    for place in (p for p in pair["places"] if p["kind"] == "one-sided"):
        side, run = _run(result, place)
        assert run[0] in missing[side], f"{place['from']!r} is not reported missing ({place['why']})"


@pytest.mark.parametrize("pair", SECTION_GOLD, ids=SECTION_IDS)
def test_one_sided_section_is_not_a_mere_note(aligned, pair):
    # a template tag left alone on the other side at the same place is not "text of its own" that may
    # translate the section: it must not demote the report to a note (k8s-annotations en-id, namespaces en-es)
    result = _section_pair(aligned, pair)
    for place in (p for p in pair["places"] if p["kind"] == "one-sided"):
        side, run = _run(result, place)
        kind = "missing-in-target" if side == "src" else "missing-in-source"
        found = [d for d in result.divergences if d.kind == kind and run[0] in (d.src if side == "src" else d.tgt)]
        assert found and found[0].severity in ("warning", "error"), f"{place['from']!r}: {found}"


@pytest.mark.parametrize("pair", SECTION_GOLD, ids=SECTION_IDS)
def test_one_sided_section_stays_out_of_the_tmx(aligned, pair, tmp_path):
    result = _section_pair(aligned, pair)
    out = tmp_path / "pair.tmx"
    write(result, out, "tmx")
    segs = [_norm("".join(seg.itertext())) for seg in etree.parse(str(out)).iter("seg")]
    for place in (p for p in pair["places"] if p["kind"] == "one-sided"):
        side, run = _run(result, place)
        sentences = getattr(result.alignment, side).sentences
        texts = [_norm(sentences[i].text) for i in run]
        # sentences that say something of their own (not a code fence or a word that recurs elsewhere)
        own = [t for t in texts if len(t) >= 12 and sum(_norm(s.text) == t for s in sentences) == 1]
        assert own, f"nothing distinctive in the run {place['from']!r}"
        leaked = [t for t in own if any(t in seg for seg in segs)]
        assert not leaked, f"one-sided text in the TMX: {leaked[:3]}"


def test_cues_without_blank_lines_and_text_after_a_note():
    from align.readers import subtitle_cues

    # a SubRip file whose cues are not parted by blank lines: each timing starts a cue, its number is no text
    assert subtitle_cues("1\n00:00:01,000 --> 00:00:02,000\nHello.\n2\n00:00:02,000 --> 00:00:03,000\nBye.\n") \
        == ["Hello.", "Bye."]
    # a block after a WebVTT NOTE belongs to the note, not to the cue before it
    assert subtitle_cues("WEBVTT\n\n00:01.000 --> 00:02.000\nHi.\n\nNOTE\n\nlast\n") == ["Hi."]


def test_subtitles_with_presplit_are_refused(run_cli, tmp_path):
    files = sorted((SUBTITLES / "tears-of-steel").glob("*.vtt"))
    proc = run_cli("pair", files[0], files[1], "--presplit", "-o", tmp_path / "x.tsv")
    assert proc.returncode == 1 and "leave out --presplit" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.tsv").exists()

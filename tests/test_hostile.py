"""Hostile and broken input, through the real CLI: clear errors, nothing lost, nothing executed.

Every case runs the CLI's entry point (in process with ``run_cli``, cwd = the repository root; in a
subprocess where the input could take the process down) and checks what a user sees: the exit code
(0 where the input is acceptable, 1 for bad input; never 2, never a traceback), a single-line message on stderr naming the file, and that a failed run leaves nothing
new in the output folder (no output file, no ``.part`` temporary file). Small fixtures live in
``tests/data/hostile/``; large ones are generated here. The model is only used where it is the
point (corpus mode pairs documents by their embeddings); everything else runs ``--method length``.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest

from .conftest import EN, ROOT, SV, TEXTBERG, TEXTBERG_DOCS, CliResult, python_m_align, textberg_sentences

DATA = Path(__file__).resolve().parent / "data" / "hostile"
SV_SMALL = DATA / "sv_small.txt"
EN_SMALL = DATA / "en_small.txt"
LENGTH = ("--method", "length")


def snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def assert_clean_failure(proc: CliResult, name, out: Path, before: set[str] | None = None):
    """Exit 1, one line on stderr naming the file, no traceback, nothing new in ``out``."""
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(name) in lines[0], (name, lines[0])
    after = snapshot(out)
    assert after == (before or set()), f"left behind: {sorted(after - (before or set()))}"
    assert not [p for p in after if p.endswith(".part")]


def assert_success(proc: CliResult):
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr


def jsonl_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def assert_covers(rows: list[dict], n: int, m: int):
    """JSONL from ``pair`` holds every link: each sentence of both sides exactly once."""
    src = sorted(i for r in rows for i in r["src_ids"])
    tgt = sorted(j for r in rows for j in r["tgt_ids"])
    assert src == list(range(n)) and tgt == list(range(m)), (src[:20], tgt[:20])


def nonspace(text: str) -> str:
    return "".join(c for c in text if not c.isspace())


@pytest.fixture
def out(tmp_path) -> Path:
    d = tmp_path / "out"
    d.mkdir()
    return d


# --- unreadable or empty documents ------------------------------------------------------------------------------

def _pdf(binary_marker: bool) -> bytes:
    """A one-page PDF whose page has an empty content stream: no text layer at all (like a scan)."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            "<< /Length 0 >>\nstream\n\nendstream"]
    data = b"%PDF-1.4\n" + (b"%\xe2\xe3\xcf\xd3\n" if binary_marker else b"")
    offsets = []
    for k, obj in enumerate(objs, 1):
        offsets.append(len(data))
        data += f"{k} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(data)
    data += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    data += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    data += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return data


BAD_FILES = {
    "empty.txt": b"",
    "whitespace.txt": b"  \t\r\n\n \xc2\xa0 \n\x0c\n",  # spaces, tab, CRLF, a no-break space, a form feed
    "binary.dat": bytes(random.Random(7).randrange(256) for _ in range(4096)) + b"\x00",
    "high-bytes.txt": bytes(random.Random(8).randrange(0x80, 0x100) for _ in range(2048)),  # no NUL, no text
    "scan.pdf": _pdf(binary_marker=True),  # no text layer; a binary comment on line 2, as real PDFs have
    "scan-ascii.pdf": _pdf(binary_marker=False),  # the same PDF with only ASCII bytes (the marker is optional)
    "elf.txt": b"\x7fELF\x02\x01\x01" + bytes(range(1, 200)) * 5,
}


@pytest.mark.parametrize("name", list(BAD_FILES))
@pytest.mark.parametrize("side", ["source", "target"])
def test_unreadable_document_is_one_line_exit_1_and_no_output(tmp_path, out, name, side, run_cli):
    bad = tmp_path / name
    bad.write_bytes(BAD_FILES[name])
    src, tgt = (bad, SV_SMALL) if side == "source" else (SV_SMALL, bad)
    proc = run_cli("pair", src, tgt, "-o", out / "x.tmx", "--report", out / "r.html", *LENGTH)
    assert_clean_failure(proc, bad, out)


@pytest.mark.parametrize("name", ["empty.txt", "binary.dat", "scan.pdf", "scan-ascii.pdf"])
def test_unreadable_document_in_check_mode(tmp_path, out, name, run_cli):
    bad = tmp_path / name
    bad.write_bytes(BAD_FILES[name])
    proc = run_cli("check", bad, SV_SMALL, "-o", out / "r.html")
    assert_clean_failure(proc, bad, out)


def test_pdf_text_layer_is_read_and_a_scan_is_refused_by_name(tmp_path, out, run_cli):
    """PDFs are read for their text layer; one without (a scan) is one line saying so, exit 1."""
    from .test_readers import pdf_bytes

    pdf = tmp_path / "board.pdf"
    pdf.write_bytes(pdf_bytes(EN_SMALL.read_text("utf-8").strip().split("\n\n")))
    proc = run_cli("pair", SV_SMALL, pdf, "-o", out / "x.jsonl", *LENGTH)
    assert_success(proc)
    rows = jsonl_rows(out / "x.jsonl")
    assert nonspace(" ".join(r["tgt"] for r in rows)) == nonspace(EN_SMALL.read_text("utf-8"))
    for name in ("scan.pdf", "scan-ascii.pdf"):
        bad = tmp_path / name
        bad.write_bytes(BAD_FILES[name])
        proc = run_cli("pair", SV_SMALL, bad, "-o", out / "y.tmx", *LENGTH)
        assert_clean_failure(proc, bad, out, before={"x.jsonl"})
        assert "PDF has no text layer (scanned?); run OCR first" in proc.stderr


def test_corpus_skips_unreadable_files_and_names_them(tmp_path, out, run_cli):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "sv.txt").write_bytes(SV_SMALL.read_bytes())
    (folder / "en.txt").write_bytes(EN_SMALL.read_bytes())
    for name in ("empty.txt", "binary.dat", "whitespace.txt"):
        (folder / (name.split(".")[0] + ".txt")).write_bytes(BAD_FILES[name])
    proc = run_cli("corpus", folder, "-o", out)
    assert_success(proc)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert len(summary["pairs"]) == 1
    for bad in ("empty.txt", "binary.txt", "whitespace.txt"):
        assert f"skipped: {folder / bad}" in proc.stdout, proc.stdout
    assert not [p for p in snapshot(out) if p.endswith(".part")]


# --- Latin-1 / Windows-1252 -------------------------------------------------------------------------------------

CP1252_SV = ("Östersjöstaternas råd är ett forum för mellanstatligt samarbete – det grundades 1992 i Köpenhamn.\n\n"
             "”Vi välkomnar alla”, sade ordföranden. Avgiften är 20 € per år.\n")
CP1252_EN = ("The Council of the Baltic Sea States is a forum for intergovernmental cooperation – it was founded in "
             "1992 in Copenhagen.\n\n\"We welcome everyone\", said the chair. The fee is 20 € per year.\n")


def test_windows_1252_text_is_decoded(tmp_path, out, run_cli):
    """The issue: Latin-1/Windows-1252 is decoded when detectable (today: refused as not UTF-8)."""
    src = tmp_path / "sv-cp1252.txt"
    src.write_bytes(CP1252_SV.encode("cp1252"))
    tgt = tmp_path / "en.txt"
    tgt.write_text(CP1252_EN, "utf-8")
    proc = run_cli("pair", src, tgt, "-o", out / "x.jsonl", *LENGTH)
    assert_success(proc)
    text = " ".join(r["src"] for r in jsonl_rows(out / "x.jsonl"))
    assert "Östersjöstaternas råd" in text and "– det grundades" in text and "”Vi välkomnar alla”" in text
    assert "20 € per år" in text


def test_latin_1_text_is_decoded(tmp_path, out, run_cli):
    src = tmp_path / "sv-latin1.txt"
    src.write_bytes(CP1252_SV.replace("–", "-").replace("”", '"').replace("€", "kronor").encode("latin-1"))
    proc = run_cli("pair", src, EN_SMALL, "-o", out / "x.jsonl", *LENGTH)
    assert_success(proc)
    assert "Östersjöstaternas råd" in " ".join(r["src"] for r in jsonl_rows(out / "x.jsonl"))


# --- text that is odd but acceptable ----------------------------------------------------------------------------

def test_mixed_line_endings(tmp_path, out, run_cli):
    src = tmp_path / "mixed.txt"
    src.write_bytes(b"Line one ends here.\r\nLine two ends here.\rLine three ends here.\nLine four.\r\n")
    tgt = tmp_path / "sv.txt"
    tgt.write_bytes(b"Rad ett slutar h\xc3\xa4r.\nRad tv\xc3\xa5 slutar h\xc3\xa4r.\nRad tre slutar h\xc3\xa4r.\n"
                    b"Rad fyra.\n")
    proc = run_cli("pair", src, tgt, "-o", out / "x.jsonl", "--src-lang", "en", "--tgt-lang", "sv", *LENGTH)
    assert_success(proc)
    rows = jsonl_rows(out / "x.jsonl")
    assert_covers(rows, 4, 4)  # a lone \r is a line break like the others
    texts = [r["src"] for r in rows if r["src"]]
    assert not any("\r" in t for t in texts)
    assert " ".join(texts) == "Line one ends here. Line two ends here. Line three ends here. Line four."


def test_a_5000_character_line_without_punctuation_is_kept_whole(tmp_path, out, run_cli):
    rng = random.Random(5)
    words = []
    while sum(len(w) + 1 for w in words) < 5000:
        words.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyzåäö") for _ in range(rng.randint(2, 11))))
    line = " ".join(words)[:5000].rstrip()
    src = tmp_path / "long.txt"
    src.write_text(line + "\n", "utf-8")
    t0 = time.perf_counter()
    proc = run_cli("pair", src, SV_SMALL, "-o", out / "x.jsonl", "--src-lang", "sv", "--tgt-lang", "sv", *LENGTH)
    assert_success(proc)
    assert time.perf_counter() - t0 < 60
    rows = jsonl_rows(out / "x.jsonl")
    n = 1 + max(i for r in rows for i in r["src_ids"])
    assert_covers(rows, n, 1 + max(j for r in rows for j in r["tgt_ids"]))
    assert nonspace("".join(r["src"] for r in rows)) == nonspace(line)


@pytest.mark.parametrize("letters", ["абвгдежзийклмнопрстуфхцчшщъюя", "абвгдежзийклмнопрстуфхцчшщъюяaeopcx"])
def test_a_5000_character_word_in_a_text_with_two_scripts(tmp_path, out, letters, run_cli):
    # a glued token from a broken text layer, in a Bulgarian file that also names "CBSS": language detection
    # folds look-alike letters in every mixed-script word, and must do it in linear time (a pattern for
    # mixed words alone backtracked on a long single-script word: minutes for this one)
    rng = random.Random(7)
    glued = "".join(rng.choice(letters) for _ in range(5000))
    text = ("Министерството на вътрешните работи и CBSS организират конференция. " + glued + "\n\n"
            "Срещата ще се проведе следващия вторник в сградата на общината.\n")
    src = tmp_path / "bg.txt"
    src.write_text(text, "utf-8")
    t0 = time.perf_counter()
    proc = run_cli("pair", src, SV_SMALL, "-o", out / "x.jsonl", *LENGTH)
    assert_success(proc)
    assert time.perf_counter() - t0 < 60
    rows = jsonl_rows(out / "x.jsonl")
    assert nonspace("".join(r["src"] for r in rows)) == nonspace(text)


def test_the_same_file_as_source_and_target(tmp_path, out, run_cli):
    proc = run_cli("pair", SV_SMALL, SV_SMALL, "-o", out / "x.tmx", *LENGTH)
    assert_clean_failure(proc, SV_SMALL, out)
    assert "same file" in proc.stderr


@pytest.mark.parametrize("how", ["symlink", "relative", "hardlink"])
def test_the_same_file_under_another_name(tmp_path, out, how, run_cli):
    src = tmp_path / "a.txt"
    src.write_bytes(SV_SMALL.read_bytes())
    if how == "symlink":
        tgt = tmp_path / "b.txt"
        tgt.symlink_to(src)
    elif how == "hardlink":
        tgt = tmp_path / "b.txt"
        os.link(src, tgt)
    else:
        tgt = tmp_path / "sub" / ".." / "a.txt"
        (tmp_path / "sub").mkdir()
    proc = run_cli("pair", src, tgt, "-o", out / "x.tsv", *LENGTH)  # (TSV: no same-language refusal first)
    assert_clean_failure(proc, src.name, out)
    assert "same file" in proc.stderr


def test_source_and_target_in_the_same_language(tmp_path, out, run_cli):
    """Two English texts: fine for TSV (no languages in it); a TMX (which needs two) is refused, naming the files."""
    proc = run_cli("pair", EN, EN_SMALL, "-o", out / "x.tsv", *LENGTH)
    assert_success(proc)
    assert (out / "x.tsv").read_text("utf-8").strip()
    proc = run_cli("pair", EN, EN_SMALL, "-o", out / "y.tmx", "--src-lang", "en", "--tgt-lang", "en", *LENGTH)
    assert_clean_failure(proc, EN.name, out, {"x.tsv"})
    assert EN_SMALL.name in proc.stderr and "both sides are en" in proc.stderr


UNDETECTABLE = {
    "digits.txt": "1234 5678 % $$ 42\n99 -- 17 / 3.14 = 0,5 * 7\n#### ++++ 2021-05-24\n",
    "amharic.txt": "ሰላም ለዓለም። ይህ የአማርኛ ጽሑፍ ነው። ዛሬ ጥሩ ቀን ነው።\n",
    "cherokee.txt": "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᎠᏂᏴᏫ ᎤᎾᏛᏁᎵᏍᏗ ᏥᏄᏍᏗ ᎤᏂᏃᏅᎯ.\n",
}


@pytest.mark.parametrize("name", list(UNDETECTABLE))
def test_a_language_we_cannot_detect_is_a_clear_error(tmp_path, out, name, run_cli):
    src = tmp_path / name
    src.write_text(UNDETECTABLE[name], "utf-8")
    proc = run_cli("pair", src, EN_SMALL, "-o", out / "x.tmx", *LENGTH)
    assert_clean_failure(proc, src, out)
    assert "--src-lang" in proc.stderr


@pytest.mark.parametrize("name, lang", [("digits.txt", "sv"), ("amharic.txt", "am"), ("cherokee.txt", "chr")])
def test_a_language_we_cannot_detect_can_be_given(tmp_path, out, name, lang, run_cli):
    src = tmp_path / name
    src.write_text(UNDETECTABLE[name], "utf-8")
    proc = run_cli("pair", src, EN_SMALL, "-o", out / "x.jsonl", "--src-lang", lang, *LENGTH)
    assert_success(proc)
    rows = jsonl_rows(out / "x.jsonl")
    assert nonspace("".join(r["src"] for r in rows)) == nonspace(UNDETECTABLE[name])


def _many(k: int) -> str:
    rng = random.Random(k)
    words = "the of river mountain village walked quickly towards bright morning green house table".split()
    return "".join(" ".join(rng.choice(words) for _ in range(8)).capitalize() + f" number {i}.\n" for i in range(k))


@pytest.mark.parametrize("direction", ["1-500", "500-1"])
def test_one_sentence_against_five_hundred(tmp_path, out, direction, run_cli):
    one = tmp_path / "one.txt"
    one.write_text("Byn låg vid floden.\n", "utf-8")
    many = tmp_path / "many.txt"
    many.write_text(_many(500), "utf-8")
    src, tgt = (one, many) if direction == "1-500" else (many, one)
    proc = run_cli("pair", src, tgt, "-o", out / "x.jsonl", "--report", out / "r.html", *LENGTH)
    assert_success(proc)
    n, m = (1, 500) if direction == "1-500" else (500, 1)
    assert_covers(jsonl_rows(out / "x.jsonl"), n, m)
    assert "missing" in (out / "r.html").read_text("utf-8")


def _textberg_bundle() -> tuple[list[str], list[str], list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """Text+Berg's seven articles one after the other, with their gold links shifted to match."""
    from align.scoring import read_links

    de, fr, gold = [], [], []
    for doc in TEXTBERG_DOCS:
        di, fi = len(de), len(fr)
        de += textberg_sentences("de", doc)
        fr += textberg_sentences("fr", doc)
        gold += [(tuple(i + di for i in s), tuple(j + fi for j in t)) for s, t in read_links(TEXTBERG / "gold" / doc)]
    return de, fr, gold


@pytest.mark.slow
def test_a_100000_sentence_pair(tmp_path, out, run_cli):
    """101 copies of Text+Berg (100,091 / 102,111 sentences) through ``pair`` with a report: it finishes,
    covers every sentence once and aligns the long pair as well as one copy alone."""
    from align.aligners import LengthAligner
    from align.scoring import score

    de, fr, gold = _textberg_bundle()
    copies = 101
    src, tgt = tmp_path / "book.de.txt", tmp_path / "book.fr.txt"
    src.write_text("\n".join(de * copies) + "\n", "utf-8")
    tgt.write_text("\n".join(fr * copies) + "\n", "utf-8")
    n, m = len(de) * copies, len(fr) * copies
    assert n >= 100_000 and m >= 100_000
    proc = run_cli("pair", src, tgt, "--presplit", *LENGTH, "-o", out / "book.jsonl", "--report", out / "book.csv")
    assert_success(proc)
    rows = jsonl_rows(out / "book.jsonl")
    assert_covers(rows, n, m)
    assert (out / "book.csv").stat().st_size > 0
    long_gold = [(tuple(i + k * len(de) for i in s), tuple(j + k * len(fr) for j in t))
                 for k in range(copies) for s, t in gold]
    long = score([long_gold], [[(tuple(r["src_ids"]), tuple(r["tgt_ids"])) for r in rows]])
    one = score([gold], [[(l.src, l.tgt) for l in LengthAligner().align(de, fr)]])
    assert long["lax_f1"] >= one["lax_f1"] - 0.01 and long["strict_f1"] >= one["strict_f1"] - 0.01, (long, one)


# --- HTML and markup as document text ---------------------------------------------------------------------------

MARKUP_SV = ("<script>document.title='PWNED'</script> Välkommen till vår sida.\n\n"
             "Vi säljer <b onmouseover=\"alert('PWNED')\">böcker</b> och kartor. Priset är 120 kronor.\n\n"
             "<img src=x onerror=alert('PWNED')> Kontakta oss på <a href=\"javascript:alert('PWNED')\">sidan</a>.\n")
MARKUP_EN = ("<script>document.title='PWNED'</script> Welcome to our site.\n\n"
             "We sell <b onmouseover=\"alert('PWNED')\">books</b> and maps. The price is 150 kronor.\n\n"
             "<img src=x onerror=alert('PWNED')> Contact us on <a href=\"javascript:alert('PWNED')\">the page</a>.\n")


def test_markup_in_documents_is_escaped_in_the_html_report_and_kept_in_the_tmx(tmp_path, out, run_cli):
    src, tgt = tmp_path / "page.sv.txt", tmp_path / "page.en.txt"
    src.write_text(MARKUP_SV, "utf-8")
    tgt.write_text(MARKUP_EN, "utf-8")
    proc = run_cli("pair", src, tgt, "-o", out / "x.tmx", "--report", out / "r.html", *LENGTH)
    assert_success(proc)
    html = (out / "r.html").read_text("utf-8")
    assert "PWNED" in html  # the text is there...
    for raw in ("<script>document", "<b onmouseover", "<img src=x", "<a href=\"javascript"):
        assert raw not in html, raw  # ...but never as markup
    assert "&lt;script&gt;document.title=" in html
    from align.export import read_tmx

    _, units = read_tmx(out / "x.tmx")
    segs = " ".join(v for u in units for v in u.segments.values())
    assert "<script>document.title='PWNED'</script>" in segs and "<b onmouseover=\"alert('PWNED')\">" in segs


def test_markup_in_file_names_is_escaped_in_the_corpus_report(tmp_path, out, run_cli):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "<script>alert(1)<_script>.txt").write_bytes(SV_SMALL.read_bytes())
    (folder / "<img src=x onerror=alert(2)>.txt").write_bytes(EN_SMALL.read_bytes())
    proc = run_cli("corpus", folder, "-o", out)
    assert_success(proc)
    html = (out / "report.html").read_text("utf-8")
    assert "alert(1)" in html and "alert(2)" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html


# --- output paths -----------------------------------------------------------------------------------------------

ODD_NAMES = ["\\..\\..\\x.txt", "$(touch PWNED-cmd); `touch PWNED-tick` <b>en<_b>.txt"]


def test_odd_file_names_in_corpus_mode_write_only_inside_out(tmp_path, run_cli):
    folder = tmp_path / "work" / "in"
    folder.mkdir(parents=True)
    out = tmp_path / "work" / "out"
    (folder / ODD_NAMES[0]).write_bytes(SV.read_bytes())
    (folder / ODD_NAMES[1]).write_bytes(EN.read_bytes())
    before_tmp = snapshot(tmp_path)
    before_root = set(os.listdir(ROOT))
    proc = run_cli("corpus", folder, "-o", out)
    assert_success(proc)
    created = snapshot(tmp_path) - before_tmp
    assert created and all(p == "work/out" or p.startswith("work/out/") for p in created), sorted(created)
    names = sorted(p.split("/", 2)[2] for p in created if p.count("/") == 2)
    assert all("/" not in n and "\\" not in n and ".." not in n and not n.startswith(".") for n in names), names
    assert any(n.endswith(".sv-en.tmx") and not n.startswith("merged") for n in names), names
    assert not [p for p in os.listdir(ROOT) if "PWNED" in p or p == "x.txt"]
    assert set(os.listdir(ROOT)) - before_root <= {"out"}  # (never written by this test, but shared)
    assert not [p for p in tmp_path.rglob("PWNED-*") if p.name in ("PWNED-cmd", "PWNED-tick")]  # nothing ran


def test_documents_with_the_same_names_in_two_subfolders_do_not_overwrite_each_other(tmp_path, out, run_cli):
    """Nothing lost: two sv-en pairs, both named sv.txt / en.txt, in a/ and b/ must give two sets of outputs."""
    folder = tmp_path / "in"
    for sub, (sv, en) in {"a": (SV_SMALL, EN_SMALL), "b": (SV, EN)}.items():
        (folder / sub).mkdir(parents=True)
        (folder / sub / "sv.txt").write_bytes(sv.read_bytes())
        (folder / sub / "en.txt").write_bytes(en.read_bytes())
    proc = run_cli("corpus", folder, "-o", out)
    assert_success(proc)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert len(summary["pairs"]) == 2, summary["pairs"]
    tmx = [p["outputs"]["tmx"] for p in summary["pairs"]]
    assert len(set(tmx)) == 2, tmx  # today both pairs write sv__en.sv-en.tmx: the first one is overwritten
    texts = [Path(t).read_text("utf-8") for t in set(tmx)]
    assert any("Uppsala" in t for t in texts) and any("Östersjöstaternas" in t for t in texts)


def test_very_long_file_names_in_corpus_mode(tmp_path, out, run_cli):
    """Two 200-byte names: the pair's output name must still fit (255 bytes) instead of failing the run."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / ("å" * 100 + ".txt")).write_bytes(SV_SMALL.read_bytes())
    (folder / ("e" * 200 + ".txt")).write_bytes(EN_SMALL.read_bytes())
    proc = run_cli("corpus", folder, "-o", out)
    assert_success(proc)
    made = [p for p in out.iterdir() if p.suffix == ".tmx" and not p.name.startswith("merged")]
    assert len(made) == 1 and len(made[0].name.encode()) <= 255


def test_a_failed_report_leaves_no_output_behind(tmp_path, out, run_cli):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    proc = run_cli("pair", SV_SMALL, EN_SMALL, "-o", out / "x.tmx", "--report", blocker / "r.html", *LENGTH)
    assert_clean_failure(proc, blocker / "r.html", out)


# --- malformed and hostile TMX (align convert) ------------------------------------------------------------------

MALFORMED_TMX = {
    "unclosed.tmx": "<tmx version='1.4'><header srclang='en'/><body><tu><tuv xml:lang='en'><seg>x",
    "version.tmx": "<tmx version='1.1'><header srclang='en'/><body/></tmx>",
    "version2.tmx": "<tmx version='2.0'><header srclang='en'/><body><tu><tuv xml:lang='en'><seg>a</seg></tuv>"
                    "<tuv xml:lang='sv'><seg>b</seg></tuv></tu></body></tmx>",
    "noversion.tmx": "<tmx><header srclang='en'/><body/></tmx>",
    "nosrclang.tmx": "<tmx version='1.4'><header/><body><tu><tuv xml:lang='en'><seg>a</seg></tuv>"
                     "<tuv xml:lang='sv'><seg>b</seg></tuv></tu></body></tmx>",
    "nolang.tmx": "<tmx version='1.4'><header srclang='en'/><body><tu><tuv><seg>x</seg></tuv>"
                  "<tuv xml:lang='sv'><seg>y</seg></tuv></tu></body></tmx>",
    "notmx.tmx": "<?xml version='1.0'?><html><body>not a memory</body></html>",
    "empty.tmx": "",
    "text.tmx": "just some text, no XML at all\n",
}


@pytest.mark.parametrize("name", list(MALFORMED_TMX))
def test_malformed_tmx_is_one_line_exit_1(tmp_path, out, name, run_cli):
    bad = tmp_path / name
    bad.write_text(MALFORMED_TMX[name], "utf-8")
    proc = run_cli("convert", bad, out / "x.tsv")
    assert_clean_failure(proc, bad, out)


@pytest.fixture(scope="module")
def truncated_tmx(tmp_path_factory) -> Path:
    """3,000 good units, then the file stops in the middle of a segment: the writer has already streamed."""
    path = tmp_path_factory.mktemp("tmx") / "truncated.tmx"
    units = "".join(f"<tu><tuv xml:lang='en'><seg>Sentence {k}.</seg></tuv><tuv xml:lang='sv'><seg>Mening {k}."
                    "</seg></tuv></tu>" for k in range(3000))
    path.write_text("<?xml version='1.0'?><tmx version='1.4'><header srclang='en'/><body>" + units
                    + "<tu><tuv xml:lang='en'><seg>broken", "utf-8")
    return path


@pytest.mark.parametrize("ext", ["tmx", "tsv", "jsonl", "xlf", "xlsx", "moses"])
def test_a_tmx_broken_after_many_units_leaves_no_partial_output(out, truncated_tmx, ext, run_cli):
    proc = run_cli("convert", truncated_tmx, out / f"x.{ext}")
    assert_clean_failure(proc, truncated_tmx, out)


SECRET = "TOP SECRET 7f3a"


def _hostile_xml(tmp_path: Path, kind: str, fmt: str) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f"<!ENTITY ext SYSTEM 'file://{secret}'><!ENTITY inner '{SECRET}'>")
    root = "tmx" if fmt == "tmx" else "xliff"
    doctype = {
        "system-entity": f"<!DOCTYPE {root} [<!ENTITY ext SYSTEM 'file://{secret}'>]>",
        "external-dtd": f"<!DOCTYPE {root} SYSTEM 'file://{dtd}'>",
        "parameter-entity": f"<!DOCTYPE {root} [<!ENTITY % p SYSTEM 'file://{dtd}'> %p;]>",
    }[kind]
    ref = "&ext;" if kind == "system-entity" else "&inner;"
    if fmt == "tmx":
        body = (f"<tmx version='1.4'><header srclang='en'/><body><tu><tuv xml:lang='en'><seg>a {ref} b</seg></tuv>"
                "<tuv xml:lang='sv'><seg>c</seg></tuv></tu></body></tmx>")
    else:
        body = ("<xliff version='1.2' xmlns='urn:oasis:names:tc:xliff:document:1.2'><file original='x' "
                "source-language='en' target-language='sv' datatype='plaintext'><body><trans-unit id='1'>"
                f"<source>a {ref} b</source><target>c</target></trans-unit></body></file></xliff>")
    path = tmp_path / f"{kind}.{'tmx' if fmt == 'tmx' else 'xlf'}"
    path.write_text(f"<?xml version='1.0'?>{doctype}{body}", "utf-8")
    return path


@pytest.mark.parametrize("fmt", ["tmx", "xliff"])
@pytest.mark.parametrize("kind", ["system-entity", "external-dtd", "parameter-entity"])
def test_external_entities_are_never_resolved(tmp_path, out, kind, fmt, run_cli):
    """The memory is read, its entity reference kept as the text it is: nothing fetched, nothing lost."""
    path = _hostile_xml(tmp_path, kind, fmt)
    proc = run_cli("convert", path, out / "x.jsonl")
    assert_success(proc)
    assert SECRET not in proc.stderr and SECRET not in proc.stdout
    rows = jsonl_rows(out / "x.jsonl")
    ref = "&ext;" if kind == "system-entity" else "&inner;"
    assert [(r["src"], r["tgt"], r["src_lang"], r["tgt_lang"]) for r in rows] == [(f"a {ref} b", "c", "en", "sv")]


def _bomb(kind: str) -> str:
    if kind == "billion-laughs":
        ents = "<!ENTITY a0 'lol'>" + "".join(f"<!ENTITY a{k} '{f'&a{k - 1};' * 10}'>" for k in range(1, 10))
        ref = "&a9;"
    else:  # quadratic blow-up: one 100 kB entity used 20,000 times (2 GB), no nesting for a depth limit to see
        ents = f"<!ENTITY big '{'x' * 100_000}'>"
        ref = "&big;" * 20_000
    return (f"<?xml version='1.0'?><!DOCTYPE tmx [{ents}]><tmx version='1.4'><header srclang='en'/><body><tu>"
            f"<tuv xml:lang='en'><seg>{ref}</seg></tuv><tuv xml:lang='sv'><seg>c</seg></tuv></tu></body></tmx>")


@pytest.mark.parametrize("kind", ["billion-laughs", "quadratic"])
def test_entity_bombs_are_refused_fast(tmp_path, out, kind):
    """Refused as malformed (libxml2's amplification limit), in a subprocess: were the limit ever lifted,
    the expansion would take gigabytes from that process, not from the test run."""
    path = tmp_path / f"{kind}.tmx"
    path.write_text(_bomb(kind), "utf-8")
    t0 = time.perf_counter()
    proc = python_m_align("convert", path, out / "x.tsv", timeout=60)
    assert time.perf_counter() - t0 < 20
    assert_clean_failure(proc, path, out)
    assert "malformed TMX" in proc.stderr and "entity" in proc.stderr


# --- property-based tests ---------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Segment text as a TMX holds it: printable, no control characters, single spaces, no spaces at the ends.
_text_chars = st.characters(categories=("L", "M", "N", "P", "S"), exclude_characters="\ufffe\uffff")
_clean_text = st.lists(st.text(_text_chars, min_size=1, max_size=12), min_size=1, max_size=6).map(" ".join)


def _unicode_nfc(s: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", s)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(_clean_text, _clean_text), min_size=1, max_size=8),
       scores=st.lists(st.floats(0, 1), min_size=8, max_size=8))
def test_tmx_written_then_read_gives_back_the_same_pairs(tmp_path_factory, pairs, scores):
    from align.export import Bitext, Unit, read_bitext, write

    path = tmp_path_factory.mktemp("prop") / "x.sv-en.tmx"
    units = [Unit(s, t, round(scores[k], 3), "1-1", "a.sv.txt | a.en.txt") for k, (s, t) in enumerate(pairs)]
    assert write(Bitext("sv", "en", units), path, "tmx") == len(units)
    back = read_bitext(path)
    assert (back.src_lang, back.tgt_lang) == ("sv", "en")
    got = [(u.src, u.tgt, round(u.score, 3), u.link, u.document) for u in back]
    assert got == [(u.src, u.tgt, u.score, u.link, u.document) for u in units]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.tuples(_clean_text, _clean_text), min_size=1, max_size=8))
def test_alignment_written_as_tmx_and_read_with_read_tmx(tmp_path_factory, data):
    from align.documents import Alignment, Document, Link, Sentence
    from align.export import read_tmx, write

    src = Document("sv.txt", "sv.txt", "", "sv", [], [Sentence(s, 0, 0, i) for i, (s, _) in enumerate(data)])
    tgt = Document("en.txt", "en.txt", "", "en", [], [Sentence(t, 0, 0, i) for i, (_, t) in enumerate(data)])
    al = Alignment(src, tgt, [Link((i,), (i,), 0.5) for i in range(len(data))])
    path = tmp_path_factory.mktemp("prop") / "x.tmx"
    write(al, path, "tmx")
    _, units = read_tmx(path)
    assert [(u.segments["sv"], u.segments["en"]) for u in units] == data


_LETTERS = {
    "en": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "sv": "abcdefghijklmnopqrstuvwxyzåäöÅÄÖéABCDEFGHIJKLMNOPRSTUVWXYZ",
    "fi": "abcdefghijklmnoprstuvyäöÄÖåšžABCDEFGHIJKLMNOPRSTUVY",
    "bg": "абвгдежзийклмнопрстуфхцчшщъьюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЮЯ",
}
_ABBREVIATIONS = {"en": ["Mr.", "e.g.", "Dr.", "No.", "U.S."], "sv": ["t.ex.", "bl.a.", "s.k.", "kl.", "nr."],
                  "fi": ["esim.", "ns.", "mm.", "klo", "n."], "bg": ["т.е.", "г.", "ул.", "проф.", "т.нар."]}
_PUNCT = [".", "!", "?", "...", ",", ";", ":", "-", "–", "«", "»", "\"", "'", "(", ")", "”", "„", "1.", "24.5.2017",
          "§", "%", "…", "·"]
_SPACES = [" ", " ", " ", "  ", "\n", "\n\n", "\r\n", "\t", "\u00a0", " \n ", "-\n"]


@st.composite
def _random_text(draw, lang: str):
    letters = _LETTERS[lang]
    tokens = []
    for _ in range(draw(st.integers(1, 60))):
        kind = draw(st.integers(0, 9))
        if kind <= 5:
            word = draw(st.text(st.sampled_from(letters), min_size=1, max_size=10))
            tokens.append(word)
        elif kind == 6:
            tokens.append(draw(st.sampled_from(_ABBREVIATIONS[lang])))
        elif kind == 7:
            tokens.append(draw(st.sampled_from(_PUNCT)))
        else:
            tokens.append(str(draw(st.integers(0, 10_000))))
        tokens.append(draw(st.sampled_from(_SPACES)))
    return "".join(tokens)


@pytest.mark.parametrize("lang", ["bg", "sv", "en", "fi"])
def test_segmentation_never_loses_or_changes_non_whitespace(lang):
    from align.segment import segment

    @settings(max_examples=100, deadline=None)
    @given(text=_random_text(lang))
    def check(text):
        _, sentences = segment(text, lang)
        assert nonspace("".join(s.text for s in sentences)) == nonspace(_unicode_nfc(text))
        last = 0
        for s in sentences:  # in order, not overlapping, and each points at its own text
            assert last <= s.start <= s.end <= len(text)
            last = s.end
            assert nonspace(s.text) == nonspace(_unicode_nfc(text[s.start:s.end]))

    check()

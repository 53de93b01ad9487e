"""The CLI as a user runs it: outputs by extension, one-line errors, exit codes, no partial files."""

import json

import pytest

from .conftest import BG_EN, EN, ROOT, SV


def test_pair_writes_the_format_of_the_extension(tmp_path, run_cli):
    out = tmp_path / "sv-en.jsonl"
    report = tmp_path / "r.html"
    proc = run_cli("pair", SV, EN, "-o", out, "--report", report)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert {r["src_lang"] for r in rows} == {"sv"} and {r["tgt_lang"] for r in rows} == {"en"}
    dates = [r for r in rows if r["src"] == "24.5.2017"]
    assert dates and dates[0]["tgt"] == "24 May 2017"
    lonely = [r for r in rows if r["src"] == "Pressmeddelande 99/2017"]
    assert lonely and lonely[0]["tgt"] == "" and lonely[0]["link"] == "1-0"
    assert "<html" in report.read_text("utf-8")
    assert "pairs" in proc.stderr and "divergences" in proc.stderr


def test_pair_with_given_languages_and_length_method(tmp_path, run_cli):
    out = tmp_path / "x.tsv"
    proc = run_cli("pair", SV, EN, "-o", out, "--method", "length", "--src-lang", "sv", "--tgt-lang", "en")
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in out.read_text("utf-8").splitlines()]
    assert rows and all(len(r) == 4 and r[0] and r[1] for r in rows)  # LF Aligner: source, target, score, document


def test_links_format_on_presplit_input(tmp_path, run_cli):
    src = tmp_path / "de.txt"
    tgt = tmp_path / "fr.txt"
    src.write_text("Der Gipfel war hoch.\nWir stiegen langsam auf.\nOben war es kalt.\n", "utf-8")
    tgt.write_text("Le sommet était haut.\nNous sommes montés lentement.\nEn haut, il faisait froid.\n", "utf-8")
    out = tmp_path / "pred.links"
    proc = run_cli("pair", src, tgt, "--presplit", "--format", "links", "-o", out, "--src-lang", "de",
                   "--tgt-lang", "fr")
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().splitlines() == ["[0]:[0]", "[1]:[1]", "[2]:[2]"]


def test_presplit_links_count_blank_lines_as_gold_files_do(tmp_path, run_cli):
    src = tmp_path / "de.txt"
    tgt = tmp_path / "fr.txt"
    src.write_text("Der Gipfel war hoch.\n\nWir stiegen langsam auf.\nOben war es kalt.\n", "utf-8")
    tgt.write_text("Le sommet était haut.\nNous sommes montés lentement.\n\n\nEn haut, il faisait froid.\n", "utf-8")
    out = tmp_path / "pred.links"
    proc = run_cli("pair", src, tgt, "--presplit", "-o", out, "--src-lang", "de", "--tgt-lang", "fr")
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().splitlines() == ["[0]:[0]", "[2]:[1]", "[3]:[4]"]
    rows = [json.loads(line) for line in run_cli("pair", src, tgt, "--presplit", "--format", "jsonl", "--src-lang",
                                                 "de", "--tgt-lang", "fr").stdout.splitlines()]
    assert [(r["src_ids"], r["tgt_ids"], r["tgt"]) for r in rows][2] == ([3], [4], "En haut, il faisait froid.")
    review = tmp_path / "pair.review.json"
    assert run_cli("pair", src, tgt, "--presplit", "-o", review, "--src-lang", "de", "--tgt-lang", "fr").returncode == 0
    reviewed = tmp_path / "reviewed.links"
    proc = run_cli("export", review, "-o", reviewed)
    assert proc.returncode == 0, proc.stderr
    assert reviewed.read_text().splitlines() == ["[0]:[0]", "[2]:[1]", "[3]:[4]"]
    gold = tmp_path / "gold.links"
    gold.write_text("[0]:[0]\n[2]:[1]\n[3]:[4]\n")
    shifted = tmp_path / "shifted.links"
    shifted.write_text("[0]:[0]\n[2]:[1]\n[3]:[2]\n")
    proc = run_cli("eval", "--gold", gold, "--pred", shifted, "--errors", "--src", src, "--tgt", tgt)
    assert proc.returncode == 0, proc.stderr
    assert "Oben war es kalt." in proc.stdout and "En haut, il faisait froid." in proc.stdout


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x00\x01\x02\x03binary", "binary"),
    (bytes(range(0x80, 0xa0)) * 3, "not valid UTF-8"),
    (b"%PDF-1.4\n2 0 obj << /Type /Pages >>\n", "this is a PDF"),
])
def test_bad_input_is_one_line_exit_1_and_no_output(tmp_path, content, message, run_cli):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    out = tmp_path / "out.tmx"
    proc = run_cli("pair", bad, EN, "-o", out)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_usage_errors_exit_1(tmp_path, run_cli):
    for args in (["pair", SV], ["pair", SV, tmp_path / "missing.txt"], ["nonsense"],
                 ["pair", SV, EN, "-o", tmp_path / "x.docx"], ["pair", SV, SV, "-o", tmp_path / "x.tsv"],
                 ["corpus", tmp_path / "nowhere"]):
        proc = run_cli(*args)
        assert proc.returncode == 1, (args, proc.stderr)
        assert proc.stderr.strip() and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_reported(tmp_path, run_cli):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_cli("pair", SV, EN, "-o", blocker / "sub" / "x.tmx")
    assert proc.returncode == 1 and "cannot write" in proc.stderr


def test_help_and_version(run_cli):
    proc = run_cli("--help")
    assert proc.returncode == 0 and "corpus" in proc.stdout and "pair" in proc.stdout
    assert run_cli("--version").stdout.startswith("align ")


def test_split_writes_one_file_per_language(tmp_path, run_cli):
    proc = run_cli("split", BG_EN, "-o", tmp_path)
    assert proc.returncode == 0, proc.stderr
    bg = (tmp_path / "002_0c6536e51e6a9bb8.bg.txt").read_text("utf-8")
    en = (tmp_path / "002_0c6536e51e6a9bb8.en.txt").read_text("utf-8")
    assert bg.startswith("Mеждународна") and "(English below)" in bg and "European Migration" not in bg
    assert en.startswith("European Migration Network Annual Conference")


def test_check_writes_markdown_report(tmp_path, run_cli):
    out = tmp_path / "r.md"
    proc = run_cli("check", SV, EN, "-o", out)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text("utf-8")
    assert "missing-in-target" in text and "Pressmeddelande 99/2017" in text


def test_check_writes_csv_report(tmp_path, run_cli):
    import csv

    out = tmp_path / "r.csv"
    proc = run_cli("check", SV, EN, "-o", out)
    assert proc.returncode == 0, proc.stderr
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    kinds = {r["kind"] for r in rows}
    assert {"missing-in-target", "duplicate", "other-language"} <= kinds
    block = next(r for r in rows if r["kind"] == "missing-in-target" and "Ytterligare" in r["source_text"])
    assert block["severity"] == "error" and block["source_line"] == "20" and block["target_text"] == ""


def test_eval_lists_where_a_prediction_differs_with_its_sentences(tmp_path, run_cli):
    data = ROOT / "eval" / "data" / "textberg"
    gold = (data / "gold" / "003").read_text("utf-8").splitlines()
    moved = gold.index("[10]:[11]")
    pred = tmp_path / "pred"
    pred.write_text("\n".join(gold[:moved] + ["[10]:[]", "[]:[11]"] + gold[moved + 1:]) + "\n", "utf-8")
    proc = run_cli("eval", "--gold", data / "gold" / "003", "--pred", pred, "--errors",
                   "--src", data / "de" / "003", "--tgt", data / "fr" / "003")
    assert proc.returncode == 0, proc.stderr
    de10 = (data / "de" / "003").read_text("utf-8").splitlines()[10].strip()
    assert "1 places differ, 2 wrong links, 1 gold links not found" in proc.stdout
    assert "gold [10]:[11]" in proc.stdout and "pred [10]:[]" in proc.stdout and de10[:40] in proc.stdout
    assert proc.stdout.count("    src ") == 1 and proc.stdout.count("    tgt ") == 1
    bad = tmp_path / "bad"
    bad.write_text("[1]:[2]\nnot a link\n", "utf-8")
    for args in (["--pred", bad], ["--pred", pred, "--src", data / "de" / "003"],
                 ["--pred", pred, "--errors", "--src", data / "de" / "003", "--src", data / "de" / "004"]):
        proc = run_cli("eval", "--gold", data / "gold" / "003", *args)
        assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, (args, proc.stderr)
        assert "Traceback" not in proc.stderr

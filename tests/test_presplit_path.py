"""The benchmarks and ``align pair --presplit`` share one code path (issue 21: a bug only the CLI met)."""

from __future__ import annotations

from typer.testing import CliRunner

from align.pipeline import read_presplit
from align.scoring import read_links


def test_presplit_lines_are_sentences_of_one_paragraph_and_blank_lines_keep_their_numbers(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("Erster Satz.\nZweiter  Satz.\n\n\nDritter Satz.\n", encoding="utf-8")
    doc = read_presplit(path, "de")
    assert [s.text for s in doc.sentences] == ["Erster Satz.", "Zweiter Satz.", "Dritter Satz."]
    # consecutive lines share a paragraph (one paragraph per line made every merge cross a paragraph break)
    assert [s.paragraph for s in doc.sentences] == [0, 0, 1]
    assert doc.ids == [0, 1, 4] and len(doc.paragraphs) == 2
    assert doc.text[doc.sentences[2].start:doc.sentences[2].end] == "Dritter Satz."


def test_benchmark_and_cli_give_identical_links(tmp_path, _cache_dir):
    # eval.textberg's path (run_doc: read_presplit, make_aligner, align_documents) and the CLI, in process
    from align.cli import app
    from eval.textberg import DATA, make_method, run_doc

    setup = make_method("embedding", cache=True)
    row = run_doc("005", "embedding", *setup, tmp_path / "bench")
    out = tmp_path / "cli.links"
    result = CliRunner().invoke(app, ["pair", str(DATA / "de" / "005"), str(DATA / "fr" / "005"), "--presplit",
                                      "--format", "links", "-o", str(out), "--src-lang", "de", "--tgt-lang", "fr"])
    assert result.exit_code == 0, result.output
    bench = read_links(tmp_path / "bench" / "embedding" / "005")
    assert read_links(out) == bench and len(bench) > 30
    assert row.prf()["strict"][2] > 0.85

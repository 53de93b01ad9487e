"""The benchmarks and ``align pair --presplit`` share one code path (issue 21: a bug only the CLI met)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from align.pipeline import read_presplit
from align.scoring import read_links

from .conftest import ROOT, TEXTBERG


def test_presplit_lines_are_sentences_of_one_paragraph_and_blank_lines_keep_their_numbers(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("Erster Satz.\nZweiter  Satz.\n\n\nDritter Satz.\n", encoding="utf-8")
    doc = read_presplit(path, "de")
    assert [s.text for s in doc.sentences] == ["Erster Satz.", "Zweiter Satz.", "Dritter Satz."]
    # consecutive lines share a paragraph (one paragraph per line made every merge cross a paragraph break)
    assert [s.paragraph for s in doc.sentences] == [0, 0, 1]
    assert doc.ids == [0, 1, 4] and len(doc.paragraphs) == 2
    assert doc.text[doc.sentences[2].start:doc.sentences[2].end] == "Dritter Satz."


# eval.textberg's own path on one document (run_doc: read_presplit, make_aligner, align_documents), run as the
# benchmark runs, in its own interpreter (the suite does not import eval/); it writes DIR/embedding/005
_BENCHMARK_ONE_DOC = """
import sys
from pathlib import Path
from eval.textberg import make_method, run_doc
row = run_doc("005", "embedding", *make_method("embedding", cache=True), Path(sys.argv[1]))
print(row.prf()["strict"][2])
"""


@pytest.mark.slow
def test_benchmark_and_cli_give_identical_links(tmp_path, run_cli):
    bench_dir = tmp_path / "bench"
    proc = subprocess.run([sys.executable, "-c", _BENCHMARK_ONE_DOC, str(bench_dir)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)  # (the session's embedding cache: ALIGN_CACHE_DIR is inherited)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "cli.links"
    result = run_cli("pair", TEXTBERG / "de" / "005", TEXTBERG / "fr" / "005", "--presplit", "--format", "links",
                     "-o", out, "--src-lang", "de", "--tgt-lang", "fr")
    assert result.returncode == 0, result.stderr
    bench = read_links(bench_dir / "embedding" / "005")
    assert read_links(out) == bench and len(bench) > 30
    assert float(proc.stdout.split()[-1]) > 0.85  # the benchmark's strict F1 on this document

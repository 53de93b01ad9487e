"""The public Python API (``align``): the README's example runs, and the CLI gives what the calls give."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import align
from align.errors import InputError

from .conftest import EN, ROOT, SV


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_is_at_most_three_lines_and_writes_what_align_pair_writes(tmp_path, monkeypatch,
                                                                                       run_cli):
    code = _readme_example()
    assert len(code.strip().splitlines()) <= 3
    (tmp_path / "seeds").mkdir()
    for path in (SV, EN):
        shutil.copy(path, tmp_path / "seeds" / path.name)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    api_units = [(u.src, u.tgt, u.score, u.link) for u in align.read_memory(tmp_path / "pairs.tmx")]
    cli = run_cli("pair", SV, EN, "-o", tmp_path / "cli.tmx")
    assert cli.returncode == 0, cli.stderr
    cli_units = [(u.src, u.tgt, u.score, u.link) for u in align.read_memory(tmp_path / "cli.tmx")]
    assert api_units == cli_units and len(api_units) == 14


def test_the_calls_give_what_the_cli_prints(run_cli):
    """read_pair, make_aligner, align_and_check and write to standard output: align pair's own path."""
    a, b = align.read_pair(SV, EN)
    result = align.align_and_check(a, b, align.make_aligner("length"))
    import io
    import sys

    buf, saved = io.StringIO(), sys.stdout
    sys.stdout = buf
    try:
        n = align.write(result, "-", "jsonl")
    finally:
        sys.stdout = saved
    cli = run_cli("pair", SV, EN, "--method", "length", "--format", "jsonl")
    assert cli.returncode == 0, cli.stderr
    assert buf.getvalue() == cli.stdout and n == len(result.alignment.links)
    assert align.check(result.alignment) == result.divergences


def test_a_list_of_sentences_is_a_document_numbered_by_position():
    doc = align.read(["Hej på dig.", "", "Hur mår du?\nBra."], "sv")
    assert [s.text for s in doc.sentences] == ["Hej på dig.", "Hur mår du? Bra."]
    assert doc.ids == [0, 2] and [s.paragraph for s in doc.sentences] == [0, 1] and doc.lang == "sv"
    with pytest.raises(InputError, match="no sentences"):
        align.read(["", "  "], "sv")


def test_sentence_lists_align_and_links_name_their_positions(tmp_path):
    sv = ["Regeringen sammanträder i dag.", "", "Mötet börjar klockan tio.", "Det slutar vid lunch."]
    en = ["The government meets today.", "The meeting starts at ten.", "It ends at lunch."]
    al = align.align(align.read(sv, "sv"), align.read(en, "en"), "length")
    assert align.write(al, tmp_path / "x.links") == len(al.links)
    lines = (tmp_path / "x.links").read_text().splitlines()
    assert "[2]:[1]" in lines and "[3]:[2]" in lines  # list positions, the blank one counted


def test_read_pair_refuses_one_file_twice_before_reading_it(tmp_path, monkeypatch):
    import align.pipeline as pipeline

    calls = []
    monkeypatch.setattr(pipeline, "load_one", lambda *a, **k: calls.append(a) or pytest.fail("read"))
    link = tmp_path / "link.txt"
    link.symlink_to(SV)
    with pytest.raises(InputError, match="same file"):
        align.read_pair(SV, link)
    assert calls == []


def test_read_pair_stops_at_a_source_without_sentences_before_reading_the_target(monkeypatch):
    import align.pipeline as pipeline
    from align.documents import Document

    read = []

    def load_one(path, *args, **kwargs):  # the source reads as no sentences at all (a page of markup, say)
        read.append(Path(path).name)
        return Document(str(path), Path(path).name, "<p></p>", "sv")

    monkeypatch.setattr(pipeline, "load_one", load_one)
    with pytest.raises(InputError, match="001_acca24cc4dc759c1.txt: no sentences found"):
        align.read_pair(SV, EN)
    assert read == [SV.name]


def test_both_aligners_are_aligners_with_params():
    from align.aligners import Aligner, EmbeddingAligner, EmbeddingParams, LengthAligner

    length = align.make_aligner("length")
    assert isinstance(length, Aligner) and length.params is None and length.encoder is None
    embedding = EmbeddingAligner(encoder=None, params=EmbeddingParams(skip=-0.5))
    assert isinstance(embedding, Aligner) and embedding.params.skip == -0.5
    assert isinstance(LengthAligner(), Aligner)
    with pytest.raises(InputError, match="unknown method"):
        align.make_aligner("words")


def test_write_report_takes_the_format_from_the_extension(tmp_path):
    result = align.align_and_check(*align.read_pair(SV, EN), align.make_aligner("length"))
    align.write_report(tmp_path / "r.json", [result])
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert len(data["divergences"]) == len(result.divergences) and data["source"]["lang"] == "sv"
    align.write_report(tmp_path / "r.md", [result, result])
    assert (tmp_path / "r.md").read_text(encoding="utf-8").count("## 001_") == 2
    with pytest.raises(InputError, match="one pair"):
        align.write_report(tmp_path / "two.json", [result, result])
    with pytest.raises(InputError, match="must end in"):
        align.write_report(tmp_path / "r.txt", [result])
    assert not (tmp_path / "two.json").exists()


def test_write_refuses_what_is_not_an_alignment_and_a_missing_folder(tmp_path):
    with pytest.raises(align.InputError, match="write takes"):
        align.write("some text", tmp_path / "x.tmx")
    with pytest.raises(align.InputError, match="no such folder"):
        align.write("some text", tmp_path / "no" / "x.tmx")
    assert not (tmp_path / "no").exists() and not (tmp_path / "x.tmx").exists()

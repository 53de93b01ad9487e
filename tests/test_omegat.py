"""A real CAT tool uses our TMX: OmegaT 3.6 (Debian's ``omegat``), headless, on throw-away projects.

For each seed pair the project's source file holds one side of the aligned
pairs (one segment per paragraph), ``tm/auto/`` holds our TMX, and after
``--mode=console-translate`` the target file must equal the other side: every
segment got a 100 % match. OmegaT exits 0 even when it rejects a TMX, so its
log is read too. The Bulgarian pair needs ``--srx`` with OmegaT's own rules
(extracted from the jar): its default rules break after "2018 г." where our
Bulgarian splitter does not.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from .conftest import EN, ROOT, SV, invoke_cli

pytestmark = pytest.mark.omegat
JAR = Path(os.environ.get("OMEGAT_JAR", "/usr/share/omegat/OmegaT.jar"))
RULES = "org/omegat/core/segmentation/defaultRules.srx"


@pytest.fixture(scope="module", autouse=True)
def _omegat_installed():
    """The README's test command installs it: a missing CAT tool is a failure, not a reason to skip
    (a fixture, not an import-time check, so that ``-m "not omegat"`` runs without it)."""
    if not JAR.is_file() or not shutil.which("java"):
        pytest.fail(f"OmegaT is not installed ({JAR}): apt-get install omegat", pytrace=False)


PROJECT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<omegat><project version="1.0">
  <source_dir>__DEFAULT__</source_dir><target_dir>__DEFAULT__</target_dir><tm_dir>__DEFAULT__</tm_dir>
  <glossary_dir>__DEFAULT__</glossary_dir><glossary_file>__DEFAULT__</glossary_file>
  <dictionary_dir>__DEFAULT__</dictionary_dir>
  <source_lang>{src}</source_lang><target_lang>{tgt}</target_lang>
  <source_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</source_tok>
  <target_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</target_tok>
  <sentence_seg>true</sentence_seg><support_default_translations>true</support_default_translations>
  <remove_tags>false</remove_tags>
</project></omegat>
"""


@pytest.fixture(scope="module")
def omegat_srx(tmp_path_factory) -> Path:
    """OmegaT's default segmentation rules, taken from its jar."""
    path = tmp_path_factory.mktemp("srx") / "defaultRules.srx"
    with zipfile.ZipFile(JAR) as jar:
        path.write_bytes(jar.read(RULES))
    return path


def translate_with_omegat(workdir: Path, tmx: Path, src_lang: str, tgt_lang: str, pairs: list[tuple[str, str]]):
    """Run OmegaT console-translate; return (target file text, expected text, OmegaT's output)."""
    project = workdir / "project with spaces"
    for sub in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (project / sub).mkdir(parents=True)
    (project / "omegat.project").write_text(PROJECT.format(src=src_lang, tgt=tgt_lang), "utf-8")
    (project / "source" / "doc.txt").write_text("\n\n".join(s for s, _ in pairs) + "\n", "utf-8")
    shutil.copy(tmx, project / "tm" / "auto" / tmx.name)
    config = workdir / "config"  # never the user's own OmegaT settings
    config.mkdir()
    proc = subprocess.run(["java", "-jar", str(JAR), str(project), "--mode=console-translate",
                           f"--config-dir={config}"], capture_output=True, text=True, timeout=120)
    log = proc.stdout + proc.stderr
    for logfile in config.rglob("*.log"):
        log += logfile.read_text("utf-8", errors="replace")
    assert proc.returncode == 0, log[-3000:]
    target = project / "target" / "doc.txt"
    assert target.is_file(), log[-3000:]
    return target.read_text("utf-8"), "\n\n".join(t for _, t in pairs) + "\n", log


def _tsv_pairs(path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [(r[0], r[1]) for r in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]


def _assert_clean_log(log: str, tmx: Path) -> None:
    lowered = log.lower()
    for bad in ("exception", "error", "cannot", "invalid", "warning: tmx"):
        hits = [line for line in log.splitlines() if bad in line.lower() and tmx.name.lower() in line.lower()]
        assert not hits, hits
    assert "severe" not in lowered, log[-3000:]


@pytest.fixture(scope="module")
def srx_corpus(tmp_path_factory, omegat_srx, _cache_dir):
    out = tmp_path_factory.mktemp("srx-out")
    proc = invoke_cli("corpus", "seeds", "-o", out, "--srx", omegat_srx)  # (a module fixture: no run_cli)
    assert proc.returncode == 0, proc.stderr
    return json.loads((out / "summary.json").read_text("utf-8"))


@pytest.mark.parametrize("langs", ["sv-en", "bg-en"])
def test_omegat_translates_the_source_side_into_the_target_side(tmp_path, srx_corpus, langs):
    entry = next(p for p in srx_corpus["pairs"] if p["languages"] == langs)
    tmx = Path(entry["outputs"]["tmx"])
    pairs = _tsv_pairs(entry["outputs"]["tsv"])
    assert len(pairs) >= 7
    src, tgt = langs.split("-")
    got, want, log = translate_with_omegat(tmp_path, tmx, src, tgt, pairs)
    _assert_clean_log(log, tmx)
    assert got == want


def test_swedish_needs_no_srx(tmp_path, run_cli):
    """With our own segmentation the Swedish pair already matches OmegaT's segments."""
    from align.export import read_bitext

    tmx = tmp_path / "sv-en.tmx"
    proc = run_cli("pair", SV, EN, "-o", tmx)
    assert proc.returncode == 0, proc.stderr
    pairs = [(u.src, u.tgt) for u in read_bitext(tmx)]
    work = tmp_path / "work"
    got, want, log = translate_with_omegat(work, tmx, "sv", "en", pairs)
    _assert_clean_log(log, tmx)
    assert got == want


def test_omegat_only_matches_what_it_segments_alike(tmp_path, omegat_srx):
    """Without --srx the Bulgarian TMX misses: the test above is not passing by accident."""
    from align.srx import SrxRules

    rules = SrxRules.load(omegat_srx)
    text = "Тази сутрин бе открита годишната конференция за 2018 г. на Европейската мрежа по миграция."
    assert len(rules.segments(text, "bg")) == 2


@pytest.mark.parametrize("seed, lang", [("002_0c6536e51e6a9bb8.txt", "bg"), ("001_acca24cc4dc759c1.txt", "sv")])
def test_srx_engine_cuts_exactly_where_omegat_does(tmp_path, omegat_srx, seed, lang):
    """OmegaT's own segments (a pseudo-translated TMX of the seed) equal our engine's with OmegaT's rules."""
    import re

    from lxml import etree

    from align.srx import SrxRules

    text = (ROOT / "seeds" / seed).read_text("utf-8")
    project = tmp_path / "p"
    for sub in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (project / sub).mkdir(parents=True)
    (project / "omegat.project").write_text(PROJECT.format(src=lang, tgt="en"), "utf-8")
    (project / "source" / seed).write_text(text, "utf-8")
    (tmp_path / "config").mkdir()
    pseudo = tmp_path / "pseudo.tmx"
    proc = subprocess.run(["java", "-jar", str(JAR), str(project), "--mode=console-createpseudotranslatetmx",
                           f"--pseudotranslatetmx={pseudo}", "--pseudotranslatetype=equal",
                           f"--config-dir={tmp_path / 'config'}"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and pseudo.is_file(), proc.stdout[-2000:]
    theirs = {tu.find("tuv").findtext("seg") for tu in etree.parse(str(pseudo)).iter("tu")}
    rules = SrxRules.load(omegat_srx)
    # OmegaT's text filter makes a paragraph of each block between blank lines
    ours = {s for block in re.split(r"\n[ \t]*\n", text) for s in rules.segments(block.strip("\n"), lang)}
    assert len(theirs) > 10
    assert ours == theirs

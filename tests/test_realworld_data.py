"""The real-document benchmark's data is well-formed (no model, no alignment: a second or two).

Why: ``python -m eval.realworld`` trusts these files; a pair without its source, a one-sided passage that is
not in its file, or a verdict that is neither real nor false would silently skew the figures issue 19 asks for.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from .conftest import ROOT

DATA = ROOT / "eval" / "data" / "realworld"
VERDICTS = DATA / "verdicts.jsonl"
META = sorted(DATA.glob("*/meta.json"))

# eval.realworld's own key and loader, run in their own interpreter (the suite does not import eval/):
# stdin a JSON list of [pair, kind, src, tgt]; stdout their keys and the number of verdicts load_verdicts keeps
_KEYS = """
import json, sys
from eval.realworld import load_verdicts, verdict_key
rows = json.load(sys.stdin)
print(json.dumps({"keys": [verdict_key(*r) for r in rows], "loaded": len(load_verdicts())}))
"""
_WHITESPACE = [["p", "number-mismatch", "a  b\n c", "x"], ["p", "number-mismatch", "a b c", " x "],
               ["p", "url-mismatch", "a b c", "x"], ["p", "number-mismatch", "a b c", "y"]]


def _meta(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_enough_pairs_languages_and_one_sided_pairs():
    metas = [_meta(p) for p in META]
    assert len(metas) >= 20
    assert len({tuple(sorted((m["src"]["lang"], m["tgt"]["lang"]))) for m in metas}) >= 8
    one_sided = [m for m in metas if not m["in_sync"] and m["one_sided"]]
    assert len(one_sided) >= 6
    assert sum(m["in_sync"] for m in metas) > len(metas) / 2  # mostly in-sync translations


def test_every_pair_names_its_sources_and_licence():
    for path in META:
        m = _meta(path)
        assert isinstance(m["in_sync"], bool) and m["licence"], path
        assert m["in_sync"] or m["one_sided"], f"{path}: an out-of-sync pair says what is one-sided"
        for side in ("src", "tgt"):
            s = m[side]
            assert (path.parent / s["file"]).is_file(), path
            assert re.fullmatch(r"[a-z]{2}", s["lang"]), path
            assert s["repo"].count("/") == 1 and s["path"] and re.fullmatch(r"[0-9a-f]{40}", s["commit"]), path
    assert (DATA / "LICENSES.md").is_file()


def test_known_one_sided_passages_are_in_their_files():
    for path in META:
        m = _meta(path)
        for exp in m.get("expected", []):
            text = (path.parent / m[exp["side"]]["file"]).read_text(encoding="utf-8")
            assert exp["text"] in text, f"{path}: {exp['text']!r} is not in the {exp['side']} file"


def _lines() -> list[dict]:
    return [json.loads(line) for line in VERDICTS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def benchmark_keys() -> dict:
    rows = [[v["pair"], v["kind"], v["src"], v["tgt"]] for v in _lines()] + _WHITESPACE
    proc = subprocess.run([sys.executable, "-c", _KEYS], cwd=ROOT, input=json.dumps(rows), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr  # load_verdicts exits on a verdict other than real/false
    return json.loads(proc.stdout)


def test_verdicts_are_well_formed_and_keyed_on_their_texts(benchmark_keys):
    pairs = {p.parent.name for p in META}
    lines = _lines()
    assert lines and all(v["verdict"] in ("real", "false") for v in lines)
    assert benchmark_keys["loaded"] == len(lines), "one line per key"
    for v, key in zip(lines, benchmark_keys["keys"]):
        assert re.fullmatch(r"[0-9a-f]{16}", v["key"]) and v["pair"] in pairs and v["kind"], v
        assert v["severity"] in ("error", "warning", "note") and v["reason"], v
        assert v["key"] == key, v


def test_verdict_key_ignores_whitespace_but_not_text_or_kind(benchmark_keys):
    k, spaced, other_kind, other_text = benchmark_keys["keys"][-4:]
    assert k == spaced and k != other_kind and k != other_text

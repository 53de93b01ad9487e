"""The real-document benchmark's data is well-formed (no model, no alignment: runs in well under a second).

Why: ``python -m eval.realworld`` trusts these files; a pair without its source, a one-sided passage that is
not in its file, or a verdict that is neither real nor false would silently skew the figures issue 19 asks for.
"""

from __future__ import annotations

import json
import re

from eval.realworld import DATA, VERDICTS, load_pairs, load_verdicts, verdict_key

META = sorted(DATA.glob("*/meta.json"))


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


def test_verdicts_are_well_formed_and_keyed_on_their_texts():
    pairs = {p.name for p in load_pairs()}
    verdicts = load_verdicts()  # raises on a verdict other than real/false
    assert verdicts
    lines = [json.loads(line) for line in VERDICTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == len(verdicts), "one line per key"
    for v in lines:
        assert re.fullmatch(r"[0-9a-f]{16}", v["key"]) and v["pair"] in pairs and v["kind"], v
        assert v["severity"] in ("error", "warning", "note") and v["reason"], v
        assert v["key"] == verdict_key(v["pair"], v["kind"], v["src"], v["tgt"]), v


def test_verdict_key_ignores_whitespace_but_not_text_or_kind():
    k = verdict_key("p", "number-mismatch", "a  b\n c", "x")
    assert k == verdict_key("p", "number-mismatch", "a b c", " x ")
    assert k != verdict_key("p", "url-mismatch", "a b c", "x")
    assert k != verdict_key("p", "number-mismatch", "a b c", "y")

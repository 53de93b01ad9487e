"""A long real document through ``align pair``: each stage's share, plain text against ``--presplit``.

    python -m eval.longdoc                         # the handbook pair of eval/data/long (10,544 / 10,886 sentences)
    python -m eval.longdoc --src A.txt --tgt B.txt # another pair
    python -m eval.longdoc --only plain            # one mode
    python -m eval.longdoc --langid cold           # a first run: embeddings from the cache, language id not

The pair runs twice, each time in a fresh child process, through the library calls ``align pair`` makes
(``make_encoder``, ``pipeline.load_one`` or ``pipeline.read_presplit``, ``make_aligner``, ``run_pair`` with
the default check selection, ``export.write`` to TSV): first as plain text; then the sentences that
run found are written one per line (a blank line between paragraphs) and run again with ``--presplit``.
Each stage is timed where it is called, exclusively (the encoder's calls inside the aligner and the checks
count as embedding, not as alignment or checks): read, language id (paragraph labels, language parts,
document language, the sentences in other languages), segmentation, embedding, alignment, checks and
writing. Wall and CPU seconds (user + system of the whole process, all threads; a shared machine disturbs
CPU seconds less), peak RSS and the 1-minute load average are printed. Embeddings come from the on-disk
cache as in ``align pair`` (the first run of a new pair embeds everything: run it twice to time the rest).
Language id reads lingua's answers from its disk cache too, unless ``--langid cold``: then both runs use a
cache folder holding everything of the real one but ``langid.sqlite`` (and write their own there), so lingua
scores every text as on a first run. What lingua was asked (``langid.WORK``) is printed with each run.
``--second-opinion-share`` sets ``langid.SECOND_OPINION_MIN_SHARE`` in both runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LONG = ROOT / "eval" / "data" / "long"
STAGES = ["read", "language id", "segmentation", "embedding", "alignment", "checks", "writing"]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Timer:
    """Exclusive wall and CPU seconds per stage: a timed call inside another is charged to its own stage."""

    def __init__(self) -> None:
        self.wall = dict.fromkeys(STAGES, 0.0)
        self.cpu = dict.fromkeys(STAGES, 0.0)
        self.stack: list[list[float]] = []  # [wall, cpu] of timed calls nested in the current one

    def wrap(self, stage: str, fn):
        def timed(*args, **kwargs):
            self.stack.append([0.0, 0.0])
            t, c = time.perf_counter(), _cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - t, _cpu() - c
                inner = self.stack.pop()
                self.wall[stage] += wall - inner[0]
                self.cpu[stage] += cpu - inner[1]
                if self.stack:
                    self.stack[-1][0] += wall
                    self.stack[-1][1] += cpu

        return timed


def _instrument(timer: Timer, encoder) -> None:
    """Time the stages where ``pipeline`` and ``run_pair`` call them (module attributes, as they look them up)."""
    from align import langid, pipeline

    pipeline.read_text = timer.wrap("read", pipeline.read_text)
    pipeline.segment = timer.wrap("segmentation", pipeline.segment)
    pipeline.check_alignment = timer.wrap("checks", pipeline.check_alignment)
    for name in ("label_paragraphs", "language_runs", "document_language", "other_languages", "detect"):
        setattr(langid, name, timer.wrap("language id", getattr(langid, name)))
    encoder.encode = timer.wrap("embedding", encoder.encode)


def _cold_cache(real: Path, work: Path) -> Path:
    """A cache folder with everything of ``real`` (links) except lingua's answers: language id starts cold."""
    cold = work / "cache-langid-cold"
    shutil.rmtree(cold, ignore_errors=True)
    cold.mkdir(parents=True)
    for entry in real.iterdir() if real.is_dir() else []:
        if not entry.name.startswith("langid.sqlite"):
            (cold / entry.name).symlink_to(entry.resolve())
    return cold


def child(mode: str, src: Path, tgt: Path, out: Path, presplit_dir: Path, share: float | None = None) -> dict:
    """One run of the pair as ``align pair`` makes it; writes the presplit files after a plain run."""
    from align import langid, pipeline
    from align.checks import selection
    from align.encoders import make_encoder
    from align.export import write

    if share is not None:
        langid.SECOND_OPINION_MIN_SHARE = share
    timer = Timer()
    t0, c0 = time.perf_counter(), _cpu()
    encoder = make_encoder()
    _instrument(timer, encoder)
    if mode == "plain":
        a, b = pipeline.load_one(src), pipeline.load_one(tgt)
    else:
        a, b = (timer.wrap("read", pipeline.read_presplit)(presplit_dir / p.name) for p in (src, tgt))
    aligner = pipeline.make_aligner("embedding", encoder)
    aligner.align = timer.wrap("alignment", aligner.align)
    result = pipeline.run_pair(a, b, aligner, selection())
    timer.wrap("writing", write)(result.alignment, out, "tsv")
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    if mode == "plain":
        for doc, path in ((a, src), (b, tgt)):
            lines, prev = [], None
            for s in doc.sentences:
                if prev is not None and s.paragraph != prev:
                    lines.append("")
                lines.append(s.text)
                prev = s.paragraph
            (presplit_dir / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"mode": mode, "sentences": [len(a.sentences), len(b.sentences)], "langs": [a.lang, b.lang],
            "foreign": [sum(1 for s in d.sentences if s.lang) for d in (a, b)],
            "links": len(result.alignment.links), "divergences": len(result.divergences),
            "wall": wall, "cpu": cpu, "stage_wall": timer.wall, "stage_cpu": timer.cpu,
            "langid": vars(langid.WORK), "share": langid.SECOND_OPINION_MIN_SHARE,
            "embedded": encoder.stats.embedded,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "load": os.getloadavg()[0]}


def _table(r: dict) -> None:
    print(f"{r['mode']}: {r['sentences'][0]} {r['langs'][0]} / {r['sentences'][1]} {r['langs'][1]} sentences "
          f"({r['foreign'][0]} / {r['foreign'][1]} in another language), {r['links']} links, "
          f"{r['divergences']} divergences; {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, "
          f"peak RSS {r['peak_rss_mb']:.0f} MB, load {r['load']:.1f}")
    w = r["langid"]
    embeddings = f"embedded {r['embedded']} texts" if r["embedded"] else "all from the cache"
    print(f"  caches: embeddings {embeddings}, "
          f"language id {r['langid_cache']}; lingua scored {w['scored']} texts ({w['scored_chars']} characters) "
          f"and {w['second_opinions']} second opinions, loading {w['loads']} languages' high-accuracy models; "
          f"{w['from_disk']} answers from disk; {w.get('settled', 0)} pieces settled on their document's own "
          f"languages; second-opinion share {r['share']}")
    rest_wall = r["wall"] - sum(r["stage_wall"].values())
    rest_cpu = r["cpu"] - sum(r["stage_cpu"].values())
    print(f"  {'stage':<14} {'wall s':>8} {'CPU s':>8} {'CPU share':>9}")
    for stage in STAGES + ["other"]:
        w = r["stage_wall"].get(stage, rest_wall)
        c = r["stage_cpu"].get(stage, rest_cpu)
        print(f"  {stage:<14} {w:>8.1f} {c:>8.1f} {100 * c / max(r['cpu'], 1e-9):>8.1f}%")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", type=Path, default=LONG / "handbook.en.txt")
    ap.add_argument("--tgt", type=Path, default=LONG / "handbook.fr.txt")
    ap.add_argument("--only", choices=["plain", "presplit"], help="run one mode (presplit needs a plain run's files)")
    ap.add_argument("--work", type=Path, help="folder for the presplit files and outputs (default: a temporary one)")
    ap.add_argument("--langid", choices=["disk", "cold"], default="disk",
                    help="lingua's answers from its disk cache (default), or none: a first run's language id")
    ap.add_argument("--second-opinion-share", type=float, help="langid.SECOND_OPINION_MIN_SHARE in both runs")
    ap.add_argument("--child", choices=["plain", "presplit"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        r = child(args.child, args.src.resolve(), args.tgt.resolve(), args.work / f"{args.child}.tsv", args.work,
                  args.second_opinion_share)
        print(json.dumps(r), flush=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows = []
        env = dict(os.environ)
        if args.langid == "cold":
            from align.encoders import default_cache_dir

            env["ALIGN_CACHE_DIR"] = str(_cold_cache(default_cache_dir(), work.resolve()))
        for mode in [args.only] if args.only else ["plain", "presplit"]:
            cmd = [sys.executable, "-m", "eval.longdoc", "--child", mode, "--src", str(args.src.resolve()),
                   "--tgt", str(args.tgt.resolve()), "--work", str(work.resolve())]
            if args.second_opinion_share is not None:
                cmd += ["--second-opinion-share", str(args.second_opinion_share)]
            if args.langid == "cold":
                for stale in Path(env["ALIGN_CACHE_DIR"]).glob("langid.sqlite*"):  # each run starts cold
                    stale.unlink()
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
            if proc.returncode != 0:
                print(f"{mode} failed: {proc.stderr.strip()[-2000:]}")
                return
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]) | {"langid_cache": args.langid})
            _table(rows[-1])
        if len(rows) == 2:
            p, q = rows
            print(f"plain / presplit: {p['wall'] / q['wall']:.2f}x wall, {p['cpu'] / q['cpu']:.2f}x CPU "
                  f"(goal: 1.3x); peak RSS {p['peak_rss_mb']:.0f} / {q['peak_rss_mb']:.0f} MB (goal: 1,024)")


if __name__ == "__main__":
    main()

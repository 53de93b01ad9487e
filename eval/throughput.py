"""Corpus-mode throughput: N document pairs resampled from Text+Berg, cold, warm, and up to date.

    python -m eval.throughput --pairs 100 1000 [--jobs 0] [--seed 1] [--workdir DIR]

Builds N pairs of German/French documents of 50-300 sentences each from the
Text+Berg gold alignment: each article's gold links are cut into fixed chunks
of 8 links (one paragraph per chunk on each side), and a pair is a random set
of chunks, kept in their original order, written as a German and a French
file under random names (so pairing has to find them by content). The same
seed gives the same pairs, and the first N of a larger run are the N of a
smaller one.

For each N it runs ``align corpus DIR -o OUT`` three times as a subprocess:
cold (whatever the cache holds: this also fills it), warm with ``--force``
(every pair aligned again, every vector from the cache: the figure that
matters) and warm without ``--force`` (every pair up to date). It prints
pairs/s, the time of each stage, the peak resident memory of the whole
process tree (main process plus workers, sampled every 0.2 s; psutil) and of
the largest single process, how many strings were embedded, how many of
the N true pairs were found and how many pairs were wrong, the pairing
stage's time against the aligning stage's (``pair%``), how many candidate
alignments pairing ran (``checks``, computed or remembered from an earlier
run), and the mean 1-minute load average of the machine during the run (on
a shared machine, other work inflates the times). A cold run's pairing stage
aligns each pair of mutual first candidates with the final aligner and its
aligning stage only checks and writes those alignments, while a warm run
(evidence remembered, no alignment) aligns every pair in its aligning stage;
so when both ran, pairing's cost is (cold pairing + cold aligning - warm
aligning) / warm aligning: the pairing, i.e. the cheap ranking, the
alignments of candidates that are not kept and the order controls, against
aligning, checking and writing the pairs (embedding is shared and counted in
neither). ``--cost N`` measures it in CPU seconds, pair by pair in one
process (``cost``); ``--cli`` through ``align corpus`` itself, in CPU seconds
of the whole process tree (``cli_cost``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from align.scoring import read_links

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "eval" / "data" / "textberg"
CHUNK = 8  # gold links per paragraph


def read_sentences(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").split("\n")]


def chunks() -> list[tuple[list[str], list[str]]]:
    """Paragraph-sized pieces of the gold alignment: (German sentences, French sentences)."""
    out = []
    for doc in sorted(p.name for p in (DATA / "gold").iterdir()):
        de, fr = read_sentences(DATA / "de" / doc), read_sentences(DATA / "fr" / doc)
        links = [(s, t) for s, t in read_links(DATA / "gold" / doc)
                 if s and t and list(s) == list(range(s[0], s[-1] + 1)) and list(t) == list(range(t[0], t[-1] + 1))]
        for k in range(0, len(links) - CHUNK + 1, CHUNK):
            part = links[k:k + CHUNK]
            src = [de[i] for s, _ in part for i in s if de[i]]
            tgt = [fr[j] for _, t in part for j in t if fr[j]]
            if src and tgt:
                out.append((src, tgt))
    return out


def build(folder: Path, n: int, seed: int) -> dict[str, str]:
    """Write n pairs into folder; returns {German file name: French file name}."""
    rng = random.Random(seed)
    pieces = chunks()
    truth, used = {}, set()
    for _ in range(n):
        want = rng.randint(50, 300)
        order = list(range(len(pieces)))
        rng.shuffle(order)
        chosen, size = [], 0
        for c in order:
            if size >= want:
                break
            chosen.append(c)
            size += len(pieces[c][0])
        chosen.sort()
        names = []
        for side in (0, 1):
            name = f"{rng.getrandbits(48):012x}.txt"
            while name in used:
                name = f"{rng.getrandbits(48):012x}.txt"
            used.add(name)
            text = "\n\n".join("\n".join(pieces[c][side]) for c in chosen) + "\n"
            (folder / name).write_text(text, encoding="utf-8")
            names.append(name)
        truth[names[0]] = names[1]
    return truth


def run(folder: Path, out: Path, jobs: int, force: bool) -> dict:
    """One ``align corpus`` run as a subprocess, with its wall time and peak memory."""
    try:
        import psutil
    except ImportError:  # pragma: no cover
        psutil = None
    cmd = [sys.executable, "-m", "align", "corpus", str(folder), "-o", str(out), "--jobs", str(jobs)]
    if force:
        cmd.append("--force")
    t0, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    # output goes to a file, not a pipe: nobody reads a pipe while the run lasts, and the summary table of
    # 1,000 pairs would fill it and block the run
    log = tempfile.TemporaryFile("w+", encoding="utf-8")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
    tree_peak = single_peak = 0
    loads = [os.getloadavg()[0]]  # the machine may be shared: what else ran shows in the load average
    if psutil is not None:
        me = psutil.Process(proc.pid)
        while proc.poll() is None:
            loads.append(os.getloadavg()[0])
            try:
                procs = [me] + me.children(recursive=True)
                rss = []
                for p in procs:
                    try:
                        rss.append(p.memory_info().rss)
                    except psutil.Error:
                        pass
                tree_peak = max(tree_peak, sum(rss))
                single_peak = max(single_peak, max(rss, default=0))
            except psutil.Error:
                pass
            time.sleep(0.2)
    proc.wait()
    wall, after = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    # user + system seconds of align corpus and its (waited-for) workers, as /usr/bin/time counts them
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    log.seek(0)
    output = log.read()
    log.close()
    if proc.returncode != 0:
        raise SystemExit(f"align corpus failed ({proc.returncode}): {output.strip().splitlines()[-1:]}")
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    return {"wall": wall, "cpu": cpu, "tree_mb": tree_peak / 2**20, "single_mb": single_peak / 2**20, "summary": summary,
            "load": sum(loads) / len(loads)}


def cli_cost(n: int, seed: int, jobs: int, base: Path) -> None:
    """Pairing's CPU cost against aligning's through ``align corpus`` on n pairs (2n documents), three runs:

    1. pairing computed: a fresh output folder holding only the documents' state (every file read and every
       vector cached already, so reading and embedding cost what they cost in the other runs);
    2. ``--force`` on the finished folder: pairing's evidence remembered, every pair aligned in the align stage;
    3. again, nothing to redo: reading from state and the cheap ranking.

    Aligning = 2 - 3; what computing the pairing adds = 1 - 2; the ranking (in every run) is the pairing
    stage of run 3, where no worker runs (its wall seconds are its CPU seconds on a quiet machine). The
    share is (1 - 2 + ranking) / (2 - 3).
    """
    folder, filled = base / f"in-{n}", base / f"out-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    truth = build(folder, n, seed)
    documents = filled / "align-state" / "documents"
    if not documents.is_dir():  # read every file and embed every sentence once
        run(folder, filled, jobs, False)
    out = base / f"cli-{n}"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(documents, out / "align-state" / "documents")
    runs = {}
    for label, force in (("pairing computed", False), ("--force", True), ("nothing to redo", False)):
        r = runs[label] = run(folder, out, jobs, force)
        pairs = {p["source"]: p["target"] for p in r["summary"]["pairs"]}
        found = sum(truth.get(a) == b for a, b in pairs.items())
        print(f"{n} pairs, {label:<16} CPU {r['cpu']:7.1f} s  wall {r['wall']:6.1f} s  stages "
              + " ".join(f"{k} {v:.1f}" for k, v in r["summary"]["stages"].items())
              + f"  found {found}/{n}, wrong {len(pairs) - found}  load {r['load']:.2f}", flush=True)
    one, two, three = runs.values()
    aligning, adds = two["cpu"] - three["cpu"], one["cpu"] - two["cpu"]
    ranking = three["summary"]["stages"].get("pairing", 0.0)
    print(f"aligning {aligning:.1f} CPU s (--force - nothing to redo); computing the pairing adds {adds:.1f} "
          f"({100 * adds / aligning:.1f} %); with the ranking ({ranking:.1f} s): "
          f"{100 * (adds + ranking) / aligning:.1f} % of aligning")


def cost(n: int, seed: int) -> None:
    """Pairing's CPU cost against aligning's for n true pairs, in this process (a shared machine disturbs CPU
    seconds less than wall time, and every variant sees the same load).

    First ``pair_documents`` runs on the folder with corpus mode's scorer (``score_task``, one after the
    other): how many candidates it aligned, how many with the final aligner (whose alignment the pair
    keeps) and how long pairing took besides aligning candidates (the cheap ranking, the revision votes,
    the one-to-one choice). Then, pair by pair, each twice in the order A B B A (the smaller time counts):
    ``run_pair_task`` as it was (align, check, write: "aligning", the denominator), and as corpus mode now runs a pair:
    ``score_task`` with the final aligner (the alignment, its check, cover and order control) followed by
    ``run_pair_task`` on those links and findings (write). Pairing's cost is the second minus the first, plus
    pairing's own time; the cover and the order control are also timed alone, and so is the quick pass
    with shuffled controls aligned by the aligner (the code before).
    """
    from align.aligners import EmbeddingAligner
    from align.corpus import pair_documents, quick_params, sentence_vectors
    from align.corpus.evidence import CONTROL_SEEDS, cover, evidence_of, needs_control, shuffled
    from align.corpus.pairing import Evidence
    from align.corpus.tasks import (PairTask, ScoreTask, SeededEncoder, ToolSpec, register_encoder, run_pair_task,
                                    score_task)
    from align.encoders import make_encoder
    from align.pipeline import align_documents, load, make_aligner

    cpu = time.process_time
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "in", Path(tmp) / "out"
        folder.mkdir()
        truth = build(folder, n, seed)
        encoder = make_encoder()
        docs = {p.name: load(p)[0] for p in sorted(folder.iterdir())}
        vectors = sentence_vectors(list(docs.values()), encoder)
        aligner = make_aligner("embedding", encoder)  # align corpus's aligner
        spec = ToolSpec(params=aligner.params, encoder_name=encoder.name)
        register_encoder(spec, encoder)

        def vecs_of(a, b):
            return vectors.for_texts(s.text for d in (a, b) for s in d.sentences)

        scored = {"final": 0, "quick": 0, "seconds": 0.0}

        def scorer(pairs):
            out_ = []
            for a, b, final in pairs:
                t0 = cpu()
                got = score_task(ScoreTask(a, b, vecs_of(a, b), spec, 0.15, final))
                scored["seconds"] += cpu() - t0
                scored["final" if final else "quick"] += 1
                out_.append(Evidence(*got.evidence, final=final, links=got.links))
            return out_

        t0 = cpu()
        chosen, _ = pair_documents(list(docs.values()), encoder, vectors, scorer)
        own = cpu() - t0 - scored["seconds"]
        found = sum(truth.get(c.src.name) == c.tgt.name for c in chosen)
        t = dict(aligning=0.0, score=0.0, reuse=0.0, cover=0.0, control=0.0, old_quick=0.0)
        controlled = same = 0
        quick = EmbeddingAligner(SeededEncoder({}, encoder), quick_params())
        for k, (a, b) in enumerate(truth.items()):
            src, tgt = docs[a], docs[b]
            vecs = vecs_of(src, tgt)
            runs = []

            def baseline() -> float:
                t0 = cpu()
                run_pair_task(PairTask(f"p{k}", src, tgt, str(out), "", vecs, spec))
                return cpu() - t0

            def reused() -> tuple[float, float]:
                t0 = cpu()
                got = score_task(ScoreTask(src, tgt, vecs, spec, 0.15, final=True))
                t1 = cpu()
                runs.append(run_pair_task(PairTask(f"r{k}", src, tgt, str(out), "", {}, spec, aligned=got.links,
                                                   checked=got.divergences, seconds=got.seconds)))
                return t1 - t0, cpu() - t1

            # A B B A, the smaller of each pair of times: on a shared machine other work only ever adds time
            first, second = baseline(), reused()
            second = min(second, reused(), key=sum)
            t["aligning"] += min(first, baseline())
            t["score"] += second[0]
            t["reuse"] += second[1]
            base = json.loads((out / "align-state" / f"p{k}.json").read_text("utf-8"))
            same += base["links"] == runs[0]["links"] and base["divergences"] == runs[0]["divergences"]
            al = align_documents(src, tgt, make_aligner("embedding", SeededEncoder(vecs, encoder)))
            t0 = cpu()
            cover(al)
            t1 = cpu()
            ev = evidence_of(al, vecs, 0.15)
            t["cover"] += t1 - t0
            t["control"] += cpu() - t1 - (t1 - t0)
            controlled += ev[3] >= 0
            quick.encoder.known = vecs
            t0 = cpu()
            qal = align_documents(src, tgt, quick)
            if cover(qal)[0] >= 0.15 and needs_control(src, tgt):
                max(cover(align_documents(src, shuffled(tgt, s), quick))[0] for s in CONTROL_SEEDS)
            t["old_quick"] += cpu() - t0
        extra = own + t["score"] + t["reuse"] - t["aligning"]
        share = {key: 100 * v / t["aligning"] for key, v in t.items()}
        print(f"{n} pairs ({controlled} with the order control), found {found}/{n}; pair_documents aligned "
              f"{scored['final']} candidates with the final aligner, {scored['quick']} with the quick pass; "
              f"pairs whose links and findings are the same either way: {same}/{n}")
        print("CPU seconds: " + ", ".join(f"{key} {v:.2f}" for key, v in t.items()) + f", pairing's own {own:.2f}")
        print(f"pairing / aligning: {100 * extra / t['aligning']:.1f} % (pairing's own {100 * own / t['aligning']:.1f} %, "
              f"score/check + write - align/check/write {100 * (extra - own) / t['aligning']:.1f} %; "
              f"timed alone: cover {share['cover']:.1f} %, order control {share['control']:.1f} %); "
              f"the quick pass with aligned shuffled controls (before) {share['old_quick']:.1f} %")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.throughput", description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--jobs", type=int, default=0, help="--jobs for align corpus (0: all cores)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, help="build folders here (default: a temporary folder)")
    ap.add_argument("--runs", nargs="+", choices=["cold", "warm", "again"], default=["cold", "warm", "again"],
                    help="which of the three runs to make (e.g. warm again, over a --workdir run before)")
    ap.add_argument("--cost", type=int, metavar="N",
                    help="instead: pairing's CPU cost against aligning's on N pairs, in this process")
    ap.add_argument("--cli", action="store_true",
                    help="instead: pairing's CPU cost against aligning's through align corpus (three runs, "
                         "the first --pairs only; with --workdir, a folder read before is reused)")
    args = ap.parse_args(argv)
    if args.cli:
        if args.workdir is None:
            with tempfile.TemporaryDirectory() as tmp:
                cli_cost(args.pairs[0], args.seed, args.jobs, Path(tmp))
        else:
            cli_cost(args.pairs[0], args.seed, args.jobs, args.workdir)
        return 0
    if args.cost:
        cost(args.cost, args.seed)
        return 0
    tmp = None
    base = args.workdir
    if base is None:
        tmp = tempfile.TemporaryDirectory()
        base = Path(tmp.name)
    rows = []
    header = (f"{'pairs':>5} {'run':<6} {'wall s':>7} {'pairs/s':>7} | {'read':>6} {'embed':>6} {'pair':>6} "
              f"{'align':>6} {'write':>6} {'pair%':>5} | {'embedded':>8} {'aligned':>7} {'reused':>6} "
              f"{'found':>9} {'wrong':>5} {'checks':>6} | "
              f"{'tree RSS':>8} {'max proc':>8} {'load':>5}")
    print(header)
    print("-" * len(header))
    for n in args.pairs:
        folder, out = base / f"in-{n}", base / f"out-{n}"
        folder.mkdir(parents=True, exist_ok=True)
        truth = build(folder, n, args.seed)
        sentences = None
        for label, force in [(r, r == "warm") for r in args.runs]:
            r = run(folder, out, args.jobs, force)
            s = r["summary"]
            found = sum(truth.get(p["source"]) == p["target"] for p in s["pairs"])
            wrong = len(s["pairs"]) - found
            st = s["stages"]
            share = 100 * st.get("pairing", 0) / max(st.get("aligning", 0), 1e-9)  # pairing's cost against aligning
            checks = s.get("pairing", {}).get("quick_alignments", "-")
            sentences = s["totals"]["sentences"]
            row = (f"{n:>5} {label:<6} {r['wall']:>7.1f} {n / r['wall']:>7.2f} | {st.get('reading', 0):>6.1f} "
                   f"{st.get('embedding', 0):>6.1f} {st.get('pairing', 0):>6.1f} {st.get('aligning', 0):>6.1f} "
                   f"{st.get('writing', 0):>6.1f} {share:>5.1f} | {s['embedded'].get('strings', 0):>8} "
                   f"{s['totals']['aligned']:>7} {s['totals']['up_to_date']:>6} {found:>4}/{n:<4} {wrong:>5} "
                   f"{checks:>6} | "
                   f"{r['tree_mb']:>6.0f}MB {r['single_mb']:>6.0f}MB {r['load']:>5.1f}")
            print(row, flush=True)
            rows.append((n, label, r))
        print(f"      {n} pairs: {sentences} sentences in the aligned pairs; workers {s['workers']}")
        stages = {label: r["summary"]["stages"] for m, label, r in rows if m == n}
        if "cold" in stages and "warm" in stages:
            cold, warm = stages["cold"], stages["warm"]
            extra = cold.get("pairing", 0) + cold.get("aligning", 0) - warm.get("aligning", 0)
            print(f"      pairing's cost: (cold pairing {cold.get('pairing', 0):.1f} + cold aligning "
                  f"{cold.get('aligning', 0):.1f} - warm aligning {warm.get('aligning', 0):.1f} s) / warm aligning = "
                  f"{100 * extra / max(warm.get('aligning', 0), 1e-9):.1f} %")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

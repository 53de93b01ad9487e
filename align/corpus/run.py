"""``run_corpus``: corpus mode's stages in order, each a function returning a typed result.

read (``read_stage`` -> ``Inputs``) -> embed (``embed_stage`` -> ``SentenceVectors``) -> pair
(``pair_stage`` -> ``Pairing``) -> align (``align_stage`` -> ``Aligned``) -> summarise
(``summarise`` -> ``CorpusSummary``, with the merged memories, the report and ``summary.json`` written).
Reading, pairing's candidate alignments and aligning run as tasks on a runner
(``runners``); embedding runs here, in large batches.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..documents import Alignment, Document, Link
from ..errors import InputError
from ..pipeline import PairResult, resegment
from ..segment import SENTENCES, Segmentation
from .files import discover, output_stem
from .manifest import Manifest, ManifestPair, fixed_pair
from .outputs import write_merged, write_report, write_summary
from .pairing import Candidate, Evidence, Thresholds, pair_documents
from .ranking import SentenceVectors, sentence_vectors
from .resume import (document_key, pair_key, read_documents, read_scores, read_state, result_from_record, score_key,
                     write_documents, write_scores)
from .runners import describe_error, make_runner
from .summary import CorpusSummary, Timer, document_entry, evidence_entry, pair_row, totals_of
from .tasks import (LoadTask, PairTask, ScoreTask, ToolSpec, load_task, process_id, register_encoder, run_pair_task,
                    score_task)

Progress = Callable[[str, int, int], None]


@dataclass
class CorpusOptions:
    """How corpus mode runs: where, how wide, and whether to redo up-to-date pairs."""

    jobs: int = 0  # worker processes; 0 = all cores; 1 = everything in this process
    force: bool = False
    scheduler: str | None = None  # a Dask scheduler address ("tcp://host:8786") or a distributed.Client
    model: str | None = None
    engine: str = "auto"  # --encoder: workers must load the very engine the main process used
    cache: bool = True
    inline_below: int = 8  # fewer tasks than this run in this process (a worker takes seconds to start)
    checks: Any = None  # checks.Selection: which findings the pairs report


@dataclass
class CorpusResult:
    results: list[PairResult]
    unpaired: list[dict]
    skipped: list[dict]
    seconds: float
    summary: CorpusSummary
    failed: list[dict] = field(default_factory=list)


# -- read ------------------------------------------------------------------------------------------

@dataclass
class Inputs:
    """The read stage's result: every document, which are paired by hand and which by content."""

    folder: Path | None  # where the documents paired by content were found
    docs: list[Document]
    auto_docs: list[Document]  # to be paired by content
    fixed: list[tuple[Document, Document]]  # pairs fixed by a manifest, --pair, or a memory (.tmx) in the folder
    memory_links: dict[int, list[Link]]  # id(source document) -> a memory's own links (checked, not aligned)
    skipped: list[dict]

    @property
    def fixed_docs(self) -> set[int]:
        return {id(d) for pair in self.fixed for d in pair}

    @property
    def to_embed(self) -> list[Document]:
        """Documents whose sentences need vectors (a memory's are aligned already)."""
        memory = {id(d) for a, b in self.fixed if id(a) in self.memory_links for d in (a, b)}
        return [d for d in self.docs if id(d) not in memory]


def fixed_pairs(manifest: Manifest | None, forced: list[tuple[str | Path, str | Path]] | None) -> list[ManifestPair]:
    """The manifest's pairs and ``--pair A B`` pairs (checked before any work)."""
    pairs = list(manifest.pairs) if manifest else []
    for a, b in forced or []:
        for f in (a, b):
            if not Path(f).is_file():
                raise InputError(f"--pair {a} {b}: {f}: no such file")
        if Path(a).resolve() == Path(b).resolve():
            raise InputError(f"--pair {a} {b}: the same file twice")
        pairs.append(ManifestPair(Path(a), Path(b)))
    return pairs


def read_stage(folder: Path | None, out: Path, seg: Segmentation, manifest: Manifest | None,
               fixed: list[ManifestPair], runner, progress: Progress | None) -> Inputs:
    """Find the files (the manifest's folder, if any, replaces ``folder``) and read them in parallel."""
    fixed_files: dict[Path, tuple[str | None, bool]] = {}  # file -> (language, split)
    for pair in fixed:
        if pair.target is None:
            fixed_files[pair.source] = (None, True)
        else:
            fixed_files[pair.source] = (pair.source_lang, False)
            fixed_files[pair.target] = (pair.target_lang, False)
    source_folder = manifest.folder if manifest else folder
    fixed_keys = {p.resolve() for p in fixed_files}
    auto_files = [p for p in discover(source_folder, exclude=out)
                  if p.resolve() not in fixed_keys] if source_folder else []
    lang_of = {p.resolve(): code for p, code in (manifest.languages if manifest else {}).items()}
    tasks = [LoadTask(str(p), lang or lang_of.get(p.resolve()), seg.with_lang(None), split)
             for p, (lang, split) in fixed_files.items()]
    tasks += [LoadTask(str(p), lang_of.get(p.resolve()), seg.with_lang(None)) for p in auto_files]
    loaded, skipped = _load_all(tasks, runner, progress, out)
    memories = {path: al for path, al in loaded.items() if isinstance(al, Alignment)}  # .tmx: re-check
    loaded = {path: d for path, d in loaded.items() if path not in memories}
    docs = [d for t in tasks for d in loaded.get(t.path, [])]
    docs += [d for al in memories.values() for d in (al.src, al.tgt)]
    pairs = [fp for fp in (fixed_pair(p, loaded) for p in fixed) if fp]
    pairs += [(al.src, al.tgt) for al in memories.values()]
    in_pairs = {id(d) for pair in pairs for d in pair}
    auto_docs = [d for t in tasks[len(fixed_files):] for d in loaded.get(t.path, []) if id(d) not in in_pairs]
    return Inputs(source_folder, docs, auto_docs, pairs, {id(al.src): al.links for al in memories.values()}, skipped)


def _load_all(tasks: list[LoadTask], runner, progress: Progress | None,
              out: Path) -> tuple[dict[str, list[Document] | Alignment], list[dict]]:
    """Read every file (in parallel, or from the output folder's record of an unchanged file); a file
    that cannot be read is listed, never fatal."""
    loaded: dict[str, list[Document] | Alignment] = {}
    skipped = []
    keys = {t.path: document_key(t) for t in tasks}
    for t in tasks:
        docs = read_documents(out, keys[t.path]) if keys[t.path] else None
        if docs is not None:
            loaded[t.path] = docs
    todo = [t for t in tasks if t.path not in loaded]
    done = len(tasks) - len(todo)
    if progress:
        progress("reading", done, len(tasks))
    for k, docs, error in runner.imap(load_task, todo):
        path = todo[k].path
        if error is None:
            loaded[path] = docs
            if keys[path] and isinstance(docs, list):
                write_documents(out, keys[path], docs)
        else:
            skipped.append({"file": path, "error": describe_error(error)})
        done += 1
        if progress:
            progress("reading", done, len(tasks))
    skipped.sort(key=lambda s: s["file"])
    return loaded, skipped


# -- embed -----------------------------------------------------------------------------------------

def embed_stage(inputs: Inputs, encoder, progress: Progress | None) -> SentenceVectors:
    """Every sentence embedded once, here, in large batches."""
    return sentence_vectors(inputs.to_embed, encoder, progress)


# -- pair ------------------------------------------------------------------------------------------

@dataclass
class QuickAlignments:
    """Pairing's scorer: alignments of candidates on the runner, their evidence remembered in OUT for the next run.

    A candidate marked final is aligned by the final aligner and checked
    there, and its links and findings come back with the evidence, for the
    align stage to write (a remembered evidence has neither: that pair is
    aligned and checked again).
    A candidate whose check raised gets no evidence this run and is listed in
    ``failed`` (the next run tries it again).
    """

    out: Path
    vectors: SentenceVectors
    spec: ToolSpec
    min_cover: float
    runner: Any
    progress: Progress | None = None
    run: int = 0  # candidate alignments asked for (quick or final)
    computed: int = 0  # of which not remembered from an earlier run
    failed: list[dict] = field(default_factory=list)
    worker_embedded: int = 0  # strings embedded by other processes (this one's are in the encoder's stats)

    def __call__(self, pairs: list[tuple[Document, Document, bool]]) -> list[Evidence]:
        known = read_scores(self.out)
        keys = [score_key(a, b, self.spec, self.min_cover, final) for a, b, final in pairs]
        scores = [Evidence(*known[key], final=final) if key in known else Evidence(0.0, 0.0, 0.0)
                  for key, (_, _, final) in zip(keys, pairs)]
        todo = [k for k, key in enumerate(keys) if key not in known]
        self.run += len(pairs)
        self.computed += len(todo)
        items = [ScoreTask(a, b, self.vectors.for_texts(s.text for d in (a, b) for s in d.sentences), self.spec,
                           self.min_cover, final) for a, b, final in (pairs[k] for k in todo)]
        done = len(pairs) - len(todo)
        here = process_id()
        for k, value, error in self.runner.imap(score_task, items):
            if error is None:
                scores[todo[k]] = Evidence(*value.evidence, final=items[k].final, links=value.links,
                                           checked=value.divergences, seconds=value.seconds)
                known[keys[todo[k]]] = tuple(value.evidence)
                if value.process != here:
                    self.worker_embedded += value.embedded
            else:
                a, b, _ = pairs[todo[k]]
                self.failed.append({"source": a.name, "target": b.name,
                                    "error": f"pairing check failed: {describe_error(error)}"})
            done += 1
            if self.progress:
                self.progress("pairing", done, len(pairs))
        if todo:
            write_scores(self.out, known)
        return scores


@dataclass
class Pairing:
    """The pair stage's result: the pairs to align (fixed ones first) and the documents left without one."""

    pairs: list[Candidate]
    unpaired: list[dict]
    failed: list[dict]  # candidates whose check raised
    quick_alignments: int  # candidates aligned (quick or final), computed or remembered
    computed: int
    worker_embedded: int = 0


def pair_stage(inputs: Inputs, vectors: SentenceVectors, encoder, scorer: QuickAlignments, thresholds: Thresholds,
               progress: Progress | None) -> Pairing:
    """Cheap candidates, then alignments of the plausible ones (``pair_documents``)."""
    if progress:
        progress("pairing", 0, 1)
    pairs, unpaired = (pair_documents(inputs.auto_docs, encoder, vectors, scorer, thresholds=thresholds)
                       if inputs.auto_docs else ([], []))
    pairs = [Candidate(a, b, 1.0) for a, b in inputs.fixed] + pairs
    return Pairing(pairs, unpaired, list(scorer.failed), scorer.run, scorer.computed, scorer.worker_embedded)


# -- align -----------------------------------------------------------------------------------------

@dataclass
class Aligned:
    """The align stage's result: every pair aligned or reused, in pairing's order."""

    results: list[PairResult]
    failed: list[dict]
    reused: int  # pairs up to date from an earlier run
    worker_embedded: int  # strings embedded by other processes (this one's are in the encoder's stats)


def align_stage(pairing: Pairing, inputs: Inputs, vectors: SentenceVectors, out: Path, spec: ToolSpec,
                seg: Segmentation, force: bool, runner, progress: Progress | None) -> Aligned:
    """Align, check and write every pair that is not up to date (in parallel)."""
    split_even = seg.srx is not None  # one unit per CAT segment where a bead allows it
    fixed_docs = inputs.fixed_docs
    stems: set[str] = set()
    jobs: list[PairTask] = []
    records: list[dict | None] = []
    sources: list[Document] = []
    for cand in pairing.pairs:
        links = inputs.memory_links.get(id(cand.src))
        src_doc = resegment(cand.src, seg) if seg.srx_lang and links is None else cand.src
        sources.append(src_doc)
        stem = output_stem(cand.src, cand.tgt, stems)
        key = pair_key(src_doc, cand.tgt, spec, spec.encoder_name, seg.segtype, split_even, stem, links)
        record = None if force else read_state(out, stem, key)
        records.append(record)
        if record is None:
            aligned = cand.links if links is None and src_doc is cand.src else None  # pairing's final alignment
            checked = cand.checked if aligned is not None else None  # and its findings: nothing to embed
            texts = [s.text for d in (src_doc, cand.tgt) for s in d.sentences] if links is None and checked is None \
                else []
            jobs.append(PairTask(stem, src_doc, cand.tgt, str(out), key, vectors.for_texts(texts), spec,
                                 seg.segtype, split_even, None if id(cand.src) in fixed_docs else cand.score, links,
                                 aligned, checked, cand.seconds if checked is not None else 0.0))
    reused = sum(r is not None for r in records)
    fresh = [r is None for r in records]
    slot = [k for k, r in enumerate(records) if r is None]
    failed = []
    if progress:
        progress("aligning", reused, len(pairing.pairs))
    done = reused
    for k, record, error in runner.imap(run_pair_task, jobs):
        if error is None:
            records[slot[k]] = record
        else:
            failed.append({"source": jobs[k].src.name, "target": jobs[k].tgt.name, "error": describe_error(error)})
        done += 1
        if progress:
            progress("aligning", done, len(pairing.pairs))
    results = []
    for cand, src_doc, record in zip(pairing.pairs, sources, records):
        if record is not None:
            res = result_from_record(record, src_doc, cand.tgt)
            res.pair_score = None if id(cand.src) in fixed_docs else cand.score
            results.append(res)
    here = process_id()
    worker_embedded = sum(r.get("embedded", 0) for r, new in zip(records, fresh)
                          if r and new and r.get("process") != here)
    return Aligned(results, failed, reused, worker_embedded)


# -- summarise -------------------------------------------------------------------------------------

def summarise(inputs: Inputs, pairing: Pairing, aligned: Aligned, out: Path, seg: Segmentation, title: str,
              manifest: Manifest | None, thresholds: Thresholds, options: CorpusOptions, encoder, embedded0: tuple,
              timer: Timer, workers: int, t0: float) -> CorpusSummary:
    """Write the merged memories, the report and ``summary.json``; returns the summary."""
    fixed_docs = inputs.fixed_docs
    evidence_of = {(c.src.name, c.tgt.name): evidence_entry(c) for c in pairing.pairs if id(c.src) not in fixed_docs}
    merged = write_merged(aligned.results, out, seg.segtype, split_even=seg.srx is not None)
    report = write_report(aligned.results, pairing.unpaired, out, title,
                          selection=options.checks.describe() if options.checks is not None else None)
    timer.lap("writing")
    seconds = time.perf_counter() - t0
    stats = getattr(encoder, "stats", None)
    rows = [pair_row(r, evidence_of.get((r.alignment.src.name, r.alignment.tgt.name))) for r in aligned.results]
    failed = pairing.failed + aligned.failed
    summary = CorpusSummary(
        folder=str(inputs.folder) if inputs.folder else None,
        manifest=str(manifest.path) if manifest else None,
        pairs=rows,
        documents=[document_entry(d) for d in inputs.docs],
        merged=merged,
        pairing={"thresholds": thresholds.as_dict(), "forced": len(inputs.fixed),
                 "quick_alignments": pairing.quick_alignments, "computed": pairing.computed},
        unpaired=pairing.unpaired,
        skipped=inputs.skipped,
        failed=failed,
        report=str(report),
        encoder=getattr(encoder, "name", ""),
        embedded={"strings": stats.embedded - embedded0[0] + aligned.worker_embedded + pairing.worker_embedded,
                  "requested": stats.requested - embedded0[1],
                  "seconds": round(stats.seconds - embedded0[2], 2)} if stats else {},
        totals=totals_of(rows, len(pairing.unpaired), len(inputs.skipped), len(failed), aligned.reused, seconds),
        stages=timer.stages,
        workers=workers,
        seconds=round(seconds, 2),
    )
    write_summary(summary.as_dict(), out)
    return summary


def run_corpus(folder: str | Path | None, out: str | Path, encoder, aligner,
               progress: Progress | None = None,
               seg: Segmentation = SENTENCES, options: CorpusOptions | None = None,
               manifest: Manifest | None = None, thresholds: Thresholds | None = None,
               forced: list[tuple[str | Path, str | Path]] | None = None) -> CorpusResult:
    """Read, pair, align and check everything in ``folder``; write TMX, TSV, JSON and one HTML report.

    Besides one TMX per pair, one merged TMX per language pair (``merged.sv-en.tmx``)
    holds the units of all the pairs in those languages. ``seg`` says how documents
    are segmented; its ``srx_lang`` applies to the source side of each pair.
    ``options`` say where pairs run (``runners``); pairs whose outputs
    are up to date are reused unless ``options.force``. A ``manifest`` fixes
    pairs and languages (its ``folder``, if any, replaces ``folder``); so do ``forced`` pairs of files
    (``--pair A B``). ``thresholds`` decide the other pairs (``pair_documents``).
    """
    t0 = time.perf_counter()
    thresholds = thresholds or Thresholds()
    fixed = fixed_pairs(manifest, forced)
    timer = Timer()
    stats = getattr(encoder, "stats", None)
    embedded0 = (stats.embedded, stats.requested, stats.seconds) if stats else (0, 0, 0.0)  # this run's share
    options = options or CorpusOptions()
    out = Path(out)
    spec = ToolSpec(aligner.name, options.model, options.cache, aligner.params, getattr(encoder, "name", ""),
                    options.engine, options.checks, getattr(getattr(encoder, "inner", None), "device", "cpu"),
                    uses_encoder=aligner.encoder is not None)
    register_encoder(spec, encoder)
    local = make_runner(options.jobs, inline_below=options.inline_below)
    runner = make_runner(options.jobs, options.scheduler) if options.scheduler else local
    try:
        inputs = read_stage(Path(folder) if folder is not None else None, out, seg, manifest, fixed, local, progress)
        timer.lap("reading")
        vectors = embed_stage(inputs, encoder, progress)
        timer.lap("embedding")
        scorer = QuickAlignments(out, vectors, spec, thresholds.min_cover, runner, progress)
        pairing = pair_stage(inputs, vectors, encoder, scorer, thresholds, progress)
        timer.lap("pairing")
        aligned = align_stage(pairing, inputs, vectors, out, spec, seg, options.force, runner, progress)
        timer.lap("aligning")
    finally:
        if runner is not local:
            runner.close()
        local.close()
    title = f"Alignment report: {inputs.folder or manifest.path}"
    summary = summarise(inputs, pairing, aligned, out, seg, title, manifest, thresholds, options, encoder, embedded0,
                        timer, runner.workers, t0)
    return CorpusResult(aligned.results, pairing.unpaired, inputs.skipped, summary.seconds, summary, summary.failed)

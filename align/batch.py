"""Running corpus mode's per-file and per-pair work: in-process, on a local process pool, or on Dask.

Layout (chosen for a machine whose cores the encoder already uses): the main
process embeds every sentence of the folder in large batches (one model, all
cores); then reading, scoring candidate pairs and aligning run as plain,
picklable tasks on ``jobs`` single-threaded worker processes. A pair task
carries the vectors of its sentences, so a worker only runs the model for
the few multi-sentence runs the aligner asks for (and those go through the
shared on-disk cache, so a re-run embeds nothing). The same tasks run
unchanged on a Dask cluster (``--scheduler ADDRESS``).

Resume: every pair's outputs are written atomically, then a small state file
``OUT/align-state/STEM.json`` with a key over everything that decides them
(input texts, segmentation, languages, method, model, tool version, output
options), the links and the divergences. A later run whose key matches and
whose outputs are all there reuses the pair without aligning it (``force``
redoes it); an interrupted run therefore resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from . import __version__
from .documents import Alignment, Divergence, Document, Link, Sentence
from .errors import InputError
from .export import write_pairs
from .export.atomic import write_text
from .export.report import write_divergences_json
from .checks import check_alignment
from .pipeline import PairResult, align_documents, load, run_pair
from .segment import Segmentation

STATE_DIR = "align-state"  # not hidden: every output is in plain sight
CONFIDENT = 0.5  # a link at least this sure counts as covering its sentences (pairing)


def cpu_count() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass
class ToolSpec:
    """What a worker needs to build the same aligner as the main process (picklable)."""

    method: str = "embedding"
    model: str | None = None
    cache: bool = True
    params: Any = None  # the main aligner's EmbeddingParams (None: the defaults)
    encoder_name: str = ""  # the main process's encoder (engine, model, precision)
    engine: str = "auto"  # the bundled model's engine the main process was asked for (--encoder)
    checks: Any = None  # the run's checks.Selection (--min-severity, --checks, --skip-checks; None: all)
    device: str = "cpu"  # where the main process's encoder runs (resolved: cpu or cuda:N); its name says so too

    @property
    def encoder_key(self) -> tuple:
        return (self.model, self.cache, self.encoder_name)


@dataclass
class BatchOptions:
    """How corpus mode runs: where, how wide, and whether to redo up-to-date pairs."""

    jobs: int = 0  # worker processes; 0 = all cores; 1 = everything in this process
    force: bool = False
    scheduler: str | None = None  # a Dask scheduler address ("tcp://host:8786") or a distributed.Client
    model: str | None = None
    engine: str = "auto"  # --encoder: workers must load the very engine the main process used
    cache: bool = True
    inline_below: int = 8  # fewer tasks than this run in this process (a worker takes seconds to start)
    checks: Any = None  # checks.Selection: which findings the pairs report


# -- encoders and aligners inside a worker ------------------------------------------------------

_ENCODERS: dict[tuple, Any] = {}


def register_encoder(spec: ToolSpec, encoder) -> None:
    """Let in-process tasks use the main process's encoder instead of loading a second model."""
    _ENCODERS[spec.encoder_key] = encoder


class LazyModel:
    """The model behind a worker's cache, loaded on the first string the cache does not hold.

    Most tasks arrive with every vector they need and the aligner's
    multi-sentence runs are usually in the on-disk cache already, so a worker
    mostly never loads the model (hundreds of MB and seconds). It must be the
    very encoder the main process used: vectors of different engines never mix.
    """

    def __init__(self, spec: ToolSpec):
        self.spec = spec
        self.name = spec.encoder_name
        self._model = None

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            from .encoders import make_encoder

            # one thread: there is one worker per core
            model = make_encoder(self.spec.model, cache=False, engine=self.spec.engine, threads=1,
                                 device=self.spec.device).inner
            if self.name and model.name != self.name:
                raise InputError(f"this worker's encoder is {model.name}, the main process's {self.name}: "
                                 "install the same packages on every machine")
            self._model = model
        return self._model.encode(texts)


def LazyEncoder(spec: ToolSpec):
    """A worker's cached encoder whose model loads only when the cache misses."""
    from .encoders import CachedEncoder

    return CachedEncoder(LazyModel(spec), enabled=spec.cache)


def _encoder_for(spec: ToolSpec):
    """One encoder per process and model: the registered one, or a lazy one."""
    enc = _ENCODERS.get(spec.encoder_key)
    if enc is None:
        enc = _ENCODERS[spec.encoder_key] = LazyEncoder(spec)
    return enc


class SeededEncoder:
    """Vectors shipped with a task first, then the process's cached encoder for anything else."""

    def __init__(self, known: dict[str, np.ndarray], inner):
        self.known = dict(known)
        self.inner = inner
        self.name = inner.name
        self.embedded = 0  # strings this task had to send to the inner encoder

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            before = getattr(getattr(self.inner, "stats", None), "embedded", 0) or 0
            self.known.update(zip(missing, self.inner.encode(missing)))
            self.embedded += (getattr(getattr(self.inner, "stats", None), "embedded", 0) or 0) - before
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self.known[t] for t in texts]).astype(np.float32, copy=False)


def _aligner_for(spec: ToolSpec, vectors: dict[str, np.ndarray], quick: bool = False):
    from .aligners import EmbeddingAligner, EmbeddingParams
    from .pipeline import make_aligner

    if quick:  # pairing's check: a fast first pass with default settings, whatever the final method
        encoder = SeededEncoder(vectors, _encoder_for(spec))
        return EmbeddingAligner(encoder, EmbeddingParams(exact_overlaps=False)), encoder
    if spec.method == "embedding":
        encoder = SeededEncoder(vectors, _encoder_for(spec))
        return EmbeddingAligner(encoder, spec.params), encoder
    return make_aligner(spec.method), None


def _worker_init(parent: int) -> None:
    """Pool workers: one thread each (there is one worker per core), and Ctrl-C is the parent's job."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int, every: float = 1.0) -> None:
    """End this worker once the main process is gone (killed, say): an orphan would hold a core and
    its memory for nothing, since no one reads its results. The rerun resumes from the saved state.
    (``parent`` is the pid the pool was made by, so a parent gone before this thread starts counts too;
    where orphans are not re-parented, as on Windows, this never fires.)"""
    while True:
        time.sleep(every)
        if os.getppid() != parent:
            os._exit(1)


# -- the tasks (plain top-level functions over picklable dataclasses) ---------------------------

@dataclass
class LoadTask:
    path: str
    lang: str | None
    seg: Segmentation
    split: bool = True


def load_task(task: LoadTask) -> list[Document] | Alignment:
    """Read one file into its language parts (the whole file as ``lang`` when given); a TMX memory
    is already aligned and comes back as its Alignment, to be re-checked."""
    if task.path.lower().endswith(".tmx"):
        from .readers import alignment_from_tmx

        return alignment_from_tmx(task.path)
    return load(task.path, lang=task.lang, split=task.split, seg=task.seg)


@dataclass
class ScoreTask:
    """A candidate pair to verify by a quick alignment (and, if it covers ``min_cover``, its order control)."""

    src: Document
    tgt: Document
    vectors: dict[str, np.ndarray]
    spec: ToolSpec
    min_cover: float = 0.0


CONTROL_BELOW = 100  # sentences: a shorter side gets the shuffled-order control (``pairing_evidence``)
CONTROL_SEEDS = (1, 2, 3)


def coverage_of(aligner, a: Document, b: Document) -> tuple[float, float, float]:
    """Shares of the characters of (both documents, ``a``, ``b``) that sit in confident links.

    Links of any bead type count (free translations merge and split
    sentences), but only on one monotone path: pairs the aligner rescued out
    of order are left out, so scattered look-alike sentences of two texts on
    one topic add nothing.
    """
    al = align_documents(a, b, aligner)
    size_a = [len(s.text) for s in a.sentences]
    size_b = [len(s.text) for s in b.sentences]
    got_a = got_b = 0
    for link in monotone([l for l in al.links if l.src and l.tgt]):
        if link.score >= CONFIDENT:
            got_a += sum(size_a[i] for i in link.src)
            got_b += sum(size_b[j] for j in link.tgt)
    total_a, total_b = sum(size_a), sum(size_b)
    both = (got_a + got_b) / (total_a + total_b) if total_a + total_b else 0.0
    return both, got_a / total_a if total_a else 0.0, got_b / total_b if total_b else 0.0


def monotone(links: list[Link]) -> list[Link]:
    """The largest subset of two-sided links in the same order on both sides (longest increasing run of
    target positions over links sorted by source position; O(n log n))."""
    import bisect

    links = sorted(links, key=lambda l: (min(l.src), min(l.tgt)))
    tails: list[int] = []  # smallest last target position of an increasing run of each length
    ends: list[int] = []  # the link index behind each tail
    back = [-1] * len(links)
    for k, link in enumerate(links):
        t = min(link.tgt)
        pos = bisect.bisect_left(tails, t)
        back[k] = ends[pos - 1] if pos else -1
        if pos == len(tails):
            tails.append(t)
            ends.append(k)
        else:
            tails[pos], ends[pos] = t, k
    out, k = [], ends[-1] if ends else -1
    while k >= 0:
        out.append(links[k])
        k = back[k]
    return out[::-1]


def shuffled(doc: Document, seed: int) -> Document:
    """The document with its sentence texts in a fixed random order (positions and paragraphs kept). An order
    that leaves more than a third of the sentences in place (likely in short texts) is drawn again, so
    that a translation cannot keep its order by chance."""
    import random
    from dataclasses import replace

    n = len(doc.sentences)
    rng = random.Random(seed)
    order = list(range(n))
    for _ in range(100):
        rng.shuffle(order)
        if sum(k == i for i, k in enumerate(order)) <= n // 3:
            break
    texts = [doc.sentences[k].text for k in order]
    return replace(doc, sentences=[replace(s, text=t) for s, t in zip(doc.sentences, texts)])


def pairing_evidence(aligner, a: Document, b: Document, min_cover: float = 0.0) -> tuple[float, ...]:
    """``coverage_of`` and, for a plausible short pair, the best cover of ``a`` against ``b`` shuffled.

    In short texts on one topic the aligner finds confident-looking links
    between texts that are not translations (two press releases about one
    conference: 39-73 % of both texts). What they lack is order: the same
    links survive when one text is shuffled, while a translation's cover
    collapses. So a pair covering ``min_cover`` whose shorter side has fewer
    than ``CONTROL_BELOW`` sentences is aligned again against two fixed
    shuffles of ``b``; the gain over the better of them is judged by
    ``corpus.Thresholds.min_gain``. Longer texts need no control: a random
    order keeps only about 2·√n sentences in a monotone path. -1 where no
    control was run.
    """
    cover = coverage_of(aligner, a, b)
    control = -1.0
    if cover[0] >= min_cover and min(len(a.sentences), len(b.sentences)) < CONTROL_BELOW and len(b.sentences) > 1:
        control = max(coverage_of(aligner, a, shuffled(b, seed))[0] for seed in CONTROL_SEEDS)
    return (*cover, control)


def score_task(task: ScoreTask) -> tuple[float, ...]:
    aligner, _ = _aligner_for(task.spec, task.vectors, quick=True)
    return pairing_evidence(aligner, task.src, task.tgt, task.min_cover)


@dataclass
class PairTask:
    """Everything one pair needs: its documents, their sentence vectors, where and how to write."""

    stem: str
    src: Document
    tgt: Document
    out: str
    key: str
    vectors: dict[str, np.ndarray]
    spec: ToolSpec
    segtype: str = "sentence"
    split_even: bool = False
    pair_score: float | None = None
    links: list[Link] | None = None  # a memory's own links: check them, do not align


def write_pair_outputs(res: PairResult, out: Path, stem: str, segtype: str = "sentence",
                       split_even: bool = False, checks=None) -> dict[str, str]:
    """Every per-pair output file (each written atomically); returns {kind: path}.

    This is the one place that decides what a pair writes: add a file here and
    resume (which checks that every listed output exists) follows.
    """
    from .review import write_review

    paths = {"tmx": out / f"{stem}.tmx", "tsv": out / f"{stem}.tsv",
             "divergences": out / f"{stem}.divergences.json", "review": out / f"{stem}.review.json"}
    write_pairs(res.alignment, paths["tmx"], "tmx", segtype=segtype, split_even=split_even)
    write_pairs(res.alignment, paths["tsv"], "tsv", segtype=segtype, split_even=split_even)
    write_divergences_json(res.alignment, res.divergences, paths["divergences"],
                           selection=checks.describe() if checks is not None else None)  # which checks ran
    write_review(res, paths["review"])  # for `align review`: correct the links in the browser
    return {kind: str(p) for kind, p in paths.items()}


def run_pair_task(task: PairTask) -> dict:
    """Align, check and write one pair, then record it in the state folder; returns that record."""
    if task.links is not None:
        t0 = time.perf_counter()
        al = Alignment(task.src, task.tgt, task.links, method="tmx")
        res, seeded = PairResult(al, check_alignment(al, select=task.spec.checks), time.perf_counter() - t0), None
    else:
        aligner, seeded = _aligner_for(task.spec, task.vectors)
        res = run_pair(task.src, task.tgt, aligner, task.spec.checks)
    out = Path(task.out)
    outputs = write_pair_outputs(res, out, task.stem, task.segtype, task.split_even, task.spec.checks)
    record = {
        "key": task.key, "stem": task.stem, "version": __version__,
        "method": res.alignment.method, "encoder": res.alignment.encoder,
        "links": [[list(l.src), list(l.tgt), l.score] for l in res.alignment.links],
        "divergences": [asdict(d) for d in res.divergences],
        "seconds": round(res.seconds, 3), "pair_score": task.pair_score,
        "outputs": outputs, "embedded": seeded.embedded if seeded is not None else 0, "process": process_id(),
    }
    write_text(state_path(out, task.stem), json.dumps(record, ensure_ascii=False) + "\n")
    return json.loads(json.dumps(record))  # exactly what a resumed run will read back


def process_id() -> str:
    """Which process ran a task (its embeddings are counted by the main process only if elsewhere)."""
    return f"{socket.gethostname()}:{os.getpid()}"


# -- read documents once: the language of every paragraph and sentence is the costly part ---------

def document_key(task: LoadTask) -> str | None:
    """A digest of a file's bytes and how it is read (None: not cached, e.g. SRX segmentation, TMX)."""
    if task.seg.srx is not None or task.path.lower().endswith(".tmx"):
        return None
    try:
        data = Path(task.path).read_bytes()
    except OSError:
        return None  # the load task reports it
    from dataclasses import fields

    layout = [f.name for f in fields(Document)] + [f.name for f in fields(Sentence)]
    blob = json.dumps([__version__, hashlib.sha1(data).hexdigest(), task.path, task.lang, task.split,
                       task.seg.segtype, task.seg.srx_lang, layout])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def read_documents(out: Path, key: str) -> list[Document] | None:
    try:
        data = json.loads((Path(out) / STATE_DIR / "documents" / f"{key}.json").read_text("utf-8"))
        return [Document(**{**d, "paragraphs": [tuple(p) for p in d["paragraphs"]],
                            "span": tuple(d["span"]) if d["span"] is not None else None,
                            "sentences": [Sentence(**x) for x in d["sentences"]]}) for d in data]
    except (OSError, ValueError, TypeError, KeyError):
        return None


def write_documents(out: Path, key: str, docs: list[Document]) -> None:
    write_text(Path(out) / STATE_DIR / "documents" / f"{key}.json",
               json.dumps([asdict(d) for d in docs], ensure_ascii=False))


# -- pairing's quick alignments, remembered ------------------------------------------------------

def score_key(a: Document, b: Document, spec: ToolSpec, min_cover: float = 0.0) -> str:
    blob = json.dumps([__version__, "cover4", min_cover, CONTROL_BELOW, _doc_identity(a), _doc_identity(b),
                       spec.encoder_name], sort_keys=True)
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()


def read_scores(out: Path) -> dict[str, tuple[float, ...]]:
    """Pairing's remembered quick alignments: key -> (cover of both texts, of the source, of the target,
    of the shuffled control or -1)."""
    try:
        data = json.loads((Path(out) / STATE_DIR / "pairing.json").read_text("utf-8"))
        return {k: tuple(float(x) for x in v) for k, v in data.items() if isinstance(v, list) and len(v) == 4}
    except (OSError, ValueError, TypeError, AttributeError, IndexError):
        return {}


def write_scores(out: Path, scores: dict[str, tuple[float, ...]]) -> None:
    write_text(Path(out) / STATE_DIR / "pairing.json", json.dumps(scores, sort_keys=True))


# -- resume --------------------------------------------------------------------------------------

def state_path(out: Path, stem: str) -> Path:
    return Path(out) / STATE_DIR / f"{stem}.json"


def _doc_identity(d: Document) -> dict:
    text = hashlib.sha1(d.text.encode("utf-8")).hexdigest()
    sents = hashlib.sha1("\n".join(f"{s.paragraph}\t{s.lang or ''}\t{s.text}" for s in d.sentences)
                         .encode("utf-8")).hexdigest()
    return {"path": d.path, "name": d.name, "lang": d.lang, "span": list(d.span or ()), "text": text,
            "sentences": sents}


def pair_key(task_src: Document, task_tgt: Document, spec: ToolSpec, encoder_name: str, segtype: str,
             split_even: bool, stem: str, links: list[Link] | None = None) -> str:
    """A digest of everything that decides a pair's outputs (not the pair score, not timings)."""
    embedding = spec.method == "embedding"
    params = asdict(spec.params) if embedding and spec.params is not None else None
    blob = json.dumps({"version": __version__, "src": _doc_identity(task_src), "tgt": _doc_identity(task_tgt),
                       "method": spec.method, "encoder": encoder_name if embedding else "", "params": params,
                       "segtype": segtype, "split_even": split_even, "stem": stem,
                       "checks": spec.checks.describe() if spec.checks is not None else None,
                       "links": None if links is None else [[l.src, l.tgt, l.score] for l in links]},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def read_state(out: Path, stem: str, key: str) -> dict | None:
    """The stored record of a pair when it is up to date: same key and every output still there."""
    path = state_path(out, stem)
    try:
        record = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("key") != key or not all(Path(p).is_file() for p in record.get("outputs", {}).values()):
        return None
    return record


def result_from_record(record: dict, src: Document, tgt: Document) -> PairResult:
    """Rebuild a PairResult from a task's record and the documents the main process holds."""
    links = [Link(tuple(a), tuple(b), s) for a, b, s in record["links"]]
    divs = [Divergence(**{**d, "src": tuple(d["src"]), "tgt": tuple(d["tgt"])}) for d in record["divergences"]]
    al = Alignment(src, tgt, links, method=record.get("method", ""), encoder=record.get("encoder", ""))
    res = PairResult(al, divs, record.get("seconds", 0.0), dict(record["outputs"]))
    res.pair_score = record.get("pair_score")
    return res


# -- runners ------------------------------------------------------------------------------------

class InlineRunner:
    """Runs tasks one after the other in this process (``--jobs 1``, tests, tiny folders)."""

    workers = 1

    def imap(self, fn: Callable, items: Iterable) -> Iterator[tuple[int, Any, BaseException | None]]:
        for k, item in enumerate(items):
            try:
                yield k, fn(item), None
            except Exception as err:  # one bad task never stops the run
                yield k, None, err

    def close(self) -> None:
        pass


class LocalRunner:
    """A pool of single-threaded worker processes, started on first use.

    Starting a worker costs seconds (imports, language models), so a handful
    of tasks runs in this process instead (``inline_below``).
    """

    def __init__(self, jobs: int, inline_below: int = 8):
        self.workers = jobs
        self.inline_below = inline_below
        self._pool: ProcessPoolExecutor | None = None

    def _get(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing

            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_worker_init, initargs=(os.getpid(),))
        return self._pool

    def imap(self, fn: Callable, items: Iterable) -> Iterator[tuple[int, Any, BaseException | None]]:
        """Results as they complete, keeping only a few tasks in flight (tasks carry vectors)."""
        items = list(items)
        if self._pool is None and len(items) < self.inline_below:
            yield from InlineRunner().imap(fn, items)
            return
        pool = self._get()
        window = 4 * self.workers
        pending: dict[Future, int] = {}
        it = iter(enumerate(items))
        try:
            while True:
                for k, item in it:
                    pending[pool.submit(fn, item)] = k
                    if len(pending) >= window:
                        break
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    k = pending.pop(fut)
                    error = fut.exception()
                    if isinstance(error, BrokenProcessPool):  # not one bad task: the workers are gone
                        raise RuntimeError(f"the worker processes died ({error}); try --jobs 1") from None
                    yield k, None if error else fut.result(), error
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskRunner:
    """The same tasks on a Dask distributed cluster (``pip install -e '.[dask]'``)."""

    def __init__(self, scheduler):
        try:
            from distributed import Client
        except ImportError:
            raise InputError("--scheduler needs Dask distributed: pip install distributed "
                             "(or pip install -e '.[dask]')") from None
        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        else:
            try:
                self.client, self._own = Client(scheduler, timeout="20s"), True
            except (OSError, TimeoutError, ValueError) as err:
                raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
        self.workers = max(1, sum(self.client.nthreads().values()))

    def imap(self, fn: Callable, items: Iterable) -> Iterator[tuple[int, Any, BaseException | None]]:
        from distributed import as_completed

        window = 4 * self.workers
        it = iter(enumerate(items))
        index: dict[str, int] = {}
        queue = as_completed()
        for k, item in it:
            fut = self.client.submit(fn, item, pure=False)
            index[fut.key] = k
            queue.add(fut)
            if queue.count() >= window:
                break
        try:
            for fut in queue:
                k = index.pop(fut.key)
                if fut.status == "error":
                    yield k, None, fut.exception()
                else:
                    yield k, fut.result(), None
                fut.release()
                nxt = next(it, None)
                if nxt is not None:
                    new = self.client.submit(fn, nxt[1], pure=False)
                    index[new.key] = nxt[0]
                    queue.add(new)
        except BaseException:
            queue.clear()
            raise

    def close(self) -> None:
        if self._own:
            self.client.close()


def make_runner(jobs: int = 0, scheduler=None, inline_below: int = 8):
    """Dask when a scheduler is given, else a local pool of ``jobs`` processes (1: in-process)."""
    if scheduler:
        return DaskRunner(scheduler)
    jobs = jobs or cpu_count()
    return InlineRunner() if jobs <= 1 else LocalRunner(jobs, inline_below)


def describe_error(err: BaseException) -> str:
    """One line for a failed task: our own messages as they are, anything else with its type."""
    if isinstance(err, InputError):
        return str(err)
    return f"{type(err).__name__}: {err}"


@dataclass
class Timer:
    """Stage timings for the summary."""

    stages: dict[str, float] = field(default_factory=dict)
    _t: float = field(default_factory=time.perf_counter)

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = round(self.stages.get(stage, 0.0) + now - self._t, 2)
        self._t = now

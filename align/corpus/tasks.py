"""Corpus mode's per-file and per-pair work as plain, picklable tasks that any runner (``runners``) runs.

A task carries what it needs: a pair task the vectors of its sentences, so a
worker only runs the model for the few multi-sentence runs the aligner asks
for (and those go through the shared on-disk cache, so a re-run embeds
nothing); and a ``ToolSpec`` from which a worker builds the very aligner and
encoder the main process has.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..aligners import EmbeddingAligner
from ..checks import check_alignment
from ..documents import Alignment, Divergence, Document, Link, to_json
from ..errors import InputError
from ..pipeline import PairResult, load, run_pair
from ..segment import Segmentation
from .evidence import evidence_of, pairing_evidence
from .outputs import write_pair_outputs
from .pairing import quick_params
from .resume import write_state


@dataclass
class ToolSpec:
    """What a worker needs to build the same aligner as the main process (picklable)."""

    method: str = "embedding"
    model: str | None = None
    cache: bool = True
    params: Any = None  # the main aligner's settings (``Aligner.params``; None: it has none)
    encoder_name: str = ""  # the main process's encoder (engine, model, precision)
    engine: str = "auto"  # the bundled model's engine the main process was asked for (--encoder)
    checks: Any = None  # the run's checks.Selection (--min-severity, --checks, --skip-checks; None: all)
    device: str = "cpu"  # where the main process's encoder runs (resolved: cpu or cuda:N); its name says so too
    uses_encoder: bool = True  # whether the final aligner reads sentence vectors (pairing's quick pass always does)

    @property
    def encoder_key(self) -> tuple:
        return (self.model, self.cache, self.encoder_name)


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
            from ..encoders import make_encoder

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
    from ..encoders import CachedEncoder

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
    """The aligner a task runs (and its seeded encoder, None for an aligner that reads no vectors)."""
    from ..pipeline import make_aligner

    encoder = SeededEncoder(vectors, _encoder_for(spec)) if quick or spec.uses_encoder else None
    if quick:  # pairing's check: a fast first pass with default settings, whatever the final method
        return EmbeddingAligner(encoder, quick_params()), encoder
    return make_aligner(spec.method, encoder, spec.params), encoder


# -- the tasks ----------------------------------------------------------------------------------

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
        from ..readers import alignment_from_tmx

        return alignment_from_tmx(task.path)
    return load(task.path, lang=task.lang, split=task.split, seg=task.seg)


@dataclass
class ScoreTask:
    """A candidate pair to verify by its alignment (and, if it covers ``min_cover``, its order control):
    the final aligner's when ``final`` (and the final method reads vectors), else the quick pass's."""

    src: Document
    tgt: Document
    vectors: dict[str, np.ndarray]
    spec: ToolSpec
    min_cover: float = 0.0
    final: bool = False


@dataclass
class Scored:
    """A score task's answer: the evidence (``evidence.evidence_of``), the final aligner's links (None from the
    quick pass) with their findings and the seconds both took, and the strings this task embedded, in which
    process."""

    evidence: tuple[float, ...]
    links: list[Link] | None
    embedded: int
    process: str
    divergences: list[Divergence] | None = None
    seconds: float = 0.0


def score_task(task: ScoreTask) -> Scored:
    """The candidate's evidence; a final candidate's alignment is also checked here, where the vectors of
    the multi-sentence runs its aligner embedded are at hand (the align stage would fetch them again), so
    the align stage only writes it."""
    final = task.final and task.spec.uses_encoder
    aligner, seeded = _aligner_for(task.spec, task.vectors, quick=not final)
    if not final:
        evidence, links = pairing_evidence(aligner, task.src, task.tgt, task.vectors, task.min_cover)
        return Scored(evidence, None, seeded.embedded, process_id())
    res = run_pair(task.src, task.tgt, aligner, task.spec.checks)
    evidence = evidence_of(res.alignment, task.vectors, task.min_cover)
    return Scored(evidence, res.alignment.links, seeded.embedded, process_id(), res.divergences, res.seconds)


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
    aligned: list[Link] | None = None  # the final aligner's links from pairing: do not align again
    checked: list[Divergence] | None = None  # and their findings, when pairing checked them too
    seconds: float = 0.0  # what pairing's alignment and check of them took


def run_pair_task(task: PairTask) -> dict:
    """Align, check and write one pair, then record it in the state folder; returns that record."""
    if task.links is not None:
        t0 = time.perf_counter()
        al = Alignment(task.src, task.tgt, task.links, method="tmx")
        res, seeded = PairResult(al, check_alignment(al, select=task.spec.checks), time.perf_counter() - t0), None
    else:  # the alignment pairing already made (``aligned``) is not made again, nor its check (``checked``)
        aligner, seeded = _aligner_for(task.spec, task.vectors)
        res = run_pair(task.src, task.tgt, aligner, task.spec.checks, links=task.aligned, divergences=task.checked)
        if task.checked is not None:
            res.seconds += task.seconds
    out = Path(task.out)
    outputs = write_pair_outputs(res, out, task.stem, task.segtype, task.split_even, task.spec.checks)
    record = {
        "key": task.key, "stem": task.stem, "version": __version__,
        "method": res.alignment.method, "encoder": res.alignment.encoder,
        "links": [[list(l.src), list(l.tgt), l.score] for l in res.alignment.links],
        "divergences": to_json(res.divergences),
        "seconds": round(res.seconds, 3), "pair_score": task.pair_score,
        "outputs": outputs, "embedded": seeded.embedded if seeded is not None else 0, "process": process_id(),
    }
    return write_state(out, task.stem, record)


def process_id() -> str:
    """Which process ran a task (its embeddings are counted by the main process only if elsewhere)."""
    return f"{socket.gethostname()}:{os.getpid()}"



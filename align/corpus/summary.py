"""Corpus mode's summarise stage: what a run found and did, as ``summary.json`` holds it and the CLI prints it."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from ..documents import Document
from ..pipeline import PairResult
from .pairing import Candidate


@dataclass
class PairRow:
    """One aligned pair: its documents, size, findings, and the evidence that paired it (None: fixed by hand)."""

    source: str
    target: str
    languages: str
    sentences: list[int]
    links: int
    divergences: int
    pair_score: float | None
    pair_evidence: dict | None
    seconds: float
    outputs: dict[str, str]


@dataclass
class Totals:
    pairs: int
    unpaired: int
    skipped_files: int
    failed_pairs: int
    aligned: int  # pairs aligned in this run
    up_to_date: int  # pairs reused from an earlier run
    sentences: int
    links: int
    divergences: int
    seconds: float


@dataclass
class CorpusSummary:
    """Everything ``summary.json`` records (``as_dict``); unpaired, skipped and failed entries are dicts."""

    folder: str | None
    manifest: str | None
    pairs: list[PairRow]
    documents: list[dict]
    merged: dict[str, dict]  # language pair -> {"tmx", "pairs", "units"}
    pairing: dict  # thresholds, forced pairs, candidate alignments run and computed
    unpaired: list[dict]
    skipped: list[dict]
    failed: list[dict]
    report: str
    encoder: str
    embedded: dict  # strings embedded in this run, requested, seconds ({} when the encoder keeps no stats)
    totals: Totals
    stages: dict[str, float]
    workers: int
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Timer:
    """Stage timings for the summary."""

    stages: dict[str, float] = field(default_factory=dict)
    _t: float = field(default_factory=time.perf_counter)

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = round(self.stages.get(stage, 0.0) + now - self._t, 2)
        self._t = now


def pair_row(r: PairResult, evidence: dict | None) -> PairRow:
    al = r.alignment
    return PairRow(al.src.name, al.tgt.name, f"{al.src.lang}-{al.tgt.lang}",
                   [len(al.src.sentences), len(al.tgt.sentences)], sum(1 for l in al.links if l.src and l.tgt),
                   len(r.divergences), None if r.pair_score is None else round(r.pair_score, 3), evidence,
                   round(r.seconds, 2), r.outputs)


def evidence_entry(c: Candidate) -> dict:
    """A pair's evidence as ``summary.json`` records it."""
    return {"cover": round(c.score, 3), "source_cover": round(c.src_cover, 3), "target_cover": round(c.tgt_cover, 3),
            "lead": round(c.lead, 3), "rival": c.rival,
            "in_order": None if c.order < 0 else round(c.order, 3),
            "shuffled": None if c.order < 0 else round(c.shuffled, 3)}


def document_entry(d: Document) -> dict:
    return {"document": d.name, "file": d.path, "lang": d.lang, "sentences": len(d.sentences),
            "other_languages": {f"paragraph {k + 1}": lang for k, lang in enumerate(d.paragraph_langs)
                                if lang != d.lang}}


def totals_of(rows: list[PairRow], unpaired: int, skipped: int, failed: int, reused: int, seconds: float) -> Totals:
    return Totals(len(rows), unpaired, skipped, failed, len(rows) - reused, reused,
                  sum(sum(p.sentences) for p in rows), sum(p.links for p in rows),
                  sum(p.divergences for p in rows), round(seconds, 2))

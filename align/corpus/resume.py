"""Resume state: what corpus mode remembers in ``OUT/align-state/`` so that a re-run redoes only what changed.

Three records, each keyed by a digest of everything that decides it:
read documents (``documents/KEY.json``: reading and language identification
are the costly part), pairing's evidence of each candidate (``pairing.json``), and
every pair (``STEM.json``: written after the pair's outputs, with a key over
input texts, segmentation, languages, method, settings, tool version and
output options, the links and the divergences). A pair whose key matches
and whose outputs are all there is reused without aligning it (``force``
redoes it); an interrupted run therefore resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..documents import Alignment, Divergence, Document, Link, Sentence, from_json, to_json
from ..export.atomic import write_text
from ..pipeline import PairResult
from .evidence import CONTROL_BELOW, CONTROL_SEEDS, NEIGHBOURS

if TYPE_CHECKING:
    from .tasks import LoadTask, ToolSpec

STATE_DIR = "align-state"  # not hidden: every output is in plain sight


# -- read documents once: the language of every paragraph and sentence is the costly part ---------

def document_key(task: LoadTask) -> str | None:
    """A digest of a file's bytes and how it is read (None: not cached, e.g. SRX segmentation, TMX)."""
    if task.seg.srx is not None or task.path.lower().endswith(".tmx"):
        return None
    try:
        data = Path(task.path).read_bytes()
    except OSError:
        return None  # the load task reports it
    layout = [f.name for f in fields(Document)] + [f.name for f in fields(Sentence)]
    blob = json.dumps([__version__, hashlib.sha1(data).hexdigest(), task.path, task.lang, task.split,
                       task.seg.segtype, task.seg.srx_lang, layout])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def read_documents(out: Path, key: str) -> list[Document] | None:
    try:
        data = json.loads((Path(out) / STATE_DIR / "documents" / f"{key}.json").read_text("utf-8"))
        return [from_json(Document, d) for d in data]
    except (OSError, ValueError, TypeError, KeyError):
        return None


def write_documents(out: Path, key: str, docs: list[Document]) -> None:
    write_text(Path(out) / STATE_DIR / "documents" / f"{key}.json",
               json.dumps(to_json(docs), ensure_ascii=False))


# -- pairing's evidence of each candidate, remembered ---------------------------------------------

def score_key(a: Document, b: Document, spec: ToolSpec, min_cover: float = 0.0, final: bool = False) -> str:
    """A candidate's evidence key: the settings of the aligner that made it (the quick pass's follow the
    aligner's defaults) and of the order control are part of it, so a change of either is never read stale."""
    from .pairing import quick_params

    aligner = [spec.method, repr(spec.params)] if final and spec.uses_encoder else ["quick", repr(quick_params())]
    blob = json.dumps([__version__, "cover5", min_cover, CONTROL_BELOW, CONTROL_SEEDS, NEIGHBOURS,
                       _doc_identity(a), _doc_identity(b), spec.encoder_name, aligner], sort_keys=True)
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()


def read_scores(out: Path) -> dict[str, tuple[float, ...]]:
    """Pairing's remembered evidence: key -> (cover of both texts, of the source, of the target, share matched
    in order and shuffled, or -1 and -1)."""
    try:
        data = json.loads((Path(out) / STATE_DIR / "pairing.json").read_text("utf-8"))
        return {k: tuple(float(x) for x in v) for k, v in data.items() if isinstance(v, list) and len(v) == 5}
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


def params_record(params: Any) -> dict | None:
    """An aligner's settings as a plain dict (None: an aligner without settings)."""
    return (asdict(params) or None) if is_dataclass(params) else None


def pair_key(task_src: Document, task_tgt: Document, spec: ToolSpec, encoder_name: str, segtype: str,
             split_even: bool, stem: str, links: list[Link] | None = None) -> str:
    """A digest of everything that decides a pair's outputs (not the pair score, not timings)."""
    blob = json.dumps({"version": __version__, "src": _doc_identity(task_src), "tgt": _doc_identity(task_tgt),
                       "method": spec.method, "encoder": encoder_name if spec.uses_encoder else "",
                       "params": params_record(spec.params),
                       "segtype": segtype, "split_even": split_even, "stem": stem,
                       "checks": spec.checks.describe() if spec.checks is not None else None,
                       "links": None if links is None else [[l.src, l.tgt, l.score] for l in links]},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def write_state(out: Path, stem: str, record: dict) -> dict:
    """Record a pair whose outputs are written; returns the record as a resumed run will read it back."""
    write_text(state_path(out, stem), json.dumps(record, ensure_ascii=False) + "\n")
    return json.loads(json.dumps(record))


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
    divs = [from_json(Divergence, d) for d in record["divergences"]]
    al = Alignment(src, tgt, links, method=record.get("method", ""), encoder=record.get("encoder", ""))
    res = PairResult(al, divs, record.get("seconds", 0.0), dict(record["outputs"]))
    res.pair_score = record.get("pair_score")
    return res

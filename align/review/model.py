"""The review file: an aligned pair as a reviewer sees and corrects it.

One JSON document (``format: "align-review"``, ``format_version: 1``) holds
everything the editor needs, so the source files are never read again (and
so never changed):

- ``source`` / ``target``: file, document name, language and every sentence
  (``text``, ``paragraph``, ``start``/``end`` offsets into the file, ``lang``
  when it differs from the document's), and for a ``--presplit`` file
  ``ids``, each sentence's 0-based line number (what exported links name);
- ``links``: the rows, in order, each ``{"src": [i…], "tgt": [j…], "score":
  0.97 | null, "status": "auto" | "edited" | "confirmed"}``; together they
  cover every sentence of both sides exactly once. ``score`` is the aligner's
  confidence; a row the reviewer made (merge, split, move) has none;
- ``divergences``: what the checks found, located by sentence indices;
- ``edits``: corrected sentence texts by side and index (the original stays
  in ``sentences``);
- ``history`` / ``undone``: every action as the rows and texts it replaced
  and put in their place, so undo and redo survive a restart;
- ``revision``: bumped by every action; a tab that acts on an older revision
  is refused and told to reload, so two tabs never overwrite each other.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..documents import to_json
from ..errors import InputError

FORMAT = "align-review"
FORMAT_VERSION = 1
SUFFIX = ".review.json"
LOW_CONFIDENCE = 0.6  # rows the aligner scored below this are flagged for review
STATUSES = ("auto", "edited", "confirmed")
SIDES = ("src", "tgt")


@dataclass
class Row:
    """One link as the reviewer sees it: a row of the side-by-side view."""

    src: list[int]
    tgt: list[int]
    score: float | None = None
    status: str = "auto"
    _text: str | None = field(default=None, repr=False, compare=False)

    def as_json(self) -> dict:
        return {"src": self.src, "tgt": self.tgt, "score": self.score, "status": self.status}

    def json_text(self) -> str:
        """The row as JSON, made once: actions replace rows, never change one, so a 20,000-row file
        is re-saved by joining strings instead of re-encoding every row."""
        if self._text is None:
            self._text = json.dumps(self.as_json(), separators=(",", ":"))
        return self._text

    @classmethod
    def from_json(cls, d: dict) -> "Row":
        return cls(list(d["src"]), list(d["tgt"]), d.get("score"), d.get("status", "auto"))


@dataclass
class Review:
    """The whole review file in memory."""

    source: dict
    target: dict
    links: list[Row]
    divergences: list[dict] = field(default_factory=list)
    edits: dict[str, dict[str, str]] = field(default_factory=lambda: {"src": {}, "tgt": {}})
    history: list[dict] = field(default_factory=list)
    undone: list[dict] = field(default_factory=list)
    revision: int = 0
    meta: dict = field(default_factory=dict)  # method, encoder, created, tool, low_confidence

    def side(self, name: str) -> dict:
        return self.source if name == "src" else self.target

    def ids(self, side: str, positions) -> list[int]:
        """The user's numbers of these sentences: a --presplit file's line numbers, else their positions."""
        ids = self.side(side).get("ids")
        return [ids[i] for i in positions] if ids is not None else list(positions)

    def text(self, side: str, i: int) -> str:
        """A sentence's text as the reviewer left it (edited, or as aligned)."""
        edited = self.edits[side].get(str(i))
        return edited if edited is not None else self.side(side)["sentences"][i]["text"]

    @property
    def low_confidence(self) -> float:
        return float(self.meta.get("low_confidence", LOW_CONFIDENCE))


def review_from_result(result) -> Review:  # result: align.pipeline.PairResult
    """A fresh review (revision 0, no edits) of a ``PairResult``."""
    al = result.alignment

    def side(doc) -> dict:
        return {"file": doc.path, "document": doc.name, "lang": doc.lang,
                "sentences": [{"text": s.text, "paragraph": s.paragraph, "start": s.start, "end": s.end,
                               **({"lang": s.lang} if s.lang else {})} for s in doc.sentences],
                **({"ids": list(doc.ids)} if doc.ids is not None else {})}  # line numbers of a --presplit file

    rows = [Row(list(link.src), list(link.tgt), round(float(link.score), 4)) for link in al.links]
    divs = [to_json(d) for d in result.divergences]
    meta = {"method": al.method, "encoder": al.encoder, "tool": f"align {__version__}",
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "low_confidence": LOW_CONFIDENCE}
    return Review(side(al.src), side(al.tgt), rows, divs, meta=meta)


# --- JSON --------------------------------------------------------------------------------------------

def _js(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dumps_fixed(review: Review) -> bytes:
    """The parts no action changes (sentences, divergences), encoded once per session."""
    return (f'"source":{_js(review.source)},\n"target":{_js(review.target)},\n'
            f'"divergences":{_js(review.divergences)},\n').encode("utf-8")


def dumps(review: Review, fixed: bytes | None = None) -> list[bytes]:
    """The review file's bytes, in parts (written one after the other). ``fixed`` (from
    ``dumps_fixed``) saves re-encoding the documents on every save."""
    head = {"format": FORMAT, "format_version": FORMAT_VERSION, "revision": review.revision, **review.meta}
    links = ",\n".join(map(Row.json_text, review.links))
    tail = (f'"links":[\n{links}],\n"edits":{_js(review.edits)},\n"history":{_js(review.history)},\n'
            f'"undone":{_js(review.undone)}}}\n')
    return [_js(head)[:-1].encode("utf-8") + b",\n", fixed or dumps_fixed(review), tail.encode("utf-8")]


def loads(text: str, where: str = "review file") -> Review:
    """Parse and validate a review file; every fault is a one-line ``InputError``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{where}: not JSON ({err.msg}, line {err.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{where}: not a review file (write one with: align pair SRC TGT -o X{SUFFIX})")
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise InputError(f"{where}: review format version {version!r}; this align reads version {FORMAT_VERSION}")
    try:
        meta = {k: v for k, v in data.items() if k not in (
            "format", "format_version", "revision", "source", "target", "divergences", "links", "edits",
            "history", "undone")}
        review = Review(data["source"], data["target"], [Row.from_json(r) for r in data["links"]],
                        list(data.get("divergences", [])),
                        {s: dict(data.get("edits", {}).get(s, {})) for s in SIDES},
                        list(data.get("history", [])), list(data.get("undone", [])), int(data.get("revision", 0)),
                        meta)
        validate(review)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InputError(f"{where}: damaged review file ({type(err).__name__}: {err})") from None
    return review


def validate(review: Review) -> None:
    """Rows cover every sentence of both sides exactly once; statuses, scores and edits are sane."""
    for side in SIDES:
        doc = review.side(side)
        n = len(doc["sentences"])
        for s in doc["sentences"]:
            if not isinstance(s["text"], str):
                raise ValueError(f"a {side} sentence without text")
        ids = doc.get("ids")
        if ids is not None and (not isinstance(ids, list) or len(ids) != n
                                or not all(isinstance(x, int) for x in ids) or ids != sorted(set(ids))):
            raise ValueError(f"the {side} sentence ids are not {n} increasing numbers")
        seen = [0] * n
        for row in review.links:
            for i in getattr(row, side):
                if not isinstance(i, int) or not 0 <= i < n:
                    raise ValueError(f"{side} sentence {i!r} does not exist")
                seen[i] += 1
        bad = next((i for i, c in enumerate(seen) if c != 1), None)
        if bad is not None:
            raise ValueError(f"{side} sentence {bad} is in {seen[bad]} rows (must be in exactly one)")
        for key, text in review.edits[side].items():
            if not isinstance(text, str) or not 0 <= int(key) < n:
                raise ValueError(f"edit of {side} sentence {key!r}")
    for row in review.links:
        if not row.src and not row.tgt:
            raise ValueError("an empty row")
        if row.status not in STATUSES:
            raise ValueError(f"row status {row.status!r}")
        if row.score is not None and not isinstance(row.score, (int, float)):
            raise ValueError(f"row score {row.score!r}")


def read_review(path: str | Path) -> Review:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a review file (not UTF-8 text)") from None
    except OSError as err:
        raise InputError(f"{p}: cannot read ({err.strerror})") from None
    return loads(text, str(p))

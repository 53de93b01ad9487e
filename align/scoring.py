"""Reading, writing and scoring sentence alignments against a gold standard.

The link format is the one of the Bleualign/Vecalign/Bertalign test sets: one
link per line, ``[src indices]:[tgt indices]``, 0-based, e.g. ``[4]:[5, 6]``;
a sentence without partner is ``[12]:[]`` or ``[]:[40]``.

Scores follow the usual protocol (Vecalign's ``score.py``, reused by
Bertalign), micro-averaged over all links of all documents:

- precision is over every distinct predicted link, 1-0 and 0-1 links
  included (such a link is right only if the gold has exactly it);
- recall is over the gold links whose two sides are both non-empty, checked
  against the predicted links whose two sides are both non-empty;
- strict: a link counts when the other side has exactly the same link;
- lax: a link also counts when it shares at least one source and one target
  sentence with a single link of the other side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

LinkPair = tuple[tuple[int, ...], tuple[int, ...]]

_LINE = re.compile(r"^\s*\[([\d,\s]*)\]\s*:\s*\[([\d,\s]*)\]\s*$")


def _indices(field: str) -> tuple[int, ...]:
    return tuple(int(x) for x in field.replace(",", " ").split())


def parse_links(text: str, source: str = "<string>") -> list[LinkPair]:
    """Links from the text of a link file; blank lines are skipped."""
    links: list[LinkPair] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            raise ValueError(f"{source}:{n}: not a link of the form [i, j]:[k]: {line.strip()[:80]!r}")
        links.append((_indices(match.group(1)), _indices(match.group(2))))
    return links


def read_links(path: str | Path) -> list[LinkPair]:
    """Read a link file (``[i, j]:[k]`` per line); ValueError names the file if it is not one."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a link file (not UTF-8 text)") from None
    return parse_links(text, str(path))


def _as_pair(link) -> LinkPair:
    """Accept ``(src, tgt)`` pairs as well as objects with ``.src``/``.tgt`` (``Link``)."""
    if hasattr(link, "src") and hasattr(link, "tgt"):
        return tuple(link.src), tuple(link.tgt)
    src, tgt = link
    return tuple(src), tuple(tgt)


def format_links(links: Iterable) -> str:
    """The link file text (one ``[i, j]:[k]`` line per link, newline-terminated)."""
    from .export.tabular import format_link

    return "".join(format_link(*_as_pair(link)) + "\n" for link in links)


def _count(reference: Sequence[LinkPair], hypothesis: Sequence[LinkPair]) -> tuple[int, int, int]:
    """(strict hits, lax hits, total) of the hypothesis links measured against the reference links.

    Both are deduplicated and links empty on both sides are dropped. A link
    is a strict hit if the reference holds it exactly, and a lax hit if some
    reference link shares a source and a target sentence with it.
    """
    ref = {p for p in map(_as_pair, reference) if p[0] or p[1]}
    hyp = {p for p in map(_as_pair, hypothesis) if p[0] or p[1]}
    # for every source sentence, the target sentences it is linked to in the reference
    partners: dict[int, set[int]] = {}
    for src, tgt in ref:
        for i in src:
            partners.setdefault(i, set()).update(tgt)
    strict = lax = 0
    for src, tgt in hyp:
        if (src, tgt) in ref:
            strict += 1
            lax += 1
        elif any(partners.get(i, set()).intersection(tgt) for i in src):
            lax += 1
    return strict, lax, len(hyp)


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def count(gold: Sequence[Sequence], pred: Sequence[Sequence]) -> dict:
    """The raw counts behind ``score``, summed over documents.

    ``n_pred``: distinct predicted links; ``strict_p_hits``/``lax_p_hits``:
    how many of them are right; ``n_gold``: gold links with both sides
    non-empty; ``strict_r_hits``/``lax_r_hits``: how many of them are found.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold documents but {len(pred)} predicted ones")
    out = dict.fromkeys(["strict_p_hits", "lax_p_hits", "n_pred", "strict_r_hits", "lax_r_hits", "n_gold"], 0)
    for g, h in zip(gold, pred):
        s, l, n = _count(g, h)
        out["strict_p_hits"] += s
        out["lax_p_hits"] += l
        out["n_pred"] += n
        g_full = [p for p in map(_as_pair, g) if p[0] and p[1]]
        h_full = [p for p in map(_as_pair, h) if p[0] and p[1]]
        s, l, n = _count(h_full, g_full)  # recall: gold links measured against the predictions
        out["strict_r_hits"] += s
        out["lax_r_hits"] += l
        out["n_gold"] += n
    return out


def score(gold: Sequence[Sequence], pred: Sequence[Sequence]) -> dict:
    """Strict and lax precision, recall and F1 of predicted links, one list of links per document.

    ``gold[k]`` and ``pred[k]`` are the links of document k, as ``(src, tgt)``
    index tuples (or ``Link`` objects). Counts are summed over documents
    before dividing (micro average); a ratio with nothing to divide by is 0.
    Keys: strict_p, strict_r, strict_f1, lax_p, lax_r, lax_f1.
    """
    c = count(gold, pred)
    out = {}
    for kind in ("strict", "lax"):
        p = _ratio(c[f"{kind}_p_hits"], c["n_pred"])
        r = _ratio(c[f"{kind}_r_hits"], c["n_gold"])
        out.update({f"{kind}_p": p, f"{kind}_r": r, f"{kind}_f1": _f1(p, r)})
    return out


def score_files(gold_paths: Sequence[str | Path], pred_paths: Sequence[str | Path]) -> dict:
    """``score`` over pairs of link files (the k-th gold file goes with the k-th prediction)."""
    if len(gold_paths) != len(pred_paths):
        raise ValueError(f"{len(gold_paths)} gold files but {len(pred_paths)} prediction files")
    return score([read_links(p) for p in gold_paths], [read_links(p) for p in pred_paths])


def link_correct(gold: Sequence, pred: Sequence) -> list[bool]:
    """For each predicted link of one document, whether the gold holds exactly that link."""
    ref = {p for p in map(_as_pair, gold)}
    return [_as_pair(link) in ref for link in pred]


@dataclass
class Disagreement:
    """One place where a prediction and the gold differ, for a reader to look at.

    ``wrong``: predicted links the gold does not hold exactly; ``missed``: gold
    links the prediction does not hold exactly (a one-sided gold link is listed
    too, though recall does not count it); joined into one place when they share
    a sentence. ``src``/``tgt``: every sentence they touch, sorted.
    """

    wrong: list[LinkPair] = field(default_factory=list)
    missed: list[LinkPair] = field(default_factory=list)
    src: tuple[int, ...] = ()
    tgt: tuple[int, ...] = ()


def disagreements(gold: Sequence, pred: Sequence) -> list[Disagreement]:
    """Where one document's predicted links differ from the gold, in source order (see ``Disagreement``)."""
    ref = {p for p in map(_as_pair, gold) if p[0] or p[1]}
    hyp = {p for p in map(_as_pair, pred) if p[0] or p[1]}
    items = [(True, x) for x in sorted(hyp - ref)] + [(False, x) for x in sorted(ref - hyp)]
    parent = list(range(len(items)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    owner: dict[tuple[str, int], int] = {}  # the first item seen holding each sentence
    for k, (_, (src, tgt)) in enumerate(items):
        for key in [("s", i) for i in src] + [("t", j) for j in tgt]:
            if key in owner:
                parent[root(k)] = root(owner[key])
            else:
                owner[key] = k
    groups: dict[int, Disagreement] = {}
    for k, (is_wrong, link) in enumerate(items):
        d = groups.setdefault(root(k), Disagreement())
        (d.wrong if is_wrong else d.missed).append(link)
    out = []
    for d in groups.values():
        d.src = tuple(sorted({i for s, _ in d.wrong + d.missed for i in s}))
        d.tgt = tuple(sorted({j for _, t in d.wrong + d.missed for j in t}))
        out.append(d)
    return sorted(out, key=lambda d: (d.src[:1] or (-1,), d.tgt[:1]))


def format_disagreements(places: Sequence[Disagreement], src: Sequence[str] | None = None,
                         tgt: Sequence[str] | None = None, width: int = 160) -> str:
    """A plain-text listing of ``disagreements``: the gold and predicted links of each place, then its sentences.

    ``src``/``tgt``: the sentences the indices point to (left out when not
    given); each is cut to ``width`` characters.
    """
    from .export.tabular import format_link

    def text(sents, k):
        if k >= len(sents):
            return "(no such sentence)"
        s = sents[k]
        return s if len(s) <= width else s[:width - 1] + "…"

    lines = []
    for d in places:
        lines.append(f"at source {_span(d.src)} / target {_span(d.tgt)}")
        lines += [f"  gold {format_link(*link)}" for link in d.missed]
        lines += [f"  pred {format_link(*link)}" for link in d.wrong]
        for side, sents, idx in (("src", src, d.src), ("tgt", tgt, d.tgt)):
            if sents is not None:
                lines += [f"    {side} {k:>5}  {text(sents, k)}" for k in idx]
    return "".join(line + "\n" for line in lines)


def _span(idx: Sequence[int]) -> str:
    if not idx:
        return "-"
    return str(idx[0]) if len(idx) == 1 else f"{idx[0]}-{idx[-1]}"

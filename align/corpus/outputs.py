"""Every file corpus mode writes into OUT: per pair, merged memories per language pair, the report, the summary.

Memories go through the export registry (``align.export.write``), reports
through ``align.export.report``; each file is written atomically. The
per-pair files are listed in the pair's resume record, so that a pair
whose outputs are gone is redone.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..export import write, write_text
from ..export.report import render_html, write_divergences_json
from ..pipeline import PairResult


def write_pair_outputs(res: PairResult, out: Path, stem: str, segtype: str = "sentence",
                       split_even: bool = False, checks=None) -> dict[str, str]:
    """Every per-pair output file (each written atomically); returns {kind: path}.

    This is the one place that decides what a pair writes: add a file here and
    resume (which checks that every listed output exists) follows.
    """
    from ..review import write_review

    paths = {"tmx": out / f"{stem}.tmx", "tsv": out / f"{stem}.tsv",
             "divergences": out / f"{stem}.divergences.json", "review": out / f"{stem}.review.json"}
    for fmt in ("tmx", "tsv"):
        write(res.alignment, paths[fmt], fmt, segtype=segtype, split_even=split_even)
    write_divergences_json(res.alignment, res.divergences, paths["divergences"],
                           selection=checks.describe() if checks is not None else None)  # which checks ran
    write_review(res, paths["review"])  # for `align review`: correct the links in the browser
    return {kind: str(p) for kind, p in paths.items()}


def write_merged(results: list[PairResult], out: Path, segtype: str = "sentence",
                 split_even: bool = False) -> dict[str, dict]:
    """One TMX per language pair with the units of every pair in those languages (in pair order)."""
    groups: dict[str, list[PairResult]] = {}
    for r in results:
        groups.setdefault(f"{r.alignment.src.lang}-{r.alignment.tgt.lang}", []).append(r)
    taken = {Path(p).name for r in results for p in r.outputs.values()}
    merged = {}
    for langs, rs in groups.items():
        name = f"merged.{langs}.tmx"
        while name in taken:  # a document called "merged": never overwrite its own TMX
            name = "_" + name
        path = out / name
        n = write([r.alignment for r in rs], path, "tmx", segtype=segtype, split_even=split_even)
        merged[langs] = {"tmx": str(path), "pairs": len(rs), "units": n}
    return merged




def write_report(results: list[PairResult], unpaired: list[dict], out: Path, title: str,
                 selection: str | None = None) -> Path:
    """``OUT/report.html``: every pair's divergences, and the documents left without a partner."""
    report = out / "report.html"
    write_text(report, render_html(results, unpaired, title=title, selection=selection))
    return report


def write_summary(summary: dict, out: Path) -> Path:
    """``OUT/summary.json``: what the run found and did (``summary.CorpusSummary.as_dict``)."""
    path = out / "summary.json"
    write_text(path, json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    return path

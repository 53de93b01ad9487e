"""Reports of a memory check (and of a clean): JSON with every unit's score, HTML, Markdown, CSV.

The texts of flagged units are read again from the memory (a second streamed
pass) rather than kept from the check, so a large memory never sits in RAM.
All memory text in the HTML goes through ``html.escape``; the page has no script.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from pathlib import Path
from typing import Optional

from .export.atomic import write_text
from .memory_check import Finding, MemoryCheck

SUFFIXES = (".html", ".htm", ".json", ".md", ".csv")


def unit_texts(path: str | Path, units: set[int], fmt: Optional[str] = None, src_lang: Optional[str] = None,
               tgt_lang: Optional[str] = None) -> dict[int, tuple[str, str]]:
    """The (source, target) of the wanted units (0-based), read again from the memory."""
    from .export.formats import read_bitext

    out: dict[int, tuple[str, str]] = {}
    if not units:
        return out
    last = max(units)
    for k, unit in enumerate(read_bitext(path, fmt, src_lang, tgt_lang)):
        if k in units:
            out[k] = (unit.src, unit.tgt)
        if k >= last:
            break
    return out


def write_check_report(path: str | Path, check: MemoryCheck, src: str | Path, select=None, fmt: Optional[str] = None,
                       src_lang: Optional[str] = None, tgt_lang: Optional[str] = None) -> None:
    """The report of ``align check MEMORY``: the findings ``select`` keeps (all without one), with their texts.

    ``check.findings`` keeps only those, so that what is printed afterwards counts what the report shows.
    """
    from .memory_check import keeps

    if select is not None:
        check.findings = [f for f in check.findings if keeps(f, select)]
    write_report(path, check, unit_texts(src, {f.unit for f in check.findings}, fmt, src_lang, tgt_lang))


def _rows(check: MemoryCheck, texts: dict[int, tuple[str, str]], actions: Optional[dict[int, str]]) -> list[dict]:
    rows = []
    for f in check.findings:
        s, t = texts.get(f.unit, ("", ""))
        row = {"unit": f.unit + 1, "kind": f.kind, "severity": f.severity, "message": f.message,
               "score": round(float(check.scores[f.unit]), 3), "source": s, "target": t, "details": f.details}
        if actions is not None:
            row["action"] = actions.get(f.unit, "kept")
        rows.append(row)
    return rows


def summary(findings: list[Finding]) -> dict[str, int]:
    """Findings by kind, most frequent first."""
    return dict(Counter(f.kind for f in findings).most_common())


def write_report(path: str | Path, check: MemoryCheck, texts: dict[int, tuple[str, str]],
                 actions: Optional[dict[int, str]] = None, title: str = "Memory check") -> None:
    """Write the report in the format its extension names (``actions``: unit -> dropped/marked, for clean)."""
    p = Path(path)
    ext = p.suffix.lower()
    rows = _rows(check, texts, actions)
    if ext == ".json":
        base = (lambda tag: tag.split("-")[0].lower())
        data = {"file": check.path, "source_lang": check.src_lang, "target_lang": check.tgt_lang,
                # as in align check SRC TGT's report
                "source": {"file": check.path, "lang": base(check.src_lang)},
                "target": {"file": check.path, "lang": base(check.tgt_lang)},
                "units": check.units, "encoder": check.encoder, "seconds": round(check.seconds, 2),
                "counts": summary(check.findings),
                "severities": dict(Counter(f.severity for f in check.findings)),
                "scores": [round(float(x), 3) for x in check.scores], "findings": rows}
        if actions is not None:
            data["dropped"] = sorted(u + 1 for u, a in actions.items() if a == "dropped")
        write_text(p, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    elif ext == ".csv":
        buf = io.StringIO()
        cols = ["unit", "kind", "severity", "score", "message", "source", "target"] + (["action"] if actions else [])
        w = csv.DictWriter(buf, cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        write_text(p, buf.getvalue())
    elif ext == ".md":
        write_text(p, _markdown(check, rows, title))
    else:
        write_text(p, _html(check, rows, title, actions is not None))


def _counts_line(check: MemoryCheck) -> str:
    sev = Counter(f.severity for f in check.findings)
    flagged = len({f.unit for f in check.findings})
    return (f"{check.units} units, {flagged} with findings: {sev['error']} errors, {sev['warning']} warnings, "
            f"{sev['note']} notes")


def _markdown(check: MemoryCheck, rows: list[dict], title: str) -> str:
    lines = [f"# {title}: {check.path}", "", _counts_line(check), ""]
    for kind, n in summary(check.findings).items():
        lines.append(f"- {kind}: {n}")
    lines.append("")
    for r in rows:
        action = f" — {r['action']}" if "action" in r else ""
        lines.append(f"## Unit {r['unit']}: {r['kind']} ({r['severity']}, score {r['score']:.2f}){action}")
        lines += ["", r["message"], "", f"> {r['source']}", ">", f"> {r['target']}", ""]
    return "\n".join(lines) + "\n"


_CSS = """body{font:15px/1.45 system-ui,sans-serif;margin:0 2em 4em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:4px 6px;vertical-align:top}
th{background:#f3f3f3;text-align:left}.num{text-align:right}
tr.error{background:#fde2e1}tr.warning{background:#fff4d6}tr.note{background:#eef3ff}
td.text{width:30%}small{color:#666}"""


def _html(check: MemoryCheck, rows: list[dict], title: str, with_action: bool) -> str:
    e = html.escape
    kinds = "".join(f"<tr><td>{e(k)}</td><td class=num>{n}</td></tr>" for k, n in summary(check.findings).items())
    head = "<tr><th>unit</th><th>finding</th><th>score</th><th>source</th><th>target</th>" + \
        ("<th>action</th>" if with_action else "") + "</tr>"
    body = []
    for r in rows:
        action = f"<td>{e(r['action'])}</td>" if with_action else ""
        body.append(f"<tr class=\"{e(r['severity'])}\"><td class=num>{r['unit']}</td>"
                    f"<td><b>{e(r['kind'])}</b> <small>{e(r['severity'])}</small><br>{e(r['message'])}</td>"
                    f"<td class=num>{r['score']:.2f}</td><td class=text>{e(r['source'])}</td>"
                    f"<td class=text>{e(r['target'])}</td>{action}</tr>")
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{e(title)}</title><style>{_CSS}</style>"
            f"</head><body><h1>{e(title)}: {e(Path(check.path).name)}</h1>"
            f"<p>{e(check.src_lang)} → {e(check.tgt_lang)}; {e(_counts_line(check))}. "
            f"<small>Scores in [0, 1]: below 0.5 the sides do not look like translations of each other "
            f"(encoder {e(check.encoder)}).</small></p>"
            f"<table style=\"width:auto\"><tr><th>finding</th><th>units</th></tr>{kinds}</table>"
            f"<h2>Findings</h2><table>{head}{''.join(body)}</table></body></html>\n")

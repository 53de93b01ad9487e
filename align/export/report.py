"""Divergence reports: one self-contained HTML page per run, plus JSON and Markdown.

All document text goes through ``html.escape``; the page's only script is our
own filter code, which reads nothing but the kind and severity attributes.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

from ..documents import Alignment, Divergence, to_json
from ..errors import InputError
from .atomic import write_text

REPORT_SUFFIXES = (".html", ".htm", ".md", ".json", ".csv")


def check_report_name(path: str | Path) -> None:
    """Refuse a report name whose extension names no report format (before any work is done)."""
    if Path(path).suffix.lower() not in REPORT_SUFFIXES:
        raise InputError(f"{path}: the report must end in .html, .md, .json or .csv")


def write_report(path: str | Path, results, unpaired: list[dict] | None = None,
                 selection: dict | None = None) -> None:
    """A divergence report of ``results`` (``PairResult``s) in the format the extension names: a page
    (.html), Markdown, CSV, or JSON (one pair). ``selection``: ``checks.Selection.describe()``."""
    check_report_name(path)
    ext = Path(path).suffix.lower()
    if ext in (".html", ".htm"):
        write_text(path, render_html(results, unpaired, selection=selection))
    elif ext == ".md":
        write_text(path, render_markdown(results, unpaired, selection=selection))
    elif ext == ".csv":
        write_text(path, render_csv(results))
    elif len(results) == 1:
        write_divergences_json(results[0].alignment, results[0].divergences, path, selection=selection)
    else:
        raise InputError(f"{path}: a JSON report holds one pair; use .html, .md or .csv for several")


def severity_counts(divs: list[Divergence]) -> str:
    """'1 error, 2 warnings, 0 notes': the one way reports and the CLI count divergences."""
    sev = Counter(d.severity for d in divs)
    return ", ".join(f"{sev[k]} {k if sev[k] == 1 else k + 's'}" for k in ("error", "warning", "note"))


def surest_first(divs: list[Divergence]) -> list[Divergence]:
    """The order a reader goes through findings: errors, warnings, notes, each surest first."""
    from ..checks import by_certainty

    return by_certainty(divs)


def checks_run(selection: dict | None) -> dict:
    """What a report records about the checks: the minimum severity and the checks run and skipped."""
    from ..checks import Selection

    return selection if selection is not None else Selection().describe()


_LEVELS = {"error": "errors only", "warning": "errors and warnings", "note": "errors, warnings and notes"}


def _checks_line(selection: dict | None) -> str:
    """The report's one line on what it shows ("errors and warnings from every check")."""
    chosen = checks_run(selection)
    if not chosen["skipped"]:
        which = "every check"
    elif len(chosen["skipped"]) <= len(chosen["checks"]):
        which = "every check but " + ", ".join(chosen["skipped"])
    else:
        which = "the checks " + ", ".join(chosen["checks"])
    return f"Shows {_LEVELS.get(chosen['min_severity'], chosen['min_severity'])} from {which}."


def write_divergences_json(al: Alignment, divs: list[Divergence], path: str | Path,
                           selection: dict | None = None) -> None:
    data = {
        "source": {"file": al.src.path, "document": al.src.name, "lang": al.src.lang},
        "target": {"file": al.tgt.path, "document": al.tgt.name, "lang": al.tgt.lang},
        "checks": checks_run(selection),
        "counts": dict(Counter(d.kind for d in divs)),
        "divergences": to_json(surest_first(divs)),
    }
    write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 2em 4em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2.5em;border-bottom:2px solid #ccc}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:4px 6px;vertical-align:top}
th{background:#f3f3f3;text-align:left}.num{text-align:right}
.sev-error{background:#fde2e1}.sev-warning{background:#fff4d6}.sev-note{background:#eef3ff}
.pairs td{width:46%}.pairs td.meta{width:8%;font-size:.8em;color:#666;white-space:nowrap}
.pairs tr.one-sided td.empty{background:repeating-linear-gradient(45deg,#fafafa,#fafafa 6px,#f0f0f0 6px,#f0f0f0 12px)}
.tag{display:inline-block;font-size:.75em;padding:0 .4em;border-radius:3px;margin-right:.3em;background:#eee}
.tag.error{background:#e5534b;color:#fff}.tag.warning{background:#e0a100;color:#fff}.tag.note{background:#6e8fd8;color:#fff}
.filters{margin:.5em 0}.hidden{display:none}small{color:#666}
"""

_JS = """
document.querySelectorAll('.filters').forEach(function(f){
  var table=document.getElementById(f.dataset.table);
  function apply(){
    var kind=f.querySelector('.kind').value, sev=f.querySelector('.sev').value;
    table.querySelectorAll('tbody tr').forEach(function(r){
      var ok=(!kind||r.dataset.kind===kind)&&(!sev||r.dataset.sev===sev);
      r.classList.toggle('hidden',!ok);
    });
  }
  f.querySelectorAll('select').forEach(function(s){s.addEventListener('change',apply);});
});
"""

e = html.escape


def _side_of(al: Alignment, divs: list[Divergence]) -> tuple[dict[int, list[Divergence]], dict[int, list[Divergence]]]:
    by_src: dict[int, list[Divergence]] = {}
    by_tgt: dict[int, list[Divergence]] = {}
    for d in divs:
        for i in d.src:
            by_src.setdefault(i, []).append(d)
        for j in d.tgt:
            by_tgt.setdefault(j, []).append(d)
    return by_src, by_tgt


def _tags(divs: list[Divergence]) -> str:
    seen = []
    for d in divs:
        if (d.kind, d.severity) not in seen:
            seen.append((d.kind, d.severity))
    return "".join(f'<span class="tag {e(s)}">{e(k)}</span>' for k, s in seen)


def _pair_section(n: int, al: Alignment, divs: list[Divergence], outputs: dict[str, str],
                  selection: dict | None = None) -> str:
    counts = Counter(d.kind for d in divs)
    pairs = sum(1 for l in al.links if l.src and l.tgt)
    out = [f'<h2 id="pair{n}">{e(al.src.name)} ({e(al.src.lang)}) → {e(al.tgt.name)} ({e(al.tgt.lang)})</h2>']
    out.append(f"<p>{len(al.src.sentences)} source and {len(al.tgt.sentences)} target sentences, "
               f"{pairs} aligned pairs; {severity_counts(divs)}. "
               f"Method: {e(al.method)} {e(al.encoder)}. {e(_checks_line(selection))}</p>")
    if outputs:
        out.append("<p><small>" + " · ".join(f"{e(k)}: {e(Path(v).name)}" for k, v in outputs.items())
                   + "</small></p>")
    if counts:
        out.append("<p>" + " ".join(f'<span class="tag">{e(k)}: {v}</span>' for k, v in sorted(counts.items()))
                   + "</p>")
    table_id = f"divs{n}"
    kinds = "".join(f'<option value="{e(k)}">{e(k)}</option>' for k in sorted(counts))
    out.append(f'<div class="filters" data-table="{table_id}">Filter: <select class="kind"><option value="">'
               f'all kinds</option>{kinds}</select> <select class="sev"><option value="">all severities</option>'
               '<option>error</option><option>warning</option><option>note</option></select></div>')
    out.append(f'<table id="{table_id}"><thead><tr><th>severity</th><th>kind</th><th>what</th><th>source</th>'
               "<th>target</th></tr></thead><tbody>")
    for d in surest_first(divs):
        where = []
        for side, loc in (("source", d.details.get("src_location")), ("target", d.details.get("tgt_location"))):
            if loc:
                where.append(f"{side}: line {loc['line']}, chars {loc['start']}–{loc['end']}")
        anchor = f"p{n}s{d.src[0]}" if d.src else f"p{n}t{d.tgt[0]}"
        out.append(f'<tr class="sev-{e(d.severity)}" data-kind="{e(d.kind)}" data-sev="{e(d.severity)}">'
                   f'<td>{e(d.severity)}</td><td>{e(d.kind)}</td><td>{e(d.message)}<br><small>'
                   f'{e("; ".join(where))} · <a href="#{anchor}">show in text</a></small></td>'
                   f"<td>{e(d.src_text)}</td><td>{e(d.tgt_text)}</td></tr>")
    out.append("</tbody></table>")
    by_src, by_tgt = _side_of(al, divs)
    out.append(f'<h3>Side by side</h3><table class="pairs"><thead><tr><th>{e(al.src.lang)}</th><th>'
               f'{e(al.tgt.lang)}</th><th>link</th></tr></thead><tbody>')
    for link in al.links:
        row_divs = [d for i in link.src for d in by_src.get(i, [])] + [d for j in link.tgt for d in by_tgt.get(j, [])]
        worst = min((d.severity for d in row_divs), key=["error", "warning", "note"].index, default="")
        cls = ("one-sided " if not (link.src and link.tgt) else "") + (f"sev-{worst}" if worst else "")
        ids = "".join(f'<a id="p{n}s{i}"></a>' for i in link.src) + "".join(f'<a id="p{n}t{j}"></a>' for j in link.tgt)
        s, t = map(e, al.texts(link))
        same = link.src and link.tgt and " ".join(s.casefold().split()) == " ".join(t.casefold().split())
        # an <img> line or a code line the same on both sides: the encoder cannot score it, nothing differs
        score = "<br>same text" if same else f"<br>{link.score:.2f}" if link.src and link.tgt else ""
        meta = f"{e(link.kind)}{score}"
        out.append(f'<tr class="{cls}"><td class="{"" if s else "empty"}">{ids}{_tags(row_divs)}{s}</td>'
                   f'<td class="{"" if t else "empty"}">{t}</td><td class="meta">{meta}</td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def render_html(results, unpaired: list[dict] | None = None, title: str = "Alignment report",
                selection: dict | None = None) -> str:
    """The whole run on one page: summary, then each pair's divergences (surest first) and side-by-side text.

    ``selection`` (``checks.Selection.describe()``): which checks ran and the minimum severity, recorded.
    """
    unpaired = unpaired or []
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{e(title)}</h1>"]
    parts.append("<table><thead><tr><th>pair</th><th>languages</th><th class=num>sentences</th>"
                 "<th class=num>pairs</th><th class=num>errors</th><th class=num>warnings</th>"
                 "<th class=num>notes</th></tr></thead><tbody>")
    for n, r in enumerate(results):
        al, divs = r.alignment, r.divergences
        sev = Counter(d.severity for d in divs)
        parts.append(f'<tr><td><a href="#pair{n}">{e(al.src.name)} → {e(al.tgt.name)}</a></td>'
                     f"<td>{e(al.src.lang)}–{e(al.tgt.lang)}</td>"
                     f"<td class=num>{len(al.src.sentences)} / {len(al.tgt.sentences)}</td>"
                     f"<td class=num>{sum(1 for l in al.links if l.src and l.tgt)}</td>"
                     f"<td class=num>{sev['error']}</td><td class=num>{sev['warning']}</td>"
                     f"<td class=num>{sev['note']}</td></tr>")
    parts.append("</tbody></table>")
    if unpaired:
        parts.append("<h2>Documents without a translation in this folder</h2><ul>")
        for u in unpaired:
            best = f" (closest candidate: {e(u['best'])})" if u.get("best") else ""
            why = f": {e(u['why'])}" if u.get("why") else ""
            parts.append(f"<li>{e(u['document'])} ({e(u['lang'])}){best}{why}</li>")
        parts.append("</ul>")
    for n, r in enumerate(results):
        parts.append(_pair_section(n, r.alignment, r.divergences, r.outputs, selection))
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts)


def render_markdown(results, unpaired: list[dict] | None = None, selection: dict | None = None) -> str:
    """A plain-text version of the report, for review in a terminal or a pull request."""
    lines = ["# Alignment report", "", _checks_line(selection), ""]
    for r in results:
        al = r.alignment
        lines += [f"## {al.src.name} ({al.src.lang}) → {al.tgt.name} ({al.tgt.lang})", "",
                  "| severity | kind | what |", "|---|---|---|"]
        for d in surest_first(r.divergences):
            message = d.message.replace("|", "\\|")
            lines.append(f"| {d.severity} | {d.kind} | {message} |")
        lines.append("")
    for u in unpaired or []:
        lines.append(f"- no translation found for {u['document']} ({u['lang']})")
    return "\n".join(lines) + "\n"


CSV_COLUMNS = ["source_document", "target_document", "severity", "kind", "message", "source_sentences",
               "target_sentences", "source_line", "target_line", "source_start", "source_end", "target_start",
               "target_end", "source_text", "target_text"]


def _cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (a cell starting with = + - @ gets a quote)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(results) -> str:
    """One row per divergence, for spreadsheets and QA tools (sentence numbers are 1-based)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for r in results:
        al = r.alignment
        for d in surest_first(r.divergences):
            s_loc, t_loc = d.details.get("src_location") or {}, d.details.get("tgt_location") or {}
            w.writerow([_cell(al.src.name), _cell(al.tgt.name), d.severity, d.kind, _cell(d.message),
                        " ".join(str(i + 1) for i in d.src), " ".join(str(j + 1) for j in d.tgt),
                        s_loc.get("line", ""), t_loc.get("line", ""), s_loc.get("start", ""), s_loc.get("end", ""),
                        t_loc.get("start", ""), t_loc.get("end", ""), _cell(d.src_text), _cell(d.tgt_text)])
    return buf.getvalue()

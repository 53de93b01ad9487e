"""How trustworthy the divergence report is on real translated documents (issue 19).

    python -m eval.realworld [--pair NAME ...] [--min-severity note|warning|error] [--given-langs]
                             [--unjudged-json FILE] [--json FILE] [--list] [--threads N]

Every pair under ``eval/data/realworld/`` (a folder with two documents and a ``meta.json``: sources,
licence, languages, whether the versions are in sync and which content is one-sided) goes through
exactly what ``align pair SRC TGT`` runs: ``align.read_pair`` (``pipeline.load_one`` on each file),
the bundled encoder as ``align.make_encoder`` makes it (embedding cache on), ``align.make_aligner("embedding")``
and ``align.align_and_check`` with the check selection that ``--min-severity`` builds (``checks.selection``, where the
code has it). Languages are detected as the CLI does when no ``--src-lang``/``--tgt-lang`` is given (what
a user types); ``--given-langs`` passes the pair's languages instead, and a detected language that
differs from the pair's is printed either way.

Each divergence is matched with a hand verdict in ``verdicts.jsonl`` (``real`` or ``false``), keyed on the
pair, the check kind and the text it points at on each side (joined sentences), so that a new message
wording, new sentence numbers or a new segmentation do not orphan a verdict. Printed: per kind and
severity the alarms, judged-real and precision; alarms per 100 links on the in-sync pairs
(warnings+errors, and notes apart); per pair the counts and how many of the one-sided passages written
down in ``meta.json`` some alarm points at (and which ones none does); and every alarm without a
verdict (never dropped: judge it and add a line). The exit status is 1 only when a pair fails to run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "realworld"
VERDICTS = DATA / "verdicts.jsonl"
SEVERITIES = ("error", "warning", "note")


@dataclass
class Pair:
    """One document pair of the benchmark and what is known about it."""

    name: str
    src: Path
    tgt: Path
    src_lang: str
    tgt_lang: str
    in_sync: bool
    expected: list[dict] = field(default_factory=list)  # one-sided passages: {"side": "src"|"tgt", "text": ...}


@dataclass
class Alarm:
    """A divergence of the current code, with the texts it is keyed on."""

    pair: str
    kind: str
    severity: str
    message: str
    src: str  # the texts of the sentences it points at, joined
    tgt: str

    @property
    def key(self) -> str:
        return verdict_key(self.pair, self.kind, self.src, self.tgt)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def verdict_key(pair: str, kind: str, src: str, tgt: str) -> str:
    """A verdict's identity: pair, check kind and the text it points at on each side.

    Not sentence ids or message wording, and the joined text rather than the list of sentences, so that a
    change of segmentation or of the message keeps the verdict.
    """
    blob = json.dumps([pair, kind, _norm(src), _norm(tgt)], ensure_ascii=False)
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()[:16]


def load_pairs(names: list[str] | None = None) -> list[Pair]:
    pairs = []
    for meta_path in sorted(DATA.glob("*/meta.json")):
        name = meta_path.parent.name
        if names and name not in names:
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        pairs.append(Pair(name, meta_path.parent / meta["src"]["file"], meta_path.parent / meta["tgt"]["file"],
                          meta["src"]["lang"], meta["tgt"]["lang"], bool(meta["in_sync"]), meta.get("expected", [])))
    missing = set(names or ()) - {p.name for p in pairs}
    if missing:
        raise SystemExit(f"no such pair: {', '.join(sorted(missing))} (folders under {DATA})")
    return pairs


def load_verdicts(path: Path = VERDICTS) -> dict[str, dict]:
    verdicts = {}
    if path.exists():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                v = json.loads(line)
                if v.get("verdict") not in ("real", "false"):
                    raise SystemExit(f"{path}:{n}: verdict must be 'real' or 'false'")
                verdicts[v["key"]] = v
    return verdicts


def _selection(min_severity: str):
    """The check selection ``align pair --min-severity`` builds; None where the library has none (older code)."""
    try:
        from align.checks import selection
    except ImportError:
        return None
    return selection(min_severity)


def run_pair(pair: Pair, encoder, given_langs: bool, min_severity: str = "note"):
    """What ``align pair SRC TGT [--min-severity S]`` does for one pair (without writing files)."""
    from align import align_and_check, make_aligner, read_pair

    src_lang, tgt_lang = (pair.src_lang, pair.tgt_lang) if given_langs else (None, None)
    a, b = read_pair(pair.src, pair.tgt, src_lang, tgt_lang)
    aligner = make_aligner("embedding", encoder)
    select = _selection(min_severity)
    return align_and_check(a, b, aligner) if select is None else align_and_check(a, b, aligner, select)


def alarms_of(pair: Pair, result) -> list[Alarm]:
    al = result.alignment
    out = []
    for d in result.divergences:
        src = [al.src.sentences[i].text for i in d.src] or ([d.src_text] if d.src_text else [])
        tgt = [al.tgt.sentences[j].text for j in d.tgt] or ([d.tgt_text] if d.tgt_text else [])
        out.append(Alarm(pair.name, d.kind, d.severity, d.message, _norm(" ".join(src)), _norm(" ".join(tgt))))
    return out


def expected_missed(pair: Pair, alarms: list[Alarm]) -> list[dict]:
    """The pair's known one-sided passages (by a snippet of their text) that no alarm points at."""
    return [exp for exp in pair.expected
            if not any(_norm(exp["text"]).lower() in (a.src if exp["side"] == "src" else a.tgt).lower()
                       for a in alarms)]


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "  - "


def _clip(text: str, n: int = 160) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _nearest_verdict(alarm: Alarm, verdicts: dict[str, dict]) -> dict | None:
    """A verdict of the same pair and check sharing one side's text: a hint for the judge, never counted."""
    for v in verdicts.values():
        if v["pair"] == alarm.pair and v["kind"] == alarm.kind and (
                (alarm.src and v["src"] == alarm.src) or (alarm.tgt and v["tgt"] == alarm.tgt)):
            return v
    return None


def report(rows: list[dict], alarms: list[Alarm], verdicts: dict[str, dict], list_all: bool) -> dict:
    """Print the figures; return them for ``--json``."""
    by_kind: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for a in alarms:
        v = verdicts.get(a.key)
        c = by_kind[(a.kind, a.severity)]
        c["alarms"] += 1
        c["judged"] += v is not None
        c["real"] += bool(v and v["verdict"] == "real")
    print("\nper check and severity (precision = real / judged)")
    print(f"  {'kind':24} {'severity':8} {'alarms':>6} {'judged':>6} {'real':>5} {'precision':>9}")
    totals: dict[str, Counter] = defaultdict(Counter)
    def line(kind: str, sev: str, c: Counter) -> str:
        precision = _ratio(c["real"], c["judged"])
        return f"  {kind:24} {sev:8} {c['alarms']:6d} {c['judged']:6d} {c['real']:5d} {precision:>9}"

    for (kind, sev), c in sorted(by_kind.items(), key=lambda kv: (SEVERITIES.index(kv[0][1]), kv[0][0])):
        print(line(kind, sev, c))
        totals[sev].update(c)
    for sev in SEVERITIES:
        print(line("ALL", sev, totals[sev]))

    sync = [r for r in rows if r["in_sync"]]
    links = sum(r["links"] for r in sync)
    warn_err = sum(r["errors"] + r["warnings"] for r in sync)
    notes = sum(r["notes"] for r in sync)
    print(f"\nin-sync pairs: {len(sync)}, {links} links: {warn_err} warnings+errors = "
          f"{100 * warn_err / max(links, 1):.1f} per 100 links; {notes} notes = {100 * notes / max(links, 1):.1f} "
          "per 100 links")
    exp_found = sum(r["expected_found"] for r in rows)
    exp_total = sum(r["expected"] for r in rows)
    print(f"known one-sided passages (meta.json 'expected') pointed at by some alarm: {exp_found} / {exp_total}")
    for r in rows:
        for m in r["expected_missed"]:
            print(f"  missed: {r['pair']} · {m}")

    unjudged = [a for a in alarms if a.key not in verdicts]
    shown = alarms if list_all else unjudged
    title = "every alarm" if list_all else "NEW alarms without a verdict"
    print(f"\n{title} ({len(shown)}):")
    for a in shown:
        v = verdicts.get(a.key)
        tag = f"[{v['verdict']}: {v.get('reason', '')}]" if v else "[UNJUDGED]"
        if not v and (near := _nearest_verdict(a, verdicts)):
            tag += f" (a verdict on one of its texts, same check: {near['verdict']}: {near.get('reason', '')})"
        print(f"- {a.pair} · {a.kind} · {a.severity} · {a.key} {tag}\n    {_clip(a.message, 200)}\n"
              f"    src: {_clip(a.src)}\n    tgt: {_clip(a.tgt)}")
    print(f"\n*** {len(unjudged)} unjudged alarm{'' if len(unjudged) == 1 else 's'} "
          f"of {len(alarms)} ***" if unjudged else f"\nall {len(alarms)} alarms judged")
    return {
        "pairs": rows,
        "by_kind": [{"kind": k, "severity": s, **c} for (k, s), c in sorted(by_kind.items())],
        "totals": {s: dict(totals[s]) for s in SEVERITIES},
        "in_sync": {"pairs": len(sync), "links": links, "warnings_errors": warn_err, "notes": notes,
                    "warnings_errors_per_100_links": round(100 * warn_err / max(links, 1), 2),
                    "notes_per_100_links": round(100 * notes / max(links, 1), 2)},
        "expected_found": exp_found, "expected": exp_total, "unjudged": len(unjudged),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.realworld", description=__doc__.split("\n\n")[0])
    ap.add_argument("--pair", action="append", help="run only this pair (folder name; repeatable)")
    ap.add_argument("--min-severity", choices=SEVERITIES, default="note", help="leave out alarms below this")
    ap.add_argument("--given-langs", action="store_true",
                    help="pass the pair's languages (as --src-lang/--tgt-lang) instead of detecting them")
    ap.add_argument("--unjudged-json", type=Path, help="write the alarms without a verdict here (for judging)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--list", action="store_true", help="print every alarm with its verdict, not only new ones")
    ap.add_argument("--threads", type=int, help="cores for the encoder (as align pair --threads)")
    args = ap.parse_args(argv)

    from align import make_encoder

    pairs = load_pairs(args.pair)
    verdicts = load_verdicts()
    keep = SEVERITIES[: SEVERITIES.index(args.min_severity) + 1]
    encoder = make_encoder(threads=args.threads)
    rows, alarms, failed = [], [], []
    print(f"{len(pairs)} pairs, {len({tuple(sorted((p.src_lang, p.tgt_lang))) for p in pairs})} language pairs; "
          f"languages {'given' if args.given_langs else 'detected as align pair does'}; encoder {encoder.name}")
    print(f"  {'pair':34} {'langs':9} {'sync':4} {'sent':>9} {'links':>5} {'err':>3} {'warn':>4} {'note':>4} "
          f"{'real':>4} {'new':>3} {'found':>5} {'s':>5}")
    for pair in pairs:
        t0 = time.perf_counter()
        try:
            result = run_pair(pair, encoder, args.given_langs, args.min_severity)
        except Exception as exc:  # one broken pair must not hide the others' figures
            failed.append(pair.name)
            print(f"  {pair.name}: FAILED {type(exc).__name__}: {exc}")
            continue
        al = result.alignment
        mine = [a for a in alarms_of(pair, result) if a.severity in keep]
        alarms += mine
        sev = Counter(a.severity for a in mine)
        missed = expected_missed(pair, mine)
        found, total = len(pair.expected) - len(missed), len(pair.expected)
        langs = f"{al.src.lang}-{al.tgt.lang}"
        if (al.src.lang, al.tgt.lang) != (pair.src_lang, pair.tgt_lang):
            langs += "!"
        row = {"pair": pair.name, "langs": langs, "in_sync": pair.in_sync,
               "sentences": [len(al.src.sentences), len(al.tgt.sentences)],
               "links": sum(1 for l in al.links if l.src and l.tgt),
               "errors": sev["error"], "warnings": sev["warning"], "notes": sev["note"],
               "real": sum(1 for a in mine if verdicts.get(a.key, {}).get("verdict") == "real"),
               "unjudged": sum(1 for a in mine if a.key not in verdicts),
               "expected_found": found, "expected": total,
               "expected_missed": [f"{e['side']}: {e['text']}" for e in missed],
               "seconds": round(time.perf_counter() - t0, 1)}
        rows.append(row)
        print(f"  {pair.name:34} {langs:9} {'yes' if pair.in_sync else 'no':4} "
              f"{row['sentences'][0]:>4}/{row['sentences'][1]:<4} {row['links']:5d} {row['errors']:3d} "
              f"{row['warnings']:4d} {row['notes']:4d} {row['real']:4d} {row['unjudged']:3d} "
              f"{f'{found}/{total}' if total else '-':>5} {row['seconds']:5.1f}")
    if any(r["langs"].endswith("!") for r in rows):
        print("  (! = a detected language differs from the pair's)")
    if failed:
        print(f"\n*** {len(failed)} pair{'' if len(failed) == 1 else 's'} FAILED: the figures below leave "
              f"{'it' if len(failed) == 1 else 'them'} out ***")
    figures = report(rows, alarms, verdicts, args.list)
    if args.unjudged_json:
        new = [{"key": a.key, "pair": a.pair, "kind": a.kind, "severity": a.severity, "message": a.message,
                "src": a.src, "tgt": a.tgt, "verdict": None, "reason": ""} for a in alarms if a.key not in verdicts]
        args.unjudged_json.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in new), encoding="utf-8")
        print(f"{len(new)} unjudged alarms written to {args.unjudged_json}")
    if args.json:
        args.json.write_text(json.dumps({**figures, "failed": failed}, ensure_ascii=False, indent=1), encoding="utf-8")
    if failed:
        print(f"FAILED pairs: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

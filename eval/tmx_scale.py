"""Scale benchmark: write and read back 1,000,000 TUs (TMX, and optionally the other formats) in flat memory.

    python -m eval.tmx_scale                      # 1,000,000 TUs, TMX
    python -m eval.tmx_scale --units 200000 --formats tmx xliff tsv jsonl xlsx

Units are generated on the fly (never held in a list), written with the
project's streaming writers, then read back with its streaming readers and
counted. Each format runs in a fresh child process, so the peak RSS printed
for it (``ru_maxrss`` of that child) is its own; the figure to compare with is
the RSS of an idle interpreter that imported the same modules (printed first).
Seconds are wall-clock; the CPU seconds of the child (user + system) are
printed beside them because on a shared machine they move much less.
Nothing here is a test: it prints seconds and megabytes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXT = {"tmx": "tmx", "xliff": "xlf", "xliff2": "xlf", "tsv": "tsv", "jsonl": "jsonl", "moses": "moses",
       "xlsx": "xlsx"}


def _units(n: int):
    from align.export import Unit

    for k in range(n):
        yield Unit(f"Detta är mening nummer {k} i ett mycket stort översättningsminne & <taggar>.",
                   f"This is sentence number {k} in a very large translation memory & <tags>.",
                   (k % 1000) / 1000, "1-1", f"doc{k // 1000}.sv.txt | doc{k // 1000}.en.txt")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(fmt: str, n: int, folder: str) -> dict:
    from align.export import Bitext, read_bitext, write

    path = Path(folder) / f"scale.sv-en.{EXT[fmt]}"
    base = _rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    written = write(Bitext("sv", "en", _units(n)), path, fmt)
    t1, c1 = time.perf_counter(), time.process_time()
    after_write = _rss_mb()
    count = 0
    for _ in read_bitext(path, fmt if fmt in ("moses", "xliff2") else None):
        count += 1
    t2, c2 = time.perf_counter(), time.process_time()
    size = sum(p.stat().st_size for p in Path(folder).glob("scale.*"))
    for p in Path(folder).glob("scale.*"):
        p.unlink()
    assert written == count == n, (written, count, n)
    return {"format": fmt, "units": n, "write_s": round(t1 - t0, 1), "read_s": round(t2 - t1, 1),
            "write_cpu_s": round(c1 - c0, 1), "read_cpu_s": round(c2 - c1, 1),
            "mb_on_disk": round(size / 2**20), "rss_after_import_mb": round(base),
            "peak_rss_write_mb": round(after_write), "peak_rss_mb": round(_rss_mb())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--formats", nargs="+", default=["tmx"], choices=sorted(EXT))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.units, args.dir)))
        return
    print(f"{'format':8} {'units':>9} {'write s':>8} {'(cpu)':>6} {'read s':>7} {'(cpu)':>6} {'MB':>6} "
          f"{'RSS import':>11} {'peak write':>11} {'peak all':>9}")
    with tempfile.TemporaryDirectory(prefix="align-scale-") as folder:
        for fmt in args.formats:
            proc = subprocess.run([sys.executable, "-m", "eval.tmx_scale", "--child", fmt, "--units", str(args.units),
                                   "--dir", folder], capture_output=True, text=True,
                                  cwd=Path(__file__).resolve().parent.parent, env=os.environ)
            if proc.returncode:
                print(f"{fmt}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"{r['format']:8} {r['units']:>9} {r['write_s']:>8} {r['write_cpu_s']:>6} {r['read_s']:>7} "
                  f"{r['read_cpu_s']:>6} {r['mb_on_disk']:>6} {r['rss_after_import_mb']:>8} MB "
                  f"{r['peak_rss_write_mb']:>8} MB {r['peak_rss_mb']:>6} MB")


if __name__ == "__main__":
    main()

"""An xlsx review sheet: one row per pair, for a reviewer in Excel or LibreOffice, and read back.

Columns: ``source (sv)``, ``target (en)``, ``score``, ``link``, ``document``,
``note``. The header names the languages, so the sheet converts back to TMX
after review (edited texts are kept; rows whose source and target a reviewer
emptied are dropped). Written with openpyxl's write-only mode (streamed).
"""

from __future__ import annotations

import contextlib

import re
import zipfile
from pathlib import Path
from typing import Iterator

from ..errors import InputError
from .atomic import atomic_open
from .bitext import Bitext, Unit, parse_score

_HEAD = re.compile(r"^\s*(source|target)\s*\(([^)]+)\)\s*$", re.I)
COLUMNS = ("source", "target", "score", "link", "document", "note")
_LOW = 0.5  # scores below this are shaded for the reviewer


def write_xlsx(bt: Bitext, path: str | Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment as Align, Font, PatternFill

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("pairs")
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEF", (60, 60, 8, 6, 30, 30)):
        ws.column_dimensions[col].width = width
    bold, wrap = Font(bold=True), Align(wrap_text=True, vertical="top")
    low = PatternFill("solid", fgColor="FFF4D6")
    head = [f"source ({bt.src_lang})", f"target ({bt.tgt_lang})", *COLUMNS[2:]]
    cells = []
    for name in head:
        c = WriteOnlyCell(ws, value=name)
        c.font = bold
        cells.append(c)
    ws.append(cells)
    n = 0
    try:
        for u in bt.units:
            row = []
            for k, value in enumerate((u.src, u.tgt, None if u.score is None else round(u.score, 3), u.link,
                                       u.document, None)):
                c = WriteOnlyCell(ws, value=value)
                if k < 2:
                    c.alignment = wrap
                if u.score is not None and u.score < _LOW:
                    c.fill = low
                row.append(c)
            ws.append(row)
            n += 1
    except BaseException:
        # a reader failing half-way: close openpyxl's streaming writer before the error goes up,
        # or it prints its own traceback when it is garbage-collected
        with contextlib.suppress(Exception):
            ws.close()
        raise
    with atomic_open(path, "wb", encoding=None) as fh:
        wb.save(fh)
    return n


def read_xlsx(path: str | Path, src_lang: str | None = None, tgt_lang: str | None = None) -> Bitext:
    from openpyxl import load_workbook

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise InputError(f"{p}: not an xlsx workbook ({str(err).splitlines()[0] if str(err) else 'unreadable'})") \
            from None
    except Exception as err:  # openpyxl's own InvalidFileException and friends
        raise InputError(f"{p}: not an xlsx workbook ({type(err).__name__})") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise InputError(f"{p}: the sheet is empty")
    names = [str(h or "").strip() for h in header]
    langs = {}
    for k, name in enumerate(names[:2]):
        m = _HEAD.match(name)
        if not m or m.group(1).lower() != ("source", "target")[k]:
            raise InputError(f"{p}: expected the header 'source (LANG)', 'target (LANG)', found {names[:2]}")
        langs[k] = m.group(2).strip()
    col = {name.lower(): k for k, name in enumerate(names)}

    def cell(row, name):
        k = col.get(name)
        return row[k] if k is not None and k < len(row) else None

    def units() -> Iterator[Unit]:
        try:
            for n, row in enumerate(rows, 2):
                s, t = row[0] if row else None, row[1] if len(row) > 1 else None
                s, t = ("" if s is None else str(s)), ("" if t is None else str(t))
                if not s.strip() and not t.strip():
                    continue
                yield Unit(s, t, parse_score(cell(row, "score"), f"{p}, row {n}"), str(cell(row, "link") or ""),
                           str(cell(row, "document") or ""))
        finally:
            wb.close()

    return Bitext(src_lang or langs[0], tgt_lang or langs[1], units())

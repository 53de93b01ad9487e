"""Line-based formats: TSV, JSONL, Moses (two plain-text files) and the gold-file link format.

TSV follows LF Aligner's columns: source, target, score, document; no
header, one pair per line. JSONL has one object per link. Moses is two
line-parallel files ``STEM.SRC`` and ``STEM.TGT``. All are streamed both
ways and written through ``atomic_open``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from ..errors import InputError
from .atomic import atomic_open, open_output
from .bitext import Bitext, Unit, need_langs, parse_score

_NOT_LANGS = {"tmx", "tsv", "txt", "xlf", "xliff", "xlsx", "jsonl", "json", "csv", "md", "html", "htm", "links",
              "moses", "bak", "tmp", "part", "log", "gz", "zip", "xml", "srx"}
_LANG_EXT = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


def _open_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Numbered lines of a UTF-8 text file (a BOM is skipped); one-line errors for the rest."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            for n, line in enumerate(fh, 1):
                yield n, line.rstrip("\r\n")
    except UnicodeDecodeError as err:
        raise InputError(f"{p}: not valid UTF-8 (byte {err.object[err.start]:#04x})") from None


def _score(score: float | None) -> str:
    return "" if score is None else f"{score:.3f}"


# --- TSV -------------------------------------------------------------------------------------------

def write_tsv(bt: Bitext, path: str | Path) -> int:
    """source <TAB> target <TAB> score <TAB> document, one unit a line."""
    n = 0
    with open_output(path) as fh:
        for u in bt.units:
            fh.write(f"{u.src}\t{u.tgt}\t{_score(u.score)}\t{u.document}\n")
            n += 1
    return n


def read_tsv(path: str | Path, src_lang: str | None = None, tgt_lang: str | None = None) -> Bitext:
    src_lang, tgt_lang = need_langs(path, src_lang, tgt_lang, "TSV")

    def units() -> Iterator[Unit]:
        for n, line in _open_lines(path):
            if not line.strip():
                continue
            cols = line.split("\t")
            if len(cols) < 2:
                raise InputError(f"{path}, line {n}: expected source<TAB>target, found no tab")
            score = parse_score(cols[2].strip(), f"{path}, line {n}") if len(cols) > 2 else None
            yield Unit(cols[0], cols[1], score, "", cols[3] if len(cols) > 3 else "")

    return Bitext(src_lang, tgt_lang, units())


# --- JSONL -----------------------------------------------------------------------------------------

def write_jsonl(bt: Bitext, path: str | Path) -> int:
    """One object per unit, always with the same keys (``src_ids``/``tgt_ids`` null where unknown)."""
    n = 0
    with open_output(path) as fh:
        for u in bt.units:
            row = {"src": u.src, "tgt": u.tgt, "src_ids": _ids(u.src_ids), "tgt_ids": _ids(u.tgt_ids),
                   "link": u.link, "score": u.score, "src_lang": bt.src_lang, "tgt_lang": bt.tgt_lang,
                   "document": u.document}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def _ids(ids: tuple[int, ...] | None) -> list[int] | None:
    return None if ids is None else list(ids)


def read_jsonl(path: str | Path, src_lang: str | None = None, tgt_lang: str | None = None) -> Bitext:
    lines = _open_lines(path)

    def rows() -> Iterator[tuple[int, dict]]:
        for n, line in lines:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{path}, line {n}: not JSON ({err.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("src"), str) \
                    or not isinstance(row.get("tgt"), str):
                raise InputError(f"{path}, line {n}: expected an object with \"src\" and \"tgt\" strings")
            yield n, row

    it = rows()
    first = next(it, None)
    if first is not None:
        src_lang = src_lang or first[1].get("src_lang")
        tgt_lang = tgt_lang or first[1].get("tgt_lang")
    src_lang, tgt_lang = need_langs(path, src_lang, tgt_lang, "JSONL")

    def units() -> Iterator[Unit]:
        if first is None:
            return
        yield _unit(*first)
        for n, row in it:
            yield _unit(n, row)

    def _unit(n: int, row: dict) -> Unit:
        return Unit(row["src"], row["tgt"], parse_score(row.get("score"), f"{path}, line {n}"),
                    str(row.get("link") or ""), str(row.get("document") or ""),
                    src_ids=_read_ids(row.get("src_ids"), path, n), tgt_ids=_read_ids(row.get("tgt_ids"), path, n))

    return Bitext(src_lang, tgt_lang, units())


def _read_ids(value, path, n: int) -> tuple[int, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(k, int) and not isinstance(k, bool) for k in value):
        raise InputError(f"{path}, line {n}: src_ids and tgt_ids must be lists of sentence numbers")
    return tuple(value)


# --- Moses -----------------------------------------------------------------------------------------

def moses_stem(path: str | Path) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix.lower() == ".moses" else p


def write_moses(bt: Bitext, path: str | Path) -> int:
    """Two line-parallel files, ``STEM.SRC`` and ``STEM.TGT`` (``x.moses`` -> ``x.sv``, ``x.en``)."""
    stem = moses_stem(path)
    paths = [stem.with_name(f"{stem.name}.{lang}") for lang in (bt.src_lang, bt.tgt_lang)]
    if paths[0] == paths[1]:
        raise InputError(f"{stem}: source and target are both {bt.src_lang}")
    n = 0
    with atomic_open(paths[0]) as fs, atomic_open(paths[1]) as ft:
        for u in bt.units:
            fs.write(u.src + "\n")
            ft.write(u.tgt + "\n")
            n += 1
    return n


def moses_files(path: str | Path, src_lang: str | None, tgt_lang: str | None) -> tuple[Path, Path, str, str]:
    """The two files of a Moses pair named by ``x.moses`` (or ``x``), and their languages."""
    stem = moses_stem(path)
    if src_lang and tgt_lang:
        found = {src_lang: stem.with_name(f"{stem.name}.{src_lang}"), tgt_lang: stem.with_name(f"{stem.name}.{tgt_lang}")}
    else:
        found = {}
        if stem.parent.is_dir():
            for p in sorted(stem.parent.glob(f"{stem.name}.*")):
                ext = p.name[len(stem.name) + 1:]
                if p.is_file() and _LANG_EXT.match(ext) and ext.lower() not in _NOT_LANGS:
                    found[ext] = p
    langs = list(found)
    if len(langs) != 2:
        raise InputError(f"{stem}: a Moses pair is two files {stem.name}.SRC and {stem.name}.TGT"
                         + (f" (found {', '.join(langs)})" if langs else " (found none)"))
    for p in found.values():
        if not p.is_file():
            raise InputError(f"{p}: no such file")
    if src_lang and src_lang in found:
        src = src_lang
    elif tgt_lang and tgt_lang in found:
        src = next(k for k in langs if k != tgt_lang)
    else:
        # no hint: English is usually the target (as in corpus mode)
        src = next((k for k in langs if not k.lower().startswith("en")), langs[0])
    tgt = next(k for k in langs if k != src)
    return found[src], found[tgt], src, tgt


def read_moses(path: str | Path, src_lang: str | None = None, tgt_lang: str | None = None) -> Bitext:
    sp, tp, src, tgt = moses_files(path, src_lang, tgt_lang)

    def units() -> Iterator[Unit]:
        a, b = _open_lines(sp), _open_lines(tp)
        while True:
            x, y = next(a, None), next(b, None)
            if x is None and y is None:
                return
            if x is None or y is None:
                short = sp if x is None else tp
                raise InputError(f"{short}: has fewer lines than the other side of the Moses pair")
            yield Unit(x[1], y[1])

    return Bitext(src, tgt, units())


# --- links -----------------------------------------------------------------------------------------

def format_link(src: tuple[int, ...], tgt: tuple[int, ...]) -> str:
    """``[0, 1]:[2]`` — the link format of the Text+Berg gold files."""
    return f"[{', '.join(map(str, src))}]:[{', '.join(map(str, tgt))}]"


def write_links(bt: Bitext, path: str | Path) -> int:
    """One link a line, by sentence number: the gold format ``align eval`` reads."""
    n = 0
    with open_output(path) as fh:
        for u in bt.units:
            if u.src_ids is None or u.tgt_ids is None:
                raise InputError(f"{path}: the links format needs sentence numbers, which this input has not")
            fh.write(format_link(u.src_ids, u.tgt_ids) + "\n")
            n += 1
    return n

"""Write a memory without the units a memory check failed (or with them marked), keeping everything else.

TMX to TMX copies each kept ``<tu>`` as it was written (every property,
note, attribute and inline tag survives); ``--keep-flagged`` only adds an
``x-align-check`` property naming the reasons. Every other pair of formats
goes through the streamed readers and writers of ``align convert``, which
keep what the output format can carry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

from lxml import etree

from .errors import InputError
from .export.atomic import atomic_open
from .export.bitext import Unit
from .memory_check import KINDS, MemoryCheck

DEFAULT_DROP = ("misaligned", "empty", "untranslated", "duplicate")
FLAG_PROP = "x-align-check"


def drop_kinds(value: Optional[str]) -> tuple[str, ...]:
    """The kinds named by ``--drop`` (comma-separated kinds or groups; ``none`` for none); InputError if unknown."""
    if value is None:
        return DEFAULT_DROP
    from .checks import named_kinds

    if [n.strip().lower() for n in value.split(",") if n.strip()] == ["none"]:
        return ()
    return named_kinds(value, "--drop", KINDS)  # kinds and groups ("values"), as --checks names them


def decide(check: MemoryCheck, kinds: tuple[str, ...], min_score: float = 0.0) -> dict[int, list[str]]:
    """Unit (0-based) -> why it fails: its findings of the dropped kinds, and a score under ``min_score``."""
    out: dict[int, list[str]] = {}
    for f in check.findings:
        if f.kind in kinds and f.kind not in out.get(f.unit, []):
            out.setdefault(f.unit, []).append(f.kind)
    if min_score > 0:
        for u, s in enumerate(check.scores):
            if s < min_score:
                out.setdefault(u, []).append(f"score {s:.2f} < {min_score:g}")
    return out


def summary(failing: dict[int, list[str]]) -> str:
    """The reasons units failed, most frequent first ("3 misaligned, 1 empty"; a low score counts as "score")."""
    counts: dict[str, int] = {}
    for why in failing.values():
        for w in why:
            key = "score" if w.startswith("score") else w
            counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda x: -x[1])) or "none"


def write_clean_report(report: str | Path, check: MemoryCheck, src: str | Path, failing: dict[int, list[str]],
                       action: str, fmt: Optional[str] = None, src_lang: Optional[str] = None,
                       tgt_lang: Optional[str] = None) -> None:
    """What was dropped (or marked) and why, beside every other finding, with the units' texts."""
    from .memory_report import unit_texts, write_report

    shown = set(failing) | {f.unit for f in check.findings}
    write_report(report, check, unit_texts(src, shown, fmt, src_lang, tgt_lang), {u: action for u in failing},
                 title="Memory clean")


def write_clean(src: str | Path, dst: str | Path, failing: dict[int, list[str]], keep_flagged: bool = False,
                from_: Optional[str] = None, to: Optional[str] = None, src_lang: Optional[str] = None,
                tgt_lang: Optional[str] = None) -> tuple[int, int]:
    """Write ``src`` to ``dst`` without (or marking) the failing units; return (units written, units failing)."""
    from .export.formats import FORMATS, READABLE, format_of, read_bitext, write

    in_fmt = format_of(src, from_, READABLE, "--from")
    out_fmt = format_of(dst, to, tuple(f for f in FORMATS if f != "links"), "--to")
    if Path(src).resolve() == Path(dst).resolve():
        raise InputError(f"{dst}: the output would overwrite the input")
    if keep_flagged and out_fmt != "tmx":
        raise InputError("--keep-flagged marks units with an x- property, which only TMX carries: write .tmx")
    if in_fmt == out_fmt == "tmx" and not (src_lang or tgt_lang):
        return _copy_tmx(Path(src), Path(dst), failing, keep_flagged), len(failing)
    bt = read_bitext(src, in_fmt, src_lang, tgt_lang)
    bt.units = _kept_units(iter(bt.units), failing, keep_flagged)
    return write(bt, dst, out_fmt), len(failing)


def _kept_units(units: Iterator[Unit], failing: dict[int, list[str]], keep_flagged: bool) -> Iterator[Unit]:
    for k, unit in enumerate(units):
        why = failing.get(k)
        if unit.props and FLAG_PROP in unit.props:  # an earlier clean's mark: this run's verdict replaces it
            unit.props = {key: v for key, v in unit.props.items() if key != FLAG_PROP} or None
        if why is None:
            yield unit
        elif keep_flagged:
            unit.props = {**(unit.props or {}), FLAG_PROP: "; ".join(why)}
            yield unit


def _drop_entities(el) -> None:
    """Remove entity references (never resolved on reading): copied as they are they would name an entity
    the output does not declare, and the memory would no longer parse. Their text is lost, as in the readers."""
    for ent in list(el.iter(etree.Entity)):
        parent, prev, tail = ent.getparent(), ent.getprevious(), ent.tail or ""
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(ent)


def _copy_tmx(src: Path, dst: Path, failing: dict[int, list[str]], keep_flagged: bool) -> int:
    """Copy the header and the kept ``<tu>`` elements verbatim (streamed; nothing is resolved or fetched)."""
    from .export.tmx import _parser_options, _syntax, escape_attr

    written = 0
    try:
        with atomic_open(dst, "w", encoding="utf-8") as fh:
            version = "1.4"
            for _, root in etree.iterparse(str(src), events=("start",), **_parser_options()):
                version = root.get("version") or version
                break
            fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
                     f'<tmx version="{escape_attr(version)}">\n')
            k = -1
            for _, el in etree.iterparse(str(src), events=("end",), tag=("header", "tu"), **_parser_options()):
                if el.tag == "header":
                    fh.write(etree.tostring(el, encoding="unicode", with_tail=False) + "\n<body>\n")
                    continue
                k += 1
                why = failing.get(k)
                if why is None or keep_flagged:
                    _drop_entities(el)
                    for old in el.findall(f"prop[@type='{FLAG_PROP}']"):  # an earlier clean's mark
                        el.remove(old)
                    if why is not None:
                        prop = etree.Element("prop", type=FLAG_PROP)
                        prop.text = "; ".join(why)
                        first_tuv = el.find("tuv")
                        (first_tuv.addprevious(prop) if first_tuv is not None else el.append(prop))
                    fh.write(etree.tostring(el, encoding="unicode", with_tail=False) + "\n")
                    written += 1
                el.clear()
                while el.getprevious() is not None:
                    del el.getparent()[0]
            fh.write("</body>\n</tmx>\n")
    except etree.XMLSyntaxError as err:
        raise _syntax(src, err) from None
    return written

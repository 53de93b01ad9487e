"""XLIFF 1.2 and 2.0 bilingual files: streamed writing with lxml, safe streamed reading.

One ``<file>`` per document (``original`` is the document name), one
``trans-unit`` (1.2) or ``unit`` with one ``segment`` (2.0) per pair. The
score and the link type travel as attributes in our own namespace
(``al:score``, ``al:link``), which both schemas allow on units; other tools
ignore them.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Iterator

from lxml import etree

from .. import __version__
from ..errors import InputError
from .atomic import atomic_open
from .bitext import Bitext, Unit, parse_score
from .tmx import _parser_options, _syntax, bcp47, xml_safe

NS12 = "urn:oasis:names:tc:xliff:document:1.2"
NS20 = "urn:oasis:names:tc:xliff:document:2.0"
NS_ALIGN = "urn:x-align:xliff"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_A = f"{{{NS_ALIGN}}}"


def _groups(units) -> Iterator[tuple[str, list[Unit] | Iterator[Unit]]]:
    """Consecutive units with the same document, as (document, units) — streamed."""
    current = None
    batch: list[Unit] = []
    for u in units:
        s, t = xml_safe(u.src), xml_safe(u.tgt)
        if not s or not t:
            continue
        doc = xml_safe(u.document) or "align"
        if doc != current and batch:
            yield current, batch
            batch = []
        current = doc
        batch.append(Unit(s, t, u.score, u.link, doc))
        if len(batch) >= 10000:  # keep memory flat inside a huge document: same <file> continues
            yield current, batch
            batch = []
    if batch:
        yield current, batch


def _unit_attrs(u: Unit) -> dict:
    attrs = {}
    if u.score is not None:
        attrs[_A + "score"] = f"{u.score:.3f}"
    if u.link:
        attrs[_A + "link"] = u.link
    return attrs


def write_xliff_bitext(bt: Bitext, path: str | Path, version: str = "1.2", src_locale: str | None = None,
                       tgt_locale: str | None = None) -> int:
    """Stream a Bitext to XLIFF ``version`` 1.2 or 2.0; return the unit count."""
    if version not in ("1.2", "2.0"):
        raise InputError(f"XLIFF version {version!r}: use 1.2 or 2.0")
    src, tgt = bcp47(src_locale or bt.src_lang), bcp47(tgt_locale or bt.tgt_lang)
    ns = NS12 if version == "1.2" else NS20
    count = 0
    with atomic_open(path, "wb", encoding=None) as fh, etree.xmlfile(fh, encoding="UTF-8") as xf:
        xf.write_declaration()
        root_attrs = {"version": version}
        if version == "2.0":
            root_attrs.update(srcLang=src, trgLang=tgt)
        with xf.element(f"{{{ns}}}xliff", root_attrs, nsmap={None: ns, "al": NS_ALIGN}):
            xf.write("\n")
            files = ExitStack()
            open_doc = None
            nfile = 0
            with files:
                for doc, batch in _groups(bt.units):
                    if doc != open_doc:
                        files.close()
                        nfile += 1
                        if version == "1.2":
                            files.enter_context(xf.element(f"{{{ns}}}file", {
                                "original": doc, "source-language": src, "target-language": tgt,
                                "datatype": "plaintext", "tool-id": "align"}))
                            header = etree.Element(f"{{{ns}}}header")
                            etree.SubElement(header, f"{{{ns}}}tool", {
                                "tool-id": "align", "tool-name": "align", "tool-version": __version__})
                            xf.write(header)
                            files.enter_context(xf.element(f"{{{ns}}}body"))
                        else:
                            files.enter_context(xf.element(f"{{{ns}}}file", {"id": f"f{nfile}", "original": doc}))
                        xf.write("\n")
                        open_doc = doc
                    for u in batch:
                        count += 1
                        if version == "1.2":
                            el = etree.Element(f"{{{ns}}}trans-unit", {"id": str(count), **_unit_attrs(u)})
                            etree.SubElement(el, f"{{{ns}}}source", {XML_LANG: src}).text = u.src
                            etree.SubElement(el, f"{{{ns}}}target", {XML_LANG: tgt, "state": "translated"}).text = u.tgt
                        else:
                            el = etree.Element(f"{{{ns}}}unit", {"id": f"u{count}", **_unit_attrs(u)})
                            seg = etree.SubElement(el, f"{{{ns}}}segment", state="translated")
                            etree.SubElement(seg, f"{{{ns}}}source").text = u.src
                            etree.SubElement(seg, f"{{{ns}}}target").text = u.tgt
                        xf.write(el)
                        xf.write("\n")
                if open_doc is None:
                    if version == "2.0":  # a 2.0 <file> must hold a unit
                        raise InputError(f"{path}: no pairs to write")
                    with xf.element(f"{{{ns}}}file", {"original": "align", "source-language": src,
                                                      "target-language": tgt, "datatype": "plaintext"}):
                        xf.write(etree.Element(f"{{{ns}}}body"))
    return count


def _text(el) -> str:
    return xml_safe("".join(el.itertext())) if el is not None else ""


def read_xliff(path: str | Path, src_lang: str | None = None, tgt_lang: str | None = None) -> Bitext:
    """An XLIFF 1.2 or 2.0 file as a Bitext (streamed, entities never resolved)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    events = etree.iterparse(str(p), events=("start", "end"), **_parser_options())

    def next_event():
        try:
            return next(events, None)
        except etree.XMLSyntaxError as err:
            raise _syntax(p, err) from None

    first = next_event()
    if first is None:
        raise InputError(f"{p}: empty XLIFF")
    root = first[1]
    qn = etree.QName(root)
    if qn.localname != "xliff" or qn.namespace not in (NS12, NS20):
        raise InputError(f"{p}: not an XLIFF 1.2 or 2.0 file (root <{qn.localname}> in {qn.namespace!r})")
    ns = qn.namespace
    version = "1.2" if ns == NS12 else "2.0"
    langs = [src_lang, tgt_lang]
    if version == "2.0":
        langs = [src_lang or root.get("srcLang"), tgt_lang or root.get("trgLang")]
    pending = []
    if version == "1.2" and not (langs[0] and langs[1]):
        while True:  # languages sit on the first <file>
            ev = next_event()
            if ev is None:
                break
            pending.append(ev)
            if ev[0] == "start" and ev[1].tag == f"{{{ns}}}file":
                langs = [langs[0] or ev[1].get("source-language"), langs[1] or ev[1].get("target-language")]
                break
    if not langs[0]:
        raise InputError(f"{p}: the XLIFF file names no source language")
    if not langs[1]:
        raise InputError(f"{p}: the XLIFF file names no target language; give --tgt-lang")
    unit_tag = f"{{{ns}}}trans-unit" if version == "1.2" else f"{{{ns}}}unit"
    file_tag = f"{{{ns}}}file"

    def units() -> Iterator[Unit]:
        doc = ""
        stream = iter(pending)
        while True:
            ev = next(stream, None) or next_event()
            if ev is None:
                return
            event, el = ev
            if el.tag == file_tag and event == "start":
                doc = el.get("original", "")
            elif el.tag == unit_tag and event == "end":
                where = f"{p}, line {el.sourceline}"
                if version == "1.2":
                    s, t = _text(el.find(f"{{{ns}}}source")), _text(el.find(f"{{{ns}}}target"))
                else:  # the segments (and ignorables) of a unit, joined
                    parts = [c for c in el if c.tag in (f"{{{ns}}}segment", f"{{{ns}}}ignorable")]
                    s = " ".join(x for x in (_text(c.find(f"{{{ns}}}source")) for c in parts) if x)
                    t = " ".join(x for x in (_text(c.find(f"{{{ns}}}target")) for c in parts) if x)
                yield Unit(s, t, parse_score(el.get(_A + "score"), where), el.get(_A + "link", ""), doc)
                el.clear()
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]

    return Bitext(langs[0], langs[1], units(), extra={"version": version})

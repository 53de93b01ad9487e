"""XLIFF 1.2 and 2.0 bilingual files: streamed writing, safe streamed reading.

One ``<file>`` per document (``original`` is the document name), one
``trans-unit`` (1.2) or ``unit`` with one ``segment`` (2.0) per pair. Both
are valid against the official schemas (XLIFF 1.2 strict, XLIFF 2.0 core:
``tests/test_formats.py`` validates them). The score and the link type travel
where each schema allows tool data: in 1.2 (whose strict schema rejects
undeclared foreign attributes) as ``<context context-type="x-align-score">``
in a ``context-group``; in 2.0 as attributes in our own namespace
(``al:score``, ``al:link``), which the core schema allows on units. Other
tools ignore both. The markup is formatted here (as in ``tmx``), after
``xml_safe``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Iterator

from lxml import etree

from .. import __version__
from ..errors import InputError
from .atomic import atomic_open
from .bitext import Bitext, Unit, parse_score
from .tmx import _parser_options, _syntax, bcp47, escape_attr, escape_text, xml_safe

NS12 = "urn:oasis:names:tc:xliff:document:1.2"
NS20 = "urn:oasis:names:tc:xliff:document:2.0"
NS_ALIGN = "urn:x-align:xliff"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_A = f"{{{NS_ALIGN}}}"
# XLIFF 1.2: the context types (XTend values, "x-...") that carry our score and link type
CONTEXT_SCORE, CONTEXT_LINK = "x-align-score", "x-align-link"


def _unit_12(n: int, s: str, t: str, u: Unit, src: str, tgt: str) -> str:
    ctx = ""
    if u.score is not None:
        ctx += f'<context context-type="{CONTEXT_SCORE}">{u.score:.3f}</context>'
    link = u.link
    if link:
        ctx += f'<context context-type="{CONTEXT_LINK}">{escape_text(link)}</context>'
    if ctx:  # no name: context-group names must be unique in a <file>
        ctx = f'<context-group purpose="information">{ctx}</context-group>'
    return (f'<trans-unit id="{n}"><source xml:lang="{src}">{escape_text(s)}</source>'
            f'<target xml:lang="{tgt}" state="translated">{escape_text(t)}</target>{ctx}</trans-unit>\n')


def _unit_20(n: int, s: str, t: str, u: Unit) -> str:
    attrs = ""
    if u.score is not None:
        attrs += f' al:score="{u.score:.3f}"'
    link = u.link
    if link:
        attrs += f' al:link="{escape_attr(link)}"'
    return (f'<unit id="u{n}"{attrs}><segment state="translated"><source>{escape_text(s)}</source>'
            f'<target>{escape_text(t)}</target></segment></unit>\n')


def write_xliff(bt: Bitext, path: str | Path, version: str = "1.2") -> int:
    """Stream a Bitext to XLIFF ``version`` 1.2 or 2.0; return the unit count."""
    if version not in ("1.2", "2.0"):
        raise InputError(f"XLIFF version {version!r}: use 1.2 or 2.0")
    src, tgt = bcp47(bt.src_lang), bcp47(bt.tgt_lang)
    v12 = version == "1.2"
    if v12:
        root = f'<xliff xmlns="{NS12}" version="1.2">\n'
        close_file = "</body>\n</file>\n"
    else:
        root = f'<xliff xmlns="{NS20}" xmlns:al="{NS_ALIGN}" version="2.0" srcLang="{src}" trgLang="{tgt}">\n'
        close_file = "</file>\n"
    tool = (f'<header><tool tool-id="align" tool-name="align" tool-version="{escape_attr(__version__)}"/>'
            "</header>\n<body>\n")
    count = nfile = 0
    open_doc = None
    buf: list[str] = []
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n{root}')
        for u in bt.units:
            doc, s, t = u.document or "align", u.src, u.tgt
            if doc != open_doc:
                if open_doc is not None:
                    buf.append(close_file)
                if v12:
                    buf.append(f'<file original="{escape_attr(doc)}" source-language="{src}" '
                               f'target-language="{tgt}" datatype="plaintext" tool-id="align">\n{tool}')
                else:
                    nfile += 1
                    buf.append(f'<file id="f{nfile}" original="{escape_attr(doc)}">\n')
                open_doc = doc
            count += 1
            buf.append(_unit_12(count, s, t, u, src, tgt) if v12 else _unit_20(count, s, t, u))
            if len(buf) >= 1000:
                fh.write("".join(buf))
                buf.clear()
        if open_doc is not None:
            buf.append(close_file)
        elif v12:  # the schema wants a <file>; its body may be empty
            buf.append(f'<file original="align" source-language="{src}" target-language="{tgt}" '
                       'datatype="plaintext"><body/></file>\n')
        else:  # a 2.0 <file> must hold a unit
            raise InputError(f"{path}: no pairs to write")
        fh.write("".join(buf))
        fh.write("</xliff>\n")
    return count


def _text(el) -> str:
    return xml_safe("".join(el.itertext()) if len(el) else el.text or "")


def read_xliff(path: str | Path, src_lang: str | None = None, tgt_lang: str | None = None) -> Bitext:
    """An XLIFF 1.2 or 2.0 file as a Bitext (streamed, entities never resolved)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")

    def parse(**kwargs):
        events = etree.iterparse(str(p), **kwargs, **_parser_options())
        while True:
            try:
                ev = next(events, None)
            except etree.XMLSyntaxError as err:
                raise _syntax(p, err) from None
            if ev is None:
                return
            yield ev

    first = next(parse(events=("start",)), None)  # the root: which version
    if first is None:
        raise InputError(f"{p}: empty XLIFF")
    root = first[1]
    qn = etree.QName(root)
    if qn.localname != "xliff" or qn.namespace not in (NS12, NS20):
        raise InputError(f"{p}: not an XLIFF 1.2 or 2.0 file (root <{qn.localname}> in {qn.namespace!r})")
    ns = qn.namespace
    version = "1.2" if ns == NS12 else "2.0"
    unit_tag = f"{{{ns}}}trans-unit" if version == "1.2" else f"{{{ns}}}unit"
    file_tag = f"{{{ns}}}file"
    source_tag, target_tag = f"{{{ns}}}source", f"{{{ns}}}target"
    part_tags = (f"{{{ns}}}segment", f"{{{ns}}}ignorable") if version == "2.0" else ()
    group_tag, context_tag = f"{{{ns}}}context-group", f"{{{ns}}}context"
    # only <file> and the units reach Python: the rest is filtered inside lxml
    events = parse(events=("start", "end"), tag=(file_tag, unit_tag))
    langs = [src_lang, tgt_lang]
    if version == "2.0":
        langs = [src_lang or root.get("srcLang"), tgt_lang or root.get("trgLang")]
    pending = []
    if version == "1.2" and not (langs[0] and langs[1]):
        for ev in events:  # languages sit on the first <file>
            pending.append(ev)
            if ev[0] == "start" and ev[1].tag == file_tag:
                langs = [langs[0] or ev[1].get("source-language"), langs[1] or ev[1].get("target-language")]
                break
    if not langs[0]:
        raise InputError(f"{p}: the XLIFF file names no source language")
    if not langs[1]:
        raise InputError(f"{p}: the XLIFF file names no target language; give --tgt-lang")

    def units() -> Iterator[Unit]:
        doc = ""
        for event, el in itertools.chain(pending, events):
            if el.tag == file_tag:
                if event == "start":
                    doc = el.get("original", "")
                continue
            if event == "start":
                continue
            score, link = el.get(_A + "score"), el.get(_A + "link")  # 2.0 (and 1.2 before the schema check)
            sources, targets = [], []
            for child in el:  # one pass over the children: lxml's find() is slow with namespaces
                tag = child.tag
                if tag == source_tag:
                    sources.append(_text(child))
                elif tag == target_tag:
                    targets.append(_text(child))
                elif tag in part_tags:  # 2.0: the segments (and ignorables) of a unit, joined
                    for grand in child:
                        if grand.tag == source_tag:
                            sources.append(_text(grand))
                        elif grand.tag == target_tag:
                            targets.append(_text(grand))
                elif tag == group_tag:  # 1.2: our score and link type
                    for ctx in child:
                        kind = ctx.get("context-type") if ctx.tag == context_tag else None
                        if kind == CONTEXT_SCORE and score is None:
                            score = ctx.text
                        elif kind == CONTEXT_LINK and link is None:
                            link = ctx.text
            if version == "1.2":  # one source, one target
                s, t = (sources or [""])[0], (targets or [""])[0]
            else:
                s, t = " ".join(x for x in sources if x), " ".join(x for x in targets if x)
            yield Unit(s, t, parse_score(score, f"{p}, line {el.sourceline}") if score else None,
                       xml_safe(link or ""), doc)
            el.clear()
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    del parent[0]

    return Bitext(langs[0], langs[1], units(), extra={"version": version})

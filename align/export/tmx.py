"""TMX 1.4b: streamed writing with lxml, and safe reading.

Written so CAT tools take it as it is: the seven required header attributes,
``srclang`` equal to the source ``tuv``'s ``xml:lang``, BCP 47 language tags,
unique ``tuid``s, ``x-`` properties before the ``tuv``s, no TU with an empty
side, and segment text stripped of characters XML cannot carry.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from lxml import etree

from .. import __version__
from ..errors import InputError
from .atomic import atomic_open
from .bitext import Bitext, Unit, bitext_from_alignments, parse_score

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


_SPACE_RUN = re.compile(r"[^\S\u00a0\u2007\u202f]+")


def xml_safe(text: str) -> str:
    """Plain segment text: XML-illegal characters removed, whitespace collapsed.

    No-break spaces are text (as in the aligned sentences), not layout: they are kept.
    """
    return _SPACE_RUN.sub(" ", _XML_ILLEGAL.sub("", text)).strip(" ")


def bcp47(tag: str) -> str:
    """Normalise a language tag to BCP 47 form (``sv_se`` -> ``sv-SE``)."""
    parts = tag.replace("_", "-").split("-")
    if not tag or not _TAG.match("-".join(parts)):
        raise InputError(f"{tag!r} is not a language tag (use e.g. sv, en-GB)")
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p)
    return "-".join(out)


def write_tmx(alignments, path: str | Path, src_locale: str | None = None, tgt_locale: str | None = None,
              min_score: float = 0.0, segtype: str = "sentence", split_even: bool = False) -> int:
    """Write the pairs of one or more alignments (same language pair) as TMX; return the TU count."""
    return write_tmx_bitext(bitext_from_alignments(alignments, segtype, split_even=split_even), path,
                            src_locale, tgt_locale, min_score)


def write_tmx_bitext(bt: Bitext, path: str | Path, src_locale: str | None = None, tgt_locale: str | None = None,
                     min_score: float = 0.0) -> int:
    """Stream a Bitext to a TMX 1.4b file; return the TU count. Units with an empty side are left out."""
    src_lang = bcp47(src_locale or bt.src_lang)
    tgt_lang = bcp47(tgt_locale or bt.tgt_lang)
    if src_lang.lower() == tgt_lang.lower():
        docs = bt.extra.get("documents") or "source and target"
        raise InputError(f"{docs}: both sides are {src_lang}; a TMX needs two languages "
                         "(give --src-lang/--tgt-lang if detection was wrong, or write .tsv)")
    created = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    count = 0
    with atomic_open(path, "wb", encoding=None) as fh:
        with etree.xmlfile(fh, encoding="UTF-8") as xf:
            xf.write_declaration()
            xf.write_doctype('<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
            with xf.element("tmx", version="1.4"):
                xf.write("\n")
                xf.write(etree.Element("header", {
                    "creationtool": "align", "creationtoolversion": __version__, "segtype": bt.segtype,
                    "o-tmf": "align", "adminlang": "en", "srclang": src_lang, "datatype": "plaintext",
                    "creationdate": created}))
                xf.write("\n")
                with xf.element("body"):
                    xf.write("\n")
                    for u in bt.units:
                        s, t = xml_safe(u.src), xml_safe(u.tgt)
                        if not s or not t or (u.score is not None and u.score < min_score):
                            continue
                        count += 1
                        tu = etree.Element("tu", tuid=str(count))
                        for key, value in (("x-document", xml_safe(u.document)), ("x-link", u.link),
                                           ("x-score", "" if u.score is None else f"{u.score:.3f}")):
                            if value:
                                etree.SubElement(tu, "prop", type=key).text = value
                        for lang, text in ((src_lang, s), (tgt_lang, t)):
                            tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
                            etree.SubElement(tuv, "seg").text = text
                        xf.write(tu)
                        xf.write("\n")
    return count


@dataclass
class TranslationUnit:
    """One TU read back: its segments by language and its properties."""

    segments: dict[str, str]
    props: dict[str, str] = field(default_factory=dict)


def _parser_options() -> dict:
    # never resolve entities or fetch anything: a TMX may come from anywhere
    return dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _syntax(p: Path, err: etree.XMLSyntaxError) -> InputError:
    msg = (err.msg or str(err)).splitlines()[0] if (err.msg or str(err)) else "syntax error"
    return InputError(f"{p}: malformed {p.suffix.lstrip('.').upper() or 'XML'} ({msg})")


def iter_tmx(path: str | Path) -> Iterator[tuple[str, TranslationUnit | None]]:
    """Stream a TMX file: ("header", None) with the srclang first, then ("tu", unit) per TU.

    Memory stays flat: each TU is dropped from the tree once read. Malformed
    files give an InputError (raised when the iterator reaches the fault).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        for _, root in etree.iterparse(str(p), events=("start",), **_parser_options()):
            if root.tag != "tmx":
                raise InputError(f"{p}: not a TMX file (root element <{etree.QName(root).localname}>)")
            if root.get("version") not in ("1.4", "1.4b"):
                raise InputError(f"{p}: TMX version {root.get('version')!r}; only 1.4 is read")
            break
        # only <header> and <tu> reach Python: the rest is filtered inside lxml
        context = etree.iterparse(str(p), events=("end",), tag=("header", "tu"), **_parser_options())
        for _, el in context:
            if el.tag == "header":
                srclang = el.get("srclang", "")
                if not srclang:
                    raise InputError(f"{p}: the TMX header has no srclang")
                yield srclang, None
                continue
            segs = {}
            for tuv in el.iterchildren("tuv"):
                lang = tuv.get(XML_LANG) or tuv.get("lang")
                if not lang:
                    raise InputError(f"{p}: a tuv without xml:lang (line {tuv.sourceline})")
                seg = tuv.find("seg")
                segs[lang] = xml_safe("".join(seg.itertext())) if seg is not None else ""
            props = {pr.get("type", ""): pr.text or "" for pr in el.iterchildren("prop")}
            yield "tu", TranslationUnit(segs, props)
            el.clear()
            while el.getprevious() is not None:  # drop what was read: memory stays flat
                del el.getparent()[0]
    except etree.XMLSyntaxError as err:
        raise _syntax(p, err) from None


def read_tmx(path: str | Path) -> tuple[str, list[TranslationUnit]]:
    """Read a TMX file: (srclang, units). Malformed files give an InputError."""
    srclang = ""
    units: list[TranslationUnit] = []
    for kind, unit in iter_tmx(path):
        if unit is None:
            srclang = kind
        else:
            units.append(unit)
    return srclang, units


def _pick(segs: dict[str, str], lang: str) -> str | None:
    low = lang.lower()
    for key, text in segs.items():
        if key.lower() == low:
            return text
    for key, text in segs.items():  # "sv" finds "sv-SE"
        if key.lower().split("-")[0] == low.split("-")[0]:
            return text
    return None


def read_tmx_bitext(path: str | Path, src_lang: str | None = None, tgt_lang: str | None = None) -> Bitext:
    """A TMX file as a Bitext (streamed). The target language is the first other language found,
    unless given; TUs without the source or the target language give units with an empty side."""
    p = Path(path)
    it = iter_tmx(p)
    first = next(it, None)
    if first is None or first[1] is not None:
        raise InputError(f"{p}: no TMX header")
    srclang = src_lang or first[0]
    pending: list[TranslationUnit] = []
    if not tgt_lang:
        for kind, unit in it:
            pending.append(unit)
            others = [k for k in unit.segments if k.lower() != srclang.lower()]
            if srclang.lower() == "*all*" and unit.segments:
                srclang = next(iter(unit.segments))
                others = [k for k in unit.segments if k != srclang]
            if others:
                tgt_lang = others[0]
                break
        if not tgt_lang:
            raise InputError(f"{p}: no translation units with two languages")

    def units() -> Iterator[Unit]:
        for unit in pending:
            yield _unit(unit)
        for _, unit in it:
            yield _unit(unit)

    def _unit(tu: TranslationUnit) -> Unit:
        s = _pick(tu.segments, srclang)
        t = _pick(tu.segments, tgt_lang)
        return Unit(s or "", t or "", parse_score(tu.props.get("x-score"), f"{p}: x-score"),
                    tu.props.get("x-link", ""), tu.props.get("x-document", ""))

    return Bitext(srclang, tgt_lang, units())

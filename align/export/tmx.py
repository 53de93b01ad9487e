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

from lxml import etree

from .. import __version__
from ..errors import InputError
from .atomic import atomic_open

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def xml_safe(text: str) -> str:
    """Plain segment text: XML-illegal characters removed, whitespace collapsed."""
    return " ".join(_XML_ILLEGAL.sub("", text).split())


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
              min_score: float = 0.0) -> int:
    """Write the pairs of one or more alignments (same language pair) as TMX; return the TU count."""
    alignments = list(alignments)
    if not alignments:
        raise InputError("nothing to write")
    src_lang = bcp47(src_locale or alignments[0].src.lang)
    tgt_lang = bcp47(tgt_locale or alignments[0].tgt.lang)
    created = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    count = 0
    with atomic_open(path, "wb", encoding=None) as fh:
        with etree.xmlfile(fh, encoding="UTF-8") as xf:
            xf.write_declaration()
            xf.write_doctype('<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
            with xf.element("tmx", version="1.4"):
                xf.write("\n")
                xf.write(etree.Element("header", {
                    "creationtool": "align", "creationtoolversion": __version__, "segtype": "sentence",
                    "o-tmf": "align", "adminlang": "en", "srclang": src_lang, "datatype": "plaintext",
                    "creationdate": created}))
                xf.write("\n")
                with xf.element("body"):
                    xf.write("\n")
                    for al in alignments:
                        doc = f"{al.src.name} | {al.tgt.name}"
                        for link, s, t in al.pairs():
                            s, t = xml_safe(s), xml_safe(t)
                            if not s or not t or link.score < min_score:
                                continue
                            count += 1
                            tu = etree.Element("tu", tuid=str(count))
                            for key, value in (("x-document", doc), ("x-link", link.kind),
                                               ("x-score", f"{link.score:.3f}")):
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


def read_tmx(path: str | Path) -> tuple[str, list[TranslationUnit]]:
    """Read a TMX file: (srclang, units). Malformed files give an InputError."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    units: list[TranslationUnit] = []
    srclang = ""
    try:
        for event, el in etree.iterparse(str(p), events=("end",), **_parser_options()):
            if el.tag == "header":
                srclang = el.get("srclang", "")
                if not srclang:
                    raise InputError(f"{p}: the TMX header has no srclang")
            elif el.tag == "tu":
                segs = {}
                for tuv in el.iter("tuv"):
                    lang = tuv.get(XML_LANG) or tuv.get("lang")
                    if not lang:
                        raise InputError(f"{p}: a tuv without xml:lang (line {tuv.sourceline})")
                    seg = tuv.find("seg")
                    segs[lang] = " ".join("".join(seg.itertext()).split()) if seg is not None else ""
                props = {pr.get("type", ""): pr.text or "" for pr in el.findall("prop")}
                units.append(TranslationUnit(segs, props))
                el.clear()
            elif el.tag == "tmx" and el.get("version") not in ("1.4", "1.4b"):
                raise InputError(f"{p}: TMX version {el.get('version')!r}; only 1.4 is read")
    except etree.XMLSyntaxError as err:
        raise InputError(f"{p}: malformed TMX ({err.msg.splitlines()[0] if err.msg else err})") from None
    return srclang, units

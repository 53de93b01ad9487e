"""TMX 1.4b: streamed writing and safe streamed reading.

Written so CAT tools take it as it is: the seven required header attributes,
``srclang`` equal to the source ``tuv``'s ``xml:lang``, BCP 47 language tags,
unique ``tuid``s, ``x-`` properties before the ``tuv``s, no TU with an empty
side, and segment text stripped of characters XML cannot carry.

The writer formats the markup itself instead of building an lxml element per
TU: after ``xml_safe`` a segment holds no character that needs more than the
three text escapes, and the fixed markup around it is a format string. That
takes 6-10 times less CPU for a million TUs (``python -m eval.tmx_scale``);
the tests check the files against the official DTD, whatever the text
(property-based), and read them back with lxml and translate-toolkit.
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
from .bitext import Bitext, Unit, parse_score

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


_SPACE_RUN = re.compile(r"[^\S\u00a0\u2007\u202f]+")
# every character either substitution above would touch, but the plain space: the XML-illegal ones and
# the whitespace that is not a (no-break) space. Text without them, double spaces and edge spaces is
# returned as it is after one scan (most segments are).
_NEEDS_WORK = re.compile("[\x00-\x1f\x7f\x85\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000"
                         "\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Plain segment text: XML-illegal characters removed, whitespace collapsed.

    No-break spaces are text (as in the aligned sentences), not layout: they are kept.
    """
    if not _NEEDS_WORK.search(text) and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return _SPACE_RUN.sub(" ", _XML_ILLEGAL.sub("", text)).strip(" ")


def escape_text(text: str) -> str:
    """Character data for markup we format ourselves (``>`` too, so ``]]>`` never appears)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(text: str) -> str:
    """A double-quoted attribute value (the text is ``xml_safe``: no tab or newline to protect)."""
    return escape_text(text).replace('"', "&quot;")


def bcp47(tag: str) -> str:
    """Normalise a language tag to BCP 47 form (``sv_se`` -> ``sv-SE``)."""
    parts = tag.replace("_", "-").split("-")
    if not tag or not _TAG.match("-".join(parts)):
        raise InputError(f"{tag!r} is not a language tag (use e.g. sv, en-GB)")
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p)
    return "-".join(out)


def write_tmx(bt: Bitext, path: str | Path) -> int:
    """Stream a Bitext to a TMX 1.4b file; return the TU count."""
    src_lang, tgt_lang = bcp47(bt.src_lang), bcp47(bt.tgt_lang)
    if src_lang.lower() == tgt_lang.lower():
        docs = bt.extra.get("documents") or "source and target"
        raise InputError(f"{docs}: both sides are {src_lang}; a TMX needs two languages "
                         "(give --src-lang/--tgt-lang if detection was wrong, or write .tsv)")
    header = {"creationtool": "align", "creationtoolversion": __version__, "segtype": bt.segtype,
              "o-tmf": "align", "adminlang": "en", "srclang": src_lang, "datatype": "plaintext",
              "creationdate": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())}
    attrs = " ".join(f'{k}="{escape_attr(xml_safe(v))}"' for k, v in header.items())
    seg_src = f'<tuv xml:lang="{src_lang}"><seg>'
    seg_tgt = f'</seg></tuv><tuv xml:lang="{tgt_lang}"><seg>'
    props = _PropCache()
    count = 0
    buf: list[str] = []
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
                 f'<tmx version="1.4">\n<header {attrs}/>\n<body>\n')
        for u in bt.units:
            s, t = u.src, u.tgt
            count += 1
            score = "" if u.score is None else f'<prop type="x-score">{u.score:.3f}</prop>'
            if u.props:  # the TMX spec reserves un-prefixed prop types: ours all start with "x-"
                score += "".join(props.get(k, v) for k, v in u.props.items() if k.startswith("x-"))
            buf.append(f'<tu tuid="{count}">{props.get("x-document", u.document)}{props.get("x-link", u.link)}'
                       f'{score}{seg_src}{escape_text(s)}{seg_tgt}{escape_text(t)}</seg></tuv></tu>\n')
            if len(buf) >= 1000:  # a few hundred kB at a time: flat memory, few writes
                fh.write("".join(buf))
                buf.clear()
        fh.write("".join(buf))
        fh.write("</body>\n</tmx>\n")
    return count


_OWN_PROPS = ("x-score", "x-link", "x-document")


class _PropCache:
    """``<prop type="x-...">`` markup for the few distinct values a memory has (documents, link types)."""

    def __init__(self, size: int = 4096):
        self.size = size
        self.seen: dict[tuple[str, str], str] = {}

    def get(self, kind: str, value: str | None) -> str:
        if not value:
            return ""
        key = (kind, value)
        markup = self.seen.get(key)
        if markup is None:
            text = xml_safe(value)
            markup = f'<prop type="{kind}">{escape_text(text)}</prop>' if text else ""
            if len(self.seen) >= self.size:
                self.seen.clear()
            self.seen[key] = markup
        return markup


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
            if root.get("version") is None:
                raise InputError(f"{p}: the <tmx> element has no version attribute (TMX 1.4 is read)")
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
            props = {}
            for child in el:  # one pass over the TU's children (comments have a function as tag)
                tag = child.tag
                if tag == "tuv":
                    lang = child.get(XML_LANG) or child.get("lang")
                    if not lang:
                        raise InputError(f"{p}: a tuv without xml:lang (line {child.sourceline})")
                    seg = child[-1] if len(child) else None  # the DTD puts <seg> last: no search
                    if seg is not None and seg.tag != "seg":
                        seg = child.find("seg")
                    if seg is None:
                        segs[lang] = ""
                    elif len(seg):  # inline markup: its text counts, as before
                        segs[lang] = xml_safe("".join(seg.itertext()))
                    else:
                        segs[lang] = xml_safe(seg.text or "")
                elif tag == "prop":
                    props[child.get("type", "")] = child.text or ""
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
    where = f"{p}: x-score"

    def units() -> Iterator[Unit]:
        for unit in pending:
            yield _unit(unit)
        for _, unit in it:
            yield _unit(unit)

    def _unit(tu: TranslationUnit) -> Unit:
        segs = tu.segments
        s = segs.get(srclang)  # the header's own spelling, nearly always
        if s is None:
            s = _pick(segs, srclang)
        t = segs.get(tgt_lang)
        if t is None:
            t = _pick(segs, tgt_lang)
        props = tu.props
        other = {k: v for k, v in props.items() if k.startswith("x-") and k not in _OWN_PROPS} if props else None
        return Unit(s or "", t or "", parse_score(props.get("x-score"), where) if props else None,
                    props.get("x-link", ""), props.get("x-document", ""), other or None)

    return Bitext(srclang, tgt_lang, units())

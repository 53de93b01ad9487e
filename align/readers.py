"""Input readers: plain text, HTML, .docx, PDF (text layer), subtitles (SRT, WebVTT) and TMX memories.

Every reader but TMX returns the document's plain text with one paragraph per
blank-line block, because the rest of the pipeline (language per paragraph,
segmentation, offsets for reports) works on that text. For HTML, .docx and PDF
the offsets in reports therefore point into this extracted text, not into the
file's bytes. Nothing here runs code from a document, fetches anything or
expands entities: the inputs may come from anywhere.
"""

from __future__ import annotations

import codecs
from html import unescape
import io
import itertools
import logging
import re
import unicodedata
import zipfile
from pathlib import Path

from lxml import etree

from . import langid
from .documents import Alignment, Document, Link, Sentence, _legacy_8bit, clean_text, decode, read_bytes
from .documents import read_text as read_plain
from .errors import InputError

SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".srt", ".vtt", ".tmx")
MAX_XML_BYTES = 256 * 1024 * 1024  # a .docx body larger than this once unzipped is refused (zip bombs)


def read_text(path: str | Path) -> str:
    """The plain text of any non-TMX input, chosen by its extension (anything else is read as plain text)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".html", ".htm"):
        return read_html(p)
    if suffix == ".docx":
        return read_docx(p)
    if suffix == ".pdf":
        return read_pdf(p)
    if suffix in (".srt", ".vtt"):
        return read_subtitles(p)
    if suffix == ".tmx":
        raise InputError(f"{p}: a TMX translation memory is already aligned; re-check it with `align check {p}`")
    return read_plain(p)


def _paragraphs_text(paragraphs, p: Path, what: str) -> str:
    """Join paragraphs with blank lines; no paragraph may hold a blank line of its own."""
    out = []
    for para in paragraphs:
        lines = [line.strip() for line in para.replace("\r", "\n").split("\n")]
        lines = [line for line in lines if line]
        if lines:
            out.append("\n".join(lines))
    if not out:
        raise InputError(f"{p}: no text found in this {what}")
    return "\n\n".join(out) + "\n"


# --- subtitles (SRT, WebVTT) ------------------------------------------------------------------------------------

_CUE_TIMING = re.compile(r"\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}(?:\s.*)?")
_CUE_MARKUP = re.compile(r"<[^<>\n]*>|\{\\[^{}\n]*\}")  # <i>, <c.red>, <v Celia>, <00:01.500>; SRT's {\an8}
_NOT_CUES = ("WEBVTT", "NOTE", "STYLE", "REGION")  # WebVTT's header and its blocks of comments and settings
_SPEAKER = re.compile(r"[-‐–—]\s*\S")  # a dash that opens another speaker's line


def subtitle_cues(text: str) -> list[str]:
    """The text of each cue of an SRT or WebVTT file.

    Cue numbers, timings, the WebVTT header and its NOTE/STYLE/REGION blocks are
    not text (read as text they became units of the TMX and "numbers that
    differ" wherever two translations time a cue differently), nor is markup.
    A cue's lines are joined into one: subtitle lines break where the screen is
    full, not where a sentence ends (German wraps before a noun's capital), except
    before a dash that gives the next line to another speaker.
    """
    cues: list[list[str]] = []
    after_cue = False  # the block before was a cue (not the header or a NOTE/STYLE/REGION block)
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.strip() for line in block.strip("\n").split("\n")]
        timings = [k for k, line in enumerate(lines) if _CUE_TIMING.fullmatch(line)]
        if not timings:
            if lines[0].split(maxsplit=1)[:1] in [[w] for w in _NOT_CUES]:
                after_cue = False
            elif after_cue:
                cues[-1] += lines  # a blank line inside a cue: the rest of it
            continue
        # cues not parted by blank lines: each timing starts one, and a cue number just before it is no text
        for n, at in enumerate(timings):
            body = lines[at + 1:timings[n + 1] if n + 1 < len(timings) else len(lines)]
            if n + 1 < len(timings) and body and body[-1].isdigit():
                body = body[:-1]
            cues.append(body)
        after_cue = True
    out = []
    for cue in cues:
        lines = [unescape(_CUE_MARKUP.sub("", line)).strip() for line in cue]
        lines = [line for line in lines if line]
        if lines:
            out.append("".join(("\n" if k and _SPEAKER.match(line) else " " if k else "") + line
                               for k, line in enumerate(lines)))
    return out


def read_subtitles(path: str | Path) -> str:
    """An SRT or WebVTT file's cue texts (``subtitle_cues``), a line each, all in one paragraph.

    Cues are timing, not structure: where one translation splits a sentence pair over two cues and the other
    keeps it in one, the 1-2 link must not pay for crossing a paragraph (as a paragraph per cue made it: the
    second part was then left over and reported missing). The blank line at the end makes the cues one block
    (in a text without any blank line each line is a paragraph of its own).
    """
    p = Path(path)
    return _paragraphs_text(["\n".join(subtitle_cues(read_plain(p)))], p, "subtitle file (no cue has a timing line)") + "\n"


# --- HTML -------------------------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
# browsers read these labels as Windows-1252 (WHATWG Encoding Standard), and so must we
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "windows-1252", "cp1252",
              "x-cp1252"}
_TAGS = re.compile(rb"<[^>]*>")


def decode_html(data: bytes, name: str) -> str:
    """HTML bytes to text: BOM, then the declared charset, then UTF-8, then plausible Windows-1252."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode(data, name)
    head = data[:4096]
    declared = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if declared:
        label = declared.group(1).decode("ascii").lower()
        encoding = "cp1252" if label in _AS_CP1252 else label
        try:
            if not codecs.lookup(encoding)._is_text_encoding:  # "base64", "zlib": codecs, not charsets
                encoding = ""
        except LookupError:
            encoding = ""  # an unknown label: sniff as if there were none
        if encoding and not encoding.startswith("utf-16"):  # a page cannot be UTF-16 without a BOM
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as err:
                if encoding.replace("-", "").replace("_", "") != "utf8":
                    raise InputError(f"{name}: not valid {label} as its <meta charset> says (byte "
                                     f"{data[err.start]:#04x} at offset {err.start})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        # judge the encoding on the words, not the markup
        if _legacy_8bit(_TAGS.sub(b" ", data)) is None:
            raise InputError(f"{name}: not valid UTF-8 (byte {data[err.start]:#04x} at offset {err.start}) and no "
                             "charset declared; add <meta charset=...> or convert it to UTF-8") from None
        return data.decode("cp1252", errors="replace")


# never text: code, styling, and the parts of a page that are not its content
_DROP_TAGS = {"script", "style", "noscript", "template", "head", "title", "nav", "aside", "form", "button", "select",
              "option", "textarea", "input", "label", "iframe", "frame", "frameset", "object", "embed", "applet",
              "svg", "math", "canvas", "audio", "video", "map", "dialog", "menu", "img", "picture", "source"}
_PAGE_PARTS = {"header", "footer"}  # boilerplate at page level, content inside an <article> or <main>
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog",
               "alertdialog", "toolbar", "tablist"}
# class / id words of menus, banners and widgets (whole words of "site-nav", "cookie_banner", ...)
_DROP_WORDS = {"nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "cookie", "cookies", "consent",
               "gdpr", "sidebar", "share", "sharing", "social", "newsletter", "subscribe", "skip", "skiplink",
               "pagination", "pager", "toolbar", "popup", "modal", "advert", "advertisement", "ads", "masthead",
               "footer", "header", "topbar"}
_WORD = re.compile(r"[a-z]+")
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "td", "th", "caption", "figcaption",
           "blockquote", "pre", "address", "div", "section", "article", "main", "body", "html", "table", "thead",
           "tbody", "tfoot", "tr", "ul", "ol", "dl", "figure", "details", "summary", "hr", "legend", "fieldset",
           "center", "hgroup", "header", "footer"}
_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML whitespace (no-break spaces are text)
_EDGE, _BR = "\x00", "\x01"  # an element's start or end tag, and a <br>, while a paragraph is built
# whitespace at element edges next to punctuation ("<a>1</a>\n, 5"): source layout when it holds a line break
_GAP_BEFORE = re.compile(r"[ \t\n\r\f\x00]*\x00[ \t\n\r\f\x00]*(?=[,.;:!?)\]}»”’%])")
_GAP_AFTER = re.compile(r"(?<=[(\[{«„“‘])[ \t\n\r\f\x00]*\x00[ \t\n\r\f\x00]*")
_DOCTYPE_SUBSET = re.compile(r"<!DOCTYPE[^>\[]*\[.*?\]\s*>", re.I | re.S)


def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _in_content(el) -> bool:
    return any(_tag(a) in ("article", "main") or a.get("role") == "main" for a in el.iterancestors())


def _boilerplate(el, root_chars: int) -> bool:
    """Whether an element is page furniture (menus, banners, widgets, hidden or non-text parts)."""
    tag = _tag(el)
    if not tag:
        return True  # comments, processing instructions
    if tag in _DROP_TAGS or el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    if re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", el.get("style") or "", re.I):
        return True
    role = (el.get("role") or "").lower()
    if role in _DROP_ROLES or (tag in _PAGE_PARTS and not _in_content(el)):
        return True
    hits = set(_WORD.findall(f"{el.get('class') or ''} {el.get('id') or ''}".lower())) & _DROP_WORDS
    if hits and tag not in ("body", "html", "main", "article"):
        if hits <= {"header", "footer"} and _in_content(el):
            return False  # an article's own header or footer
        # a wrapper named "menu-open" that holds the whole page is not a menu
        return len("".join(el.itertext())) < 0.5 * root_chars
    return tag in _LINK_BLOCKS and _link_block(el)


_LINK_BLOCKS = {"ul", "ol", "div", "p", "table", "td", "tr", "section", "span", "dl", "center"}


def _link_block(el) -> bool:
    """A block that is little more than three or more short links: a menu without a <nav>."""
    links = list(el.iter("a"))
    if len(links) < 3:
        return False
    text = len(_SPACE.sub("", "".join(el.itertext())))
    linked = sum(len(_SPACE.sub("", "".join(a.itertext()))) for a in links)
    words = sum(len("".join(a.itertext()).split()) for a in links)
    return linked >= 0.8 * text and words <= 4 * len(links)


def _main_root(doc):
    """The page's main content when it marks one (<main>, role=main, a single <article>), else <body>."""
    for query in ("//main", "//*[@role='main']", "//article"):
        found = doc.xpath(query)
        if len(found) == 1 and "".join(found[0].itertext()).strip():  # not an empty slot filled by a script
            return found[0]
    body = doc.find(".//body")
    return body if body is not None else doc


def _remove(el) -> None:
    """Remove an element, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _close_gap(m: re.Match) -> str:
    """Drop whitespace that only the markup's layout put between a link and its punctuation."""
    return "" if "\n" in m.group(0) else m.group(0)


def _inline_text(parts: list[str]) -> str:
    """A paragraph's text from its pieces: no layout space before "," or after "(", whitespace collapsed."""
    text = _GAP_AFTER.sub(_close_gap, _GAP_BEFORE.sub(_close_gap, "".join(parts)))
    return _SPACE.sub(" ", text.replace(_EDGE, "")).replace(_BR, "\n")


def _in_running_text(el) -> bool:
    """A block element inside an inline one that sits in running text (``Sections <a><div>1</div></a>, 5``):
    browsers show it inline, so it must not cut the paragraph."""
    for a in el.iterancestors():
        tag = _tag(a)
        if tag in _BLOCKS or not tag:
            return False
        prev = a.getprevious()
        before = prev.tail if prev is not None else (a.getparent().text if a.getparent() is not None else "")
        if (a.tail or "").strip() or (before or "").strip():
            return True
    return False


def html_paragraphs(data: bytes, name: str) -> list[str]:
    """Main-text paragraphs of an HTML page: headings, paragraphs, list items and table cells."""
    # an internal DTD subset is not HTML (the parser would show it as text); its entities are never expanded
    text = _DOCTYPE_SUBSET.sub("<!DOCTYPE html>", decode_html(data, name), count=1)
    # decoded here, handed to libxml2 as UTF-8: a <meta charset> cannot make it decode twice
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                              huge_tree=False)
    try:
        doc = etree.fromstring(text.encode("utf-8"), parser=parser)
    except (etree.XMLSyntaxError, ValueError) as err:
        raise InputError(f"{name}: cannot parse this HTML ({str(err).splitlines()[0] if str(err) else 'empty'})") \
            from None
    limits = [e.message for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"]
    if limits:  # libxml2 stopped reading (e.g. nesting over 256 levels): refuse rather than lose text silently
        raise InputError(f"{name}: cannot read this HTML to the end ({limits[0].split(',')[0]})")
    if doc is None:
        raise InputError(f"{name}: no text found in this HTML page")
    root = _main_root(doc)
    chars = len("".join(root.itertext()))
    for el in [el for el in root.iter() if el is not root and _boilerplate(el, chars)]:
        _remove(el)
    paragraphs: list[str] = []
    buf: list[str] = []
    pre = 0

    def flush() -> None:
        if buf:
            text = "".join(buf).replace(_EDGE, "").replace(_BR, "\n") if pre else _inline_text(buf)
            if text.strip():
                paragraphs.append(text)
            buf.clear()

    def add(s: str | None) -> None:
        if s:
            buf.append(s.replace("\n\n", "\n") if pre else s)

    # iterative walk: hostile nesting cannot exhaust the stack
    inline_blocks: set = set()  # blocks shown inline (see _in_running_text)
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = _tag(el)
        block = tag in _BLOCKS and el not in inline_blocks
        if event == "start":
            if block and tag != "pre" and el is not root and _in_running_text(el):
                inline_blocks.add(el)
                block = False
            if block:
                flush()
            if tag == "pre":
                pre += 1
            buf.append(_BR if tag == "br" else _EDGE)
            add(el.text)
        else:
            if block:
                flush()
            if tag == "pre":
                pre -= 1
            buf.append(_EDGE)
            if el is not root:
                add(el.tail)
    flush()
    return paragraphs


def read_html(path: str | Path) -> str:
    """The main text of an HTML page, one paragraph per block, boilerplate removed."""
    p = Path(path)
    return _paragraphs_text(html_paragraphs(read_bytes(p), str(p)), p, "HTML page")


# --- .docx ------------------------------------------------------------------------------------------------------

_W_NS = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",  # transitional (what Word writes)
         "http://purl.oclc.org/ooxml/wordprocessingml/main")  # strict
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _zip_member(zf: zipfile.ZipFile, name: str, p: Path) -> bytes | None:
    """One member's bytes, reading no more than MAX_XML_BYTES whatever its header claims."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_XML_BYTES:
        raise InputError(f"{p}: {name} unpacks to {info.file_size / 2**20:.0f} MiB, over the "
                         f"{MAX_XML_BYTES // 2**20} MiB limit")
    try:
        with zf.open(info) as fh:
            data = fh.read(MAX_XML_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError) as err:
        raise InputError(f"{p}: damaged or encrypted .docx ({err})") from None
    if len(data) > MAX_XML_BYTES:  # the header lied: a zip bomb
        raise InputError(f"{p}: {name} unpacks to more than {MAX_XML_BYTES // 2**20} MiB")
    return data


def _main_part(zf: zipfile.ZipFile, p: Path) -> str:
    """The main document part named by the package relationships (word/document.xml in practice)."""
    rels = _zip_member(zf, "_rels/.rels", p)
    if rels:
        try:
            root = etree.fromstring(rels, _xml_parser())
        except etree.XMLSyntaxError:
            root = None
        for rel in root.iter(f"{_REL_NS}Relationship") if root is not None else ():
            if (rel.get("Type") or "").endswith("/officeDocument"):
                return (rel.get("Target") or "").lstrip("/")
    return "word/document.xml"


def docx_paragraphs(data: bytes, name: str) -> list[str]:
    """Paragraphs of a .docx body in document order, table cells and text boxes included.

    Tracked deletions, field codes and the fallback copy of drawings are not text;
    headers, footers, footnotes and comments (other parts of the package) are left out.
    """
    p = Path(name)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError):
        raise InputError(f"{p}: not a .docx file (not a ZIP package); save it as .docx from your editor") from None
    with zf:
        part = _main_part(zf, p)
        xml = _zip_member(zf, part, p)
        if xml is None:
            raise InputError(f"{p}: not a Word .docx document (no {part} inside)")
    try:
        root = etree.fromstring(xml, _xml_parser())
    except etree.XMLSyntaxError as err:
        raise InputError(f"{p}: malformed .docx ({(err.msg or 'syntax error').splitlines()[0]})") from None
    ns = etree.QName(root).namespace
    if ns not in _W_NS:
        raise InputError(f"{p}: not a Word .docx document (main part is {etree.QName(root).localname!r})")
    w = f"{{{ns}}}"
    skip_tags = {f"{w}del", f"{w}moveFrom", f"{_MC}Fallback", f"{w}rPr", f"{w}pPr"}
    chars = {f"{w}tab": "\t", f"{w}br": "\n", f"{w}cr": "\n", f"{w}noBreakHyphen": "\u2011"}
    paragraphs: list[str | None] = []
    open_paras: list[tuple[int, list[str]]] = []
    skipping = 0
    # iterative walk (no recursion on hostile nesting); a text box's paragraphs follow their host paragraph
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            if skipping or el.tag in skip_tags:
                skipping += 1
            elif el.tag == f"{w}p":
                open_paras.append((len(paragraphs), []))
                paragraphs.append(None)
            elif open_paras and el.tag == f"{w}t":
                open_paras[-1][1].append(el.text or "")
            elif open_paras and el.tag in chars:
                open_paras[-1][1].append(chars[el.tag])
        elif skipping:
            skipping -= 1
        elif el.tag == f"{w}p":
            k, parts = open_paras.pop()
            paragraphs[k] = "".join(parts)
    return [t for t in paragraphs if t]


def read_docx(path: str | Path) -> str:
    """The text of a Word .docx document, one paragraph (or table cell) per block."""
    p = Path(path)
    return _paragraphs_text(docx_paragraphs(read_bytes(p), str(p)), p, ".docx document")


# --- PDF --------------------------------------------------------------------------------------------------------

_CID = re.compile(r"\(cid:\d+\)")


def pdf_text(data: bytes, name: str) -> str:
    """The text layer of a PDF, one paragraph per text block (pdfminer.six's layout analysis)."""
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its warnings about odd PDFs are not for the user
    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise InputError(f"{name}: not a PDF file")
    try:
        text = extract_text(io.BytesIO(data), laparams=LAParams())
    except PDFPasswordIncorrect:
        raise InputError(f"{name}: the PDF is password-protected; remove the password first") from None
    except PDFEncryptionError as err:
        raise InputError(f"{name}: encrypted PDF that cannot be opened ({err})") from None
    except MemoryError:
        raise InputError(f"{name}: this PDF is too large to read") from None
    except Exception as err:  # noqa: BLE001 - a damaged PDF can fail anywhere inside the parser
        msg = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{name}: damaged PDF, cannot read its text ({msg[:120]})") from None
    letters = sum(ch.isalnum() for ch in text)
    cids = sum(len(m) for m in _CID.findall(text))
    if letters - cids < 1:
        if cids:
            raise InputError(f"{name}: the PDF's fonts have no Unicode mapping, its text cannot be read; run OCR first")
        raise InputError(f"{name}: PDF has no text layer (scanned?); run OCR first")
    if cids > 0.3 * letters:
        raise InputError(f"{name}: most of the PDF's text cannot be decoded (fonts without a Unicode mapping); "
                         "run OCR first")
    return unfold_ligatures(text)


# ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ: a font's ligature glyph that the PDF maps back to one code point ("ﬁrst", "ﬁle://")
_LIGATURE = re.compile("[\ufb00-\ufb06]")


def unfold_ligatures(text: str) -> str:
    """"ﬁ" to "fi" and the like, so that words are found, matched and embedded as the letters they are.

    Only the ligatures: NFKC on the whole text would also rewrite "²", "½", full-width letters and more.
    """
    return _LIGATURE.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def pdf_title(data: bytes) -> str:
    """The title in a PDF's document information (a browser puts the page's <title> there and in its
    running header); empty when there is none or it cannot be read."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    try:
        for info in PDFDocument(PDFParser(io.BytesIO(data))).info:
            title = resolve1(info.get("Title"))
            if isinstance(title, bytes):
                return " ".join(decode_text(title).split())
    except Exception:  # noqa: BLE001 - metadata is a hint; a damaged dictionary is not worth an error
        pass
    return ""


# a page number alone at the top or bottom of a page: "3", "- 3 -", "Page 3", "Sida 3 av 10", "3/10"
_PAGE_NUMBER = re.compile(r"^[-–—\s(\[]*(?:[^\W\d_]{1,8}\.?\s*)?\d{1,4}(?:\s*(?:/|of|av|von|de|sur|из|от)\s*\d{1,4})?"
                          r"[-–—\s)\]]*$", re.I)
_SENTENCE_END = re.compile(r"[.!?:;…\"”»)\]]\s*$")
# what a browser prints in the page margins: when ("12/3/26, 9:46 AM", "03.12.26, 09:46") and where from
_PRINTED_AT = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4},?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?\s?[Mm]\.?)?$")
_FILE_URL = re.compile(r"^file:/\S*$", re.I)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.I)
_OF_PAGES = re.compile(r"^\d{1,4}\s*/\s*\d{1,4}$")  # the browser's "1/3"
EDGE_BLOCKS = 3  # how many blocks at the top and at the bottom of a page may be running headers or footers


def _reflow(block: str, width: int) -> str:
    """Join the lines of a text block that wrapped at the margin (the next word would not have fitted);
    a line that stops short ("Press release 99/2017" over a date) keeps its line break."""
    lines = [line.strip() for line in block.split("\n") if line.strip()]
    text = lines[0] if lines else ""
    for prev, line in itertools.pairwise(lines):
        wrapped = len(prev) + 1 + len(line.split()[0]) > 0.85 * width
        text += (" " if wrapped else "\n") + line
    return text


def pdf_paragraphs(text: str, title: str = "") -> list[str]:
    """Paragraphs of pdfminer's text: lines wrapped at the margin joined, running headers, footers,
    page numbers and blocks without a letter or digit (a lone bullet) dropped, and a paragraph that a
    page break or an indent cut in two joined again (the previous block runs on in lower case).

    Running headers and footers are the blocks among the first and last ``EDGE_BLOCKS`` of a page that
    recur at the edges of the other pages (numbers aside), and what a browser prints there even on a
    single page: the time of printing, a ``file:`` address, "1/3", and the document's ``title``."""
    pages = [[q.strip() for q in re.split(r"\n[ \t]*\n", page) if q.strip()] for page in text.split("\f")]
    pages = [page for page in pages if page]
    # the text width in characters: a long line of the blocks of several lines (not the longest: one
    # line of code or of small print would set it too wide)
    lengths = sorted(len(line.strip()) for page in pages for block in page if "\n" in block
                     for line in block.split("\n"))
    width = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0
    pages = [[_reflow(block, width) for block in page] for page in pages]

    def key(para: str) -> str:
        return re.sub(r"\d+", "#", " ".join(para.split()))

    # a block at the edge of most pages is a running header or footer, not the document's text: the same
    # text on two pages of two, or with a number that changes ("Sida 3 av 10") on three pages or more
    same: dict[str, int] = {}
    numbered: dict[str, int] = {}
    for page in pages:
        edges = page[:EDGE_BLOCKS] + page[-EDGE_BLOCKS:]
        for k in {" ".join(b.split()) for b in edges}:
            same[k] = same.get(k, 0) + 1
        for k in {key(b) for b in edges}:
            numbered[k] = numbered.get(k, 0) + 1
    half = (len(pages) + 1) // 2
    running = {k for k, n in same.items() if len(pages) >= 2 and n >= max(2, half)}
    running |= {k for k, n in numbered.items() if len(pages) >= 3 and n >= max(3, half)}
    title_line = " ".join(title.split())

    def edge_junk(para: str, seen: set[str], browser: bool) -> bool:
        line = " ".join(para.split())
        if line in seen:  # a heading that repeats the running title is text: drop each furniture block once
            return False
        seen.add(line)
        return (line in running or key(para) in running or (browser and line == title_line)
                or bool(_PAGE_NUMBER.match(para) or _PRINTED_AT.match(line) or _FILE_URL.match(line)))

    out: list[str] = []
    for page in pages:
        seen: set[str] = set()
        # a browser prints the time at the top and the document's title beside it
        browser = bool(title_line) and any(_PRINTED_AT.match(" ".join(b.split())) for b in page[:EDGE_BLOCKS])
        while page and edge_junk(page[0], seen, browser):
            page = page[1:]
        seen, page_of = set(), False
        while page:
            last = " ".join(page[-1].split())
            if edge_junk(page[-1], seen, False):
                page_of = page_of or bool(_OF_PAGES.match(last))
            elif not (page_of and _URL.match(last)):  # a web address beside "1/3": the browser's footer
                break
            page = page[:-1]
        for block in page:
            if not any(ch.isalnum() for ch in block):
                continue
            if out and not _SENTENCE_END.search(out[-1]) and block[:1].islower():
                out[-1] += " " + block
            else:
                out.append(block)
    return out


def read_pdf(path: str | Path) -> str:
    """The text layer of a PDF; text blocks become paragraphs, page furniture is dropped."""
    p = Path(path)
    data = read_bytes(p)
    return _paragraphs_text(pdf_paragraphs(pdf_text(data, str(p)), pdf_title(data)), p, "PDF")


# --- TMX --------------------------------------------------------------------------------------------------------

def alignment_from_tmx(path: str | Path, src_lang: str | None = None, tgt_lang: str | None = None,
                       codes: tuple[str, ...] = tuple(langid.DEFAULT_LANGUAGES)) -> Alignment:
    """An existing memory as an Alignment, so that the checks can re-check it.

    Each TU is one paragraph holding one segment on each side, linked 1-1 (a TU
    missing a side gives a one-sided link). The score is the TU's ``x-score``;
    a memory without scores is taken at its word (1.0), so low-similarity is
    only reported from scores the memory carries.
    """
    from .export.tmx import read_tmx_bitext

    p = Path(path)
    bt = read_tmx_bitext(p, src_lang, tgt_lang)
    sides: tuple[list[str], list[str]] = ([], [])
    links: list[Link] = []
    for unit in bt.units:
        s, t = clean_text(unit.src), clean_text(unit.tgt)
        if not s and not t:
            continue
        src_ids = (len(sides[0]),) if s else ()
        tgt_ids = (len(sides[1]),) if t else ()
        if s:
            sides[0].append(s)
        if t:
            sides[1].append(t)
        links.append(Link(src_ids, tgt_ids, 1.0 if unit.score is None else unit.score))
    if not any(link.src and link.tgt for link in links):
        raise InputError(f"{p}: no translation units with both languages")
    src_code, tgt_code = (bt.src_lang.split("-")[0].lower(), bt.tgt_lang.split("-")[0].lower())
    src = _tmx_document(p, src_code, sides[0], codes)
    tgt = _tmx_document(p, tgt_code, sides[1], codes)
    return Alignment(src, tgt, links, method="tmx")


def _tmx_document(p: Path, lang: str, segments: list[str], codes: tuple[str, ...]) -> Document:
    """One side of a memory: a paragraph per segment, one sentence each."""
    parts, paragraphs, sentences, pos = [], [], [], 0
    for k, seg in enumerate(segments):
        paragraphs.append((pos, pos + len(seg)))
        sentences.append(Sentence(seg, pos, pos + len(seg), k, langid.other_language(seg, lang, codes)))
        parts.append(seg)
        pos += len(seg) + 2
    text = "\n\n".join(parts)
    return Document(str(p), f"{p.name}#{lang}", text, lang, paragraphs, sentences, (0, len(text)),
                    [lang] * len(paragraphs))

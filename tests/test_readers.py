"""Input readers: HTML, .docx, PDF and TMX, built here from the seed texts and read back.

The .docx files of the seeds are written by python-docx (an independent writer);
the features it cannot write (tracked changes, text boxes) are hand-made XML.
PDFs come from a tiny writer below: standard Helvetica, WinAnsi text, one line
per ``Tj``, the way word processors lay out text, and a scan-like one with only
an image.
"""

from __future__ import annotations

import html
import io
import json
import subprocess
import textwrap
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from align import readers
from align.aligners import EmbeddingAligner
from align.checks import check_alignment
from align.errors import InputError
from align.export import write
from align.pipeline import align_documents, load_one
from align.readers import alignment_from_tmx, pdf_paragraphs, read_docx, read_html, read_pdf, read_text

from .conftest import EN, ROOT, SV

SWEDISH_LETTERS = "åäöÅÄÖ"


def seed_paragraphs(path: Path) -> list[str]:
    return [p.strip() for p in path.read_text("utf-8").split("\n\n") if p.strip()]


def words(text: str) -> list[str]:
    return text.split()


# --- builders ---------------------------------------------------------------------------------------------------

SCRIPT_MARK = "SCRIPT-RAN-HERE"


def html_page(paragraphs: list[str], lang: str) -> str:
    """A realistic page: boilerplate around an <article> whose first paragraph is the heading."""
    def p(text: str, tag: str = "p") -> str:
        return f"<{tag}>" + "<br>\n".join(html.escape(line) for line in text.split("\n")) + f"</{tag}>"

    body = "\n".join([p(paragraphs[0], "h1")] + [p(t) for t in paragraphs[1:]])
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<title>Ministry site – page title</title>
<script>document.title = "{SCRIPT_MARK}"; fetch("http://127.0.0.1:9/steal");</script>
<style>body {{ font-family: STYLE-TEXT-HERE; }}</style></head>
<body>
<div class="cookie-banner" id="consent">We use cookies to improve the site. <button>Accept all</button></div>
<header class="site-header"><a href="/">Front page</a> <form><input name="q"><button>Search the site</button></form></header>
<nav><ul><li><a href="/news">News archive</a></li><li><a href="/about">About the ministry</a></li>
<li><a href="/contact">Contact us</a></li></ul></nav>
<main><article>
{body}
<script>document.write("{SCRIPT_MARK}")</script>
</article>
<aside><h2>Related links</h2><p>Other press releases this week</p></aside>
</main>
<footer><p>Copyright Footer Text 2017 · Privacy policy</p></footer>
<noscript>Please enable JavaScript</noscript>
</body></html>
"""


def docx_with_python_docx(paragraphs: list[str]) -> bytes:
    """The seed as Word writes it: the first paragraph a heading, line breaks inside paragraphs kept."""
    import docx

    d = docx.Document()
    d.add_heading(paragraphs[0], level=1)
    for text in paragraphs[1:]:
        para = d.add_paragraph()
        for k, line in enumerate(text.split("\n")):
            run = para.add_run(line)
            if k < len(text.split("\n")) - 1:
                run.add_break()
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_from_body(body: str) -> bytes:
    """A minimal .docx package around a hand-written <w:body>."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                    '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')
        zf.writestr("_rels/.rels",
                    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        zf.writestr("word/document.xml",
                    f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}" xmlns:mc="http://schemas.'
                    f'openxmlformats.org/markup-compatibility/2006"><w:body>{body}</w:body></w:document>')
    return buf.getvalue()


def _pdf_string(text: str) -> bytes:
    out = b""
    for b in text.encode("cp1252"):
        out += b"\\%03o" % b if b > 126 or b in b"()\\" else bytes([b])
    return out


def pdf_bytes(paragraphs: list[str], image_only: bool = False, encrypt: bool = False, page_lines: int = 56,
              header: str = "", footer: str = "") -> bytes:
    """A PDF of the paragraphs: lines wrapped at 85 characters, a blank line's gap between paragraphs.

    ``image_only`` gives what a scanner makes: a page with an image and no text at all;
    ``encrypt`` adds a standard security handler whose user password is not empty;
    ``header`` / ``footer`` are printed on every page ("{n}" becomes the page number).
    """
    pages: list[list[tuple[int, str]]] = []
    lines: list[tuple[int, str]] = []
    y = 740
    for para in paragraphs:
        for raw in para.split("\n"):
            for line in textwrap.wrap(raw, 85) or [""]:
                if y < 740 - 12 * page_lines:
                    pages.append(lines)
                    lines, y = [], 740
                lines.append((y, line))
                y -= 12
        y -= 12
    pages.append(lines)
    for n, page in enumerate(pages, 1):
        page[:0] = [(770, header.format(n=n))] if header else []
        page.extend([(40, footer.format(n=n, total=len(pages)))] if footer else [])
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
            3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            4: b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 "
               b"/Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream"}
    kids, n = [], 5
    for page in pages:
        if image_only:
            content = b"q 612 0 0 792 0 0 cm /Im0 Do Q\n"
        else:
            content = b"BT /F1 10 Tf\n" + b"".join(b"1 0 0 1 72 %d Tm (" % y + _pdf_string(t) + b") Tj\n"
                                                  for y, t in page) + b"ET\n"
        objs[n] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream"
        objs[n + 1] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> "
                       b"/XObject << /Im0 4 0 R >> >> /Contents %d 0 R >>" % n)
        kids.append(n + 1)
        n += 2
    objs[2] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    trailer = b""
    if encrypt:
        objs[n] = (b"<< /Filter /Standard /V 1 /R 2 /O <" + b"5a" * 32 + b"> /U <" + b"c3" * 32 + b"> /P -44 >>")
        trailer = b" /Encrypt %d 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]" % n
    data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = {}
    for k in sorted(objs):
        offsets[k] = len(data)
        data += b"%d 0 obj\n" % k + objs[k] + b"\nendobj\n"
    xref, size = len(data), max(objs) + 1
    data += b"xref\n0 %d\n0000000000 65535 f \n" % size + b"".join(b"%010d 00000 n \n" % offsets[k]
                                                                   for k in range(1, size))
    data += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)
    return data


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """The Swedish and English seeds as .html (Windows-1252), .docx and .pdf."""
    d = tmp_path_factory.mktemp("inputs")
    out = {}
    for lang, seed in (("sv", SV), ("en", EN)):
        paras = seed_paragraphs(seed)
        out[f"{lang}.html"] = d / f"{lang}.html"
        out[f"{lang}.html"].write_bytes(html_page(paras, lang).encode("cp1252"))
        out[f"{lang}.docx"] = d / f"{lang}.docx"
        out[f"{lang}.docx"].write_bytes(docx_with_python_docx(paras))
        out[f"{lang}.pdf"] = d / f"{lang}.pdf"
        out[f"{lang}.pdf"].write_bytes(pdf_bytes(paras))
    return out


# --- HTML -------------------------------------------------------------------------------------------------------

def test_html_gives_the_main_text_paragraph_by_paragraph(inputs):
    text = read_html(inputs["sv.html"])
    assert text.strip().split("\n\n") == seed_paragraphs(SV)  # line breaks (<br>) kept, markup whitespace not
    assert any(ch in text for ch in SWEDISH_LETTERS)  # decoded from Windows-1252 as the meta tag says


def test_html_boilerplate_scripts_and_styles_are_not_text(inputs):
    text = read_html(inputs["en.html"])
    for junk in (SCRIPT_MARK, "steal", "STYLE-TEXT-HERE", "page title", "cookies", "Accept all", "Front page",
                 "Search the site", "News archive", "About the ministry", "Contact us", "Related links",
                 "Other press releases", "Footer Text", "Privacy", "enable JavaScript"):
        assert junk not in text, junk
    assert text.startswith("24 May 2017") or text.startswith(seed_paragraphs(EN)[0].split("\n")[0])


def test_html_structure_entities_and_undeclared_windows_1252(tmp_path):
    page = ("<html><body><div id='menu'><a href='/'>Hem</a> <a href='/x'>Nyheter</a></div>"
            "<h2>R&aring;det &amp; ministeriet&nbsp;2017</h2><p>F\xf6rsta <b>stycket</b>\n   fortsätter h\xe4r.</p>"
            "<ul><li>Punkt ett</li><li>Punkt <i>tv\xe5</i></li></ul>"
            "<table><tr><th>Land</th><td>Sverige</td></tr><tr><th>Huvudstad</th><td>Stockholm</td></tr></table>"
            "<pre>rad 1\nrad 2</pre><p style='display:none'>Dold text</p><!-- kommentar -->"
            "<div class='footer'>Sidfot</div></body></html>")
    path = tmp_path / "page.htm"
    path.write_bytes(page.encode("cp1252"))  # no charset anywhere: detected from the words
    assert read_text(path).strip().split("\n\n") == [
        "Rådet & ministeriet\u00a02017", "Första stycket fortsätter här.", "Punkt ett", "Punkt två", "Land",
        "Sverige", "Huvudstad", "Stockholm", "rad 1\nrad 2"]


def test_html_never_expands_entities_or_fetches(tmp_path):
    bomb = ('<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY ext SYSTEM "file:///etc/passwd">]><html><body><p>Start &b; &ext; slut.</p>'
            '<img src="http://127.0.0.1:9/x.png"><iframe src="file:///etc/passwd"></iframe></body></html>')
    path = tmp_path / "bomb.html"
    path.write_text(bomb, "utf-8")
    text = read_html(path)
    assert "aaaaaaaaaa" not in text and "root:" not in text and "Start" in text


def test_html_errors_name_the_file(tmp_path):
    noise = tmp_path / "noise.html"
    noise.write_bytes(b"<html><body><p>" + bytes(range(0x80, 0x100)) * 4 + b"</p></body></html>")
    with pytest.raises(InputError, match=r"noise\.html: not valid UTF-8"):
        read_html(noise)
    odd = tmp_path / "odd-charset.html"  # a codec name that is no charset is ignored, not obeyed
    odd.write_text("<html><head><meta charset='zlib'></head><body><p>Text på svenska.</p></body></html>", "utf-8")
    assert read_html(odd) == "Text på svenska.\n"
    only_menu = tmp_path / "menu.html"
    only_menu.write_text("<html><body><nav><a href='/'>Home</a></nav><script>x()</script></body></html>", "utf-8")
    with pytest.raises(InputError, match=r"menu\.html: no text found"):
        read_html(only_menu)
    deep = tmp_path / "deep.html"
    deep.write_text("<html><body>" + "<div>" * 400 + "text" + "</div>" * 400 + "</body></html>", "utf-8")
    with pytest.raises(InputError, match=r"deep\.html: cannot read this HTML to the end"):
        read_html(deep)


# RFC 7518, section 6.3 (IETF Trust; RFCs may be reproduced as they are), and a note from the California Code of
# Regulations, Title 8 (a public record), with their links laid out three ways: inline as written, one element a
# line as template engines print them, and a block inside a link. Browsers show no space before the "," or "]".
RFC_7518 = ('JWKs can represent RSA [RFC3447] keys. In this case, the "kty" member value is "RSA". The semantics '
            'of the parameters defined below are the same as those defined in Sections 3.1 and 3.2 of RFC 3447.')
TITLE_8 = "See Sections 1532.2, 5206, and 8359"
LINKED = {
    "inline": """<p>JWKs can represent RSA [<a href="https://tools.ietf.org/html/rfc3447">RFC3447</a>] keys.  In this
case, the "kty" member value is "RSA".  The semantics of the parameters defined below are the same as those
defined in Sections <a href="https://tools.ietf.org/html/rfc3447#section-3.1">3.1</a> and
<a href="https://tools.ietf.org/html/rfc3447#section-3.2">3.2</a> of <a href="https://tools.ietf.org/html/rfc3447">RFC
3447</a>.</p>
<p>See Sections <a href="https://www.dir.ca.gov/title8/1532_2.html">1532.2</a>, <a
href="https://www.dir.ca.gov/title8/5206.html">5206</a>, and <a href="https://www.dir.ca.gov/title8/8359.html">8359</a></p>""",
    "one element a line": """<p>
  JWKs can represent RSA [
  <a href="https://tools.ietf.org/html/rfc3447">RFC3447</a>
  ] keys. In this case, the "kty" member value is "RSA". The semantics of the parameters defined below are the
  same as those defined in Sections
  <a href="https://tools.ietf.org/html/rfc3447#section-3.1">
    3.1
  </a>
  and
  <a href="https://tools.ietf.org/html/rfc3447#section-3.2">3.2</a>
  of
  <a href="https://tools.ietf.org/html/rfc3447">RFC 3447</a>
  .
</p>
<p>
  See Sections
  <a href="https://www.dir.ca.gov/title8/1532_2.html">1532.2</a>
  ,
  <a href="https://www.dir.ca.gov/title8/5206.html">5206</a>
  , and
  <a href="https://www.dir.ca.gov/title8/8359.html">8359</a>
</p>""",
    "blocks inside links": """<div>JWKs can represent RSA [<a href="#RFC3447"><div class="ref">RFC3447</div></a>] keys. In this
case, the "kty" member value is "RSA". The semantics of the parameters defined below are the same as those defined
in Sections <a href="#s3.1"><div>3.1</div></a> and <a href="#s3.2"><div>3.2</div></a> of <a href="#RFC3447"><div>RFC
3447</div></a>.</div>
<div>See Sections <a href="#s1532"><div>1532.2</div></a>, <a href="#s5206"><div>5206</div></a>, and
<a href="#s8359"><span><p>8359</p></span></a></div>""",
}


@pytest.mark.parametrize("layout", list(LINKED))
def test_html_links_add_no_space_before_punctuation(tmp_path, layout):
    page = tmp_path / "page.html"
    page.write_text(f"<!DOCTYPE html><html><body><main>{LINKED[layout]}</main></body></html>", "utf-8")
    assert read_html(page).strip().split("\n\n") == [RFC_7518, TITLE_8]


def test_html_blocks_wrapped_in_an_inline_element_stay_paragraphs(tmp_path):
    # old pages wrap whole paragraphs in <font>: no running text around it, so the paragraphs stay apart
    page = tmp_path / "page.html"
    page.write_text(f"<html><body><font face=Arial><p>{RFC_7518}</p><p>{TITLE_8}</p></font></body></html>", "utf-8")
    assert read_html(page).strip().split("\n\n") == [RFC_7518, TITLE_8]


# --- .docx ------------------------------------------------------------------------------------------------------

def test_docx_written_by_python_docx_reads_as_the_seed(inputs):
    text = read_docx(inputs["sv.docx"])
    assert text.strip().split("\n\n") == seed_paragraphs(SV)


def test_docx_tables_text_boxes_and_tracked_changes(tmp_path):
    def r(text: str) -> str:
        return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'

    body = (f"<w:p><w:pPr><w:pStyle w:val='Heading1'/></w:pPr>{r('Rubrik')}</w:p>"
            f"<w:p>{r('Före tabellen')}<w:r><w:tab/></w:r>{r('med tabb.')}</w:p>"
            f"<w:tbl><w:tr><w:tc><w:p>{r('Cell ett')}</w:p></w:tc><w:tc><w:p>{r('Cell två')}</w:p>"
            f"<w:tbl><w:tr><w:tc><w:p>{r('Inre cell')}</w:p></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>"
            f"<w:p>{r('Texten ')}<w:del><w:r><w:delText>strök detta </w:delText></w:r></w:del>"
            f"<w:ins>{r('lade till detta ')}</w:ins>{r('och sidan ')}"
            "<w:r><w:fldChar w:fldCharType='begin'/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>"
            f"<w:r><w:fldChar w:fldCharType='separate'/></w:r>{r('3')}<w:r><w:fldChar w:fldCharType='end'/></w:r>"
            f"{r('.')}</w:p>"
            f"<w:p>{r('Värd för ruta.')}<w:r><mc:AlternateContent><mc:Choice Requires='wps'><w:drawing>"
            f"<w:txbxContent><w:p>{r('I rutan.')}</w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback>"
            f"<w:pict><w:txbxContent><w:p>{r('I rutan.')}</w:p></w:txbxContent></w:pict></mc:Fallback>"
            f"</mc:AlternateContent></w:r></w:p>"
            f"<w:sdt><w:sdtContent><w:p>{r('I en innehållskontroll.')}</w:p></w:sdtContent></w:sdt>"
            "<w:p></w:p>")
    path = tmp_path / "features.docx"
    path.write_bytes(docx_from_body(body))
    assert read_docx(path).strip().split("\n\n") == [
        "Rubrik", "Före tabellen\tmed tabb.", "Cell ett", "Cell två", "Inre cell",
        "Texten lade till detta och sidan 3.", "Värd för ruta.", "I rutan.", "I en innehållskontroll."]


def test_docx_bombs_and_impostors_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_XML_BYTES", 1 << 20)
    big = tmp_path / "bomb.docx"
    big.write_bytes(docx_from_body("<w:p><w:r><w:t>" + "a" * (2 << 20) + "</w:t></w:r></w:p>"))
    assert big.stat().st_size < 20_000  # compresses >100:1
    with pytest.raises(InputError, match=r"bomb\.docx: word/document\.xml unpacks to 2 MiB"):
        read_docx(big)
    plain = tmp_path / "renamed.docx"
    plain.write_text("Just text, named .docx.", "utf-8")
    with pytest.raises(InputError, match=r"renamed\.docx: not a \.docx file"):
        read_docx(plain)
    other = tmp_path / "sheet.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    other.write_bytes(buf.getvalue())
    with pytest.raises(InputError, match=r"sheet\.docx: not a Word \.docx document"):
        read_docx(other)
    entity = tmp_path / "entity.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "{"x" * 50}"><!ENTITY b '
                    f'"&a;&a;&a;&a;&a;&a;&a;&a;">]><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>Start &b; '
                    f'slut</w:t></w:r></w:p></w:body></w:document>')
    entity.write_bytes(buf.getvalue())
    assert "x" * 50 not in read_docx(entity)


# --- PDF --------------------------------------------------------------------------------------------------------

def test_pdf_text_layer_gives_the_seed_paragraphs(inputs):
    pdf = inputs["sv.pdf"].read_bytes()
    assert pdf.count(b") Tj") > 2 * len(seed_paragraphs(SV))  # the PDF wraps paragraphs over several lines
    paras = read_pdf(inputs["sv.pdf"]).strip().split("\n\n")
    # lines wrapped at the margin are joined; short lines ("Pressmeddelande 99/2017" over a date) stay lines
    assert paras == [p.replace("\xa0", " ") for p in seed_paragraphs(SV)]


def test_pdf_running_headers_footers_and_page_numbers_are_dropped(tmp_path):
    paras = seed_paragraphs(SV) * 2
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf_bytes(paras, page_lines=20, header="Utrikesministeriet – Pressmeddelande 99/2017",
                               footer="Sida {n} av {total}"))
    assert path.read_bytes().count(b"/Type /Page ") >= 5
    got = read_pdf(path).strip().split("\n\n")
    assert words(" ".join(got)) == words(" ".join(paras))  # nothing lost, no "Sida 3 av 6", no header
    assert len(paras) <= len(got) < len(paras) + 5


def test_pdf_paragraph_cut_by_a_page_break_is_joined_again():
    text = ("Rubrik\n\nFörsta stycket börjar här och\nfortsätter\n\n3\n\f"
            "på nästa sida.\n\nAndra stycket.\n\n4\n\f"
            "Tredje stycket börjar på en ny sida.\n\n5\n\f")
    assert pdf_paragraphs(text) == ["Rubrik", "Första stycket börjar här och fortsätter på nästa sida.",
                                    "Andra stycket.", "Tredje stycket börjar på en ny sida."]


PRINTED = ROOT / "tests" / "data" / "print"  # pages printed to PDF by Chromium (see its README.md)


@pytest.mark.parametrize("name", ["us-constitution-article-1", "us-constitution-preamble"])
def test_pdf_printed_by_a_browser_reads_as_the_page_itself(name):
    """No running title, time of printing, file:// address or "1/2"; no ligature glyphs; a heading that
    repeats the title is kept once."""
    pdf = PRINTED / f"{name}.pdf"
    raw = pdf.read_bytes()
    text = read_pdf(pdf)
    assert text == read_html(PRINTED / f"{name}.html")
    assert "file:" not in text and "AM" not in text and "/2" not in text
    assert not any("\ufb00" <= ch <= "\ufb06" for ch in text) and "Qualifications" in text
    if name == "us-constitution-preamble":  # one page: the title is known from the PDF's metadata
        assert readers.pdf_title(raw) == "The Constitution of the United States"
        assert text.split("\n\n")[0] == "The Constitution of the United States"
    else:
        assert text.split("\n\n")[:2] == ["Article I", "Section 1"]
        assert "which may be included within this Union" in text  # the page break does not cut it


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Chromium (the README's test setup)")
def test_pdf_printed_now_by_chromium_reads_as_the_page(tmp_path):
    html_copy = tmp_path / "us-constitution-article-1.html"
    html_copy.write_bytes((PRINTED / "us-constitution-article-1.html").read_bytes())
    pdf = tmp_path / "printed.pdf"
    subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}",
                    html_copy.as_uri()], capture_output=True, timeout=120, check=True)
    assert read_pdf(pdf) == read_html(html_copy)


def test_ligatures_are_unfolded_and_nothing_else_is():
    assert readers.unfold_ligatures("ﬁrst oﬃce ﬂow ½ x² ｶ ﬆ") == "first office flow ½ x² ｶ st"


def test_pdf_without_text_layer_or_with_a_password_is_refused(tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes(seed_paragraphs(EN), image_only=True))
    with pytest.raises(InputError, match=r"scan\.pdf: PDF has no text layer \(scanned\?\); run OCR first"):
        read_pdf(scan)
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(pdf_bytes(seed_paragraphs(EN), encrypt=True))
    with pytest.raises(InputError, match=r"locked\.pdf: the PDF is password-protected"):
        read_pdf(locked)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(pdf_bytes(seed_paragraphs(EN))[:300])
    with pytest.raises(InputError, match=r"broken\.pdf: "):
        read_pdf(broken)
    fake = tmp_path / "fake.pdf"
    fake.write_text("plain text named .pdf", "utf-8")
    with pytest.raises(InputError, match=r"fake\.pdf: not a PDF file"):
        read_pdf(fake)


# --- the pipeline and the CLI on these inputs -------------------------------------------------------------------

def _pair_texts(al) -> list[tuple[str, str]]:
    return [(s, t) for _, s, t in al.pairs()]


def _plain(text: str) -> str:
    return " ".join(text.split())  # PDF has no no-break space: WinAnsi's 0xA0 is a plain space


@pytest.mark.parametrize("src_kind, tgt_kind", [("html", "docx"), ("pdf", "html"), ("docx", "pdf")])
def test_pair_on_html_docx_pdf_gives_the_pairs_of_the_txt_seeds(inputs, encoder, src_kind, tgt_kind):
    aligner = EmbeddingAligner(encoder)
    txt_src, txt_tgt = load_one(SV), load_one(EN)
    src, tgt = load_one(inputs[f"sv.{src_kind}"]), load_one(inputs[f"en.{tgt_kind}"])
    assert (src.lang, tgt.lang) == ("sv", "en")
    for doc, txt in ((src, txt_src), (tgt, txt_tgt)):  # the same sentences in the same paragraphs
        assert [(_plain(s.text), s.paragraph) for s in doc.sentences] == \
            [(_plain(s.text), s.paragraph) for s in txt.sentences]
    expected = _pair_texts(align_documents(txt_src, txt_tgt, aligner))
    got = _pair_texts(align_documents(src, tgt, aligner))
    assert len(expected) > 10
    assert [(_plain(a), _plain(b)) for a, b in got] == [(_plain(a), _plain(b)) for a, b in expected]


def test_tmx_written_by_pair_rechecks_into_the_same_pairs(tmp_path, encoder):
    al = align_documents(load_one(SV), load_one(EN), EmbeddingAligner(encoder))
    tmx = tmp_path / "x.tmx"
    write(al, tmx, "tmx")
    back = alignment_from_tmx(tmx)
    assert (back.src.lang, back.tgt.lang) == ("sv", "en")
    assert _pair_texts(back) == _pair_texts(al)
    # the TMX carries each score as the writer formats it (3 decimals; numpy's round would send 0.9805 to 0.98)
    assert [l.score for l, _, _ in back.pairs()] == [float(f"{l.score:.3f}") for l, _, _ in al.pairs()]
    assert all(len(link.src) == len(link.tgt) == 1 for link in back.links)


def test_cli_pair_html_with_docx_then_check_the_tmx(tmp_path, inputs, run_cli):
    tmx, report = tmp_path / "x.tmx", tmp_path / "r.json"
    proc = run_cli("pair", inputs["sv.html"], inputs["en.docx"], "-o", tmx, "--method", "length")
    assert proc.returncode == 0, proc.stderr
    assert "sv.html (sv) → en.docx (en)" in proc.stderr
    proc = run_cli("check", tmx, "-o", report)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(report.read_text("utf-8"))
    assert (data["source"]["lang"], data["target"]["lang"]) == ("sv", "en")
    assert data["source"]["file"] == str(tmx)
    back = alignment_from_tmx(tmx)
    assert len(back.links) == tmx.read_text("utf-8").count("<tu ") > 10
    # align check MEMORY runs align pair's value checks unit by unit: the same number mismatches
    assert data["counts"]["number-mismatch"] == Counter(d.kind for d in check_alignment(back))["number-mismatch"]
    assert "number-mismatch" in data["counts"]  # the seeds' "24.5.2017" vs "24 May 2017" pairs are checked again


def test_cli_refuses_a_tmx_as_a_document_and_a_lone_non_tmx(tmp_path, run_cli):
    tmx = tmp_path / "m.tmx"
    tmx.write_text('<?xml version="1.0"?><tmx version="1.4"><header srclang="sv" segtype="sentence" '
                   'creationtool="t" creationtoolversion="1" o-tmf="t" adminlang="en" datatype="plaintext"/>'
                   '<body></body></tmx>', "utf-8")
    for args, message in ((("pair", tmx, EN, "-o", tmp_path / "r.tsv"), "already aligned; re-check it with `align check"),
                          (("check", SV, "-o", tmp_path / "r.html"), "give its translation too"),
                          (("check", tmx, "-o", tmp_path / "r.html"), "no translation units")):
        proc = run_cli(*args)
        assert proc.returncode == 1 and message in proc.stderr, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tmx"]


"""The HTML report in a real browser: document text never runs as code; our filters do run."""

import shutil
import subprocess

import pytest

from align.documents import Alignment, Link
from align.export.report import render_html
from align.pipeline import PairResult
from align.checks import check_alignment

from .conftest import make_doc

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EVIL = ('<script>document.body.setAttribute("data-pwned","script")</script>'
        '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'img\')">')


def _doc(lang, texts):
    return make_doc(lang, texts, name=f"{lang}<i>x</i>.txt", path=f"{lang}<b>.txt")


def dom_after_scripts(tmp_path, html: str) -> str:
    page = tmp_path / "report.html"
    page.write_text(html, "utf-8")
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_document_text_cannot_run_in_the_report(tmp_path):
    src = _doc("sv", ["Hej " + EVIL, "Bara här </td></tr></table><script>alert(1)</script>"])
    tgt = _doc("en", ["Hello " + EVIL])
    al = Alignment(src, tgt, [Link((0,), (0,), 0.9), Link((1,), (), 0.0)])
    html = render_html([PairResult(al, check_alignment(al))], [{"document": "<script>x</script>", "lang": "en"}])
    dom = dom_after_scripts(tmp_path, html)
    body = dom[dom.index("<body"):dom.index(">", dom.index("<body"))]
    assert "data-pwned" not in body  # neither the <script> nor the onerror handler ran
    assert "&lt;script&gt;" in dom  # the text is shown, escaped
    assert dom.count("<script>") == 1  # only our own filter script


def test_filters_are_wired(tmp_path):
    src = _doc("sv", ["Möte den 24.5.2017.", "Bara här."])
    tgt = _doc("en", ["Meeting on 25 May 2017."])
    al = Alignment(src, tgt, [Link((0,), (0,), 0.9), Link((1,), (), 0.0)])
    html = render_html([PairResult(al, check_alignment(al))])
    # select the "error" severity on load, then let our script hide the other rows
    html = html.replace("</body>", "<script>var s=document.querySelector('.sev');s.value='error';"
                                   "s.dispatchEvent(new Event('change'));</script></body>")
    dom = dom_after_scripts(tmp_path, html)
    rows = dom[dom.index('<table id="divs0"'):]
    rows = rows[:rows.index("</table>")]
    assert 'data-kind="number-mismatch" data-sev="error"' in rows
    hidden = [r for r in rows.split("<tr")[1:] if 'class="sev-warning hidden"' in r]
    assert hidden  # the one-sided warning is filtered out

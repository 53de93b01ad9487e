"""The review editor in a real browser (headless Debian Chromium driven by Playwright).

One browser for the module. The seed pair is served by the real ``align review`` command; a merge is
made with the keyboard, the page reloaded, the merge found again. Hostile document text is shown as
text and runs nothing. A second tab on the same file is told to reload instead of overwriting.
"""

import re
import subprocess
import sys
import threading
import time

import pytest

from align.documents import Alignment, Link
from align.checks import check_alignment
from align.pipeline import PairResult, load_one, run_pair
from align.aligners import LengthAligner
from align.review import read_review, write_review
from align.review.server import make_app

from .conftest import EN, ROOT, SV, make_doc

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
EVIL = ('<script>document.body.setAttribute("data-pwned","script")</script>'
        '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'img\')">')


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory):
    """``align review`` on the seed pair (aligned by length: no model needed), as a user starts it."""
    path = tmp_path_factory.mktemp("review") / "sv-en.review.json"
    write_review(run_pair(load_one(SV), load_one(EN), LengthAligner()), path)
    proc = subprocess.Popen([sys.executable, "-m", "align", "review", str(path), "--no-browser"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # "reviewing PATH: URL", once the server listens
        match = re.search(r"(http://127\.0\.0\.1:\d+/\?token=[\w-]+)", line)
        assert match, line + proc.stderr.read() if proc.poll() is not None else line
        yield path, match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def open_page(browser, url):
    page = browser.new_page(viewport={"width": 1300, "height": 800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=30000)
    page.errors = errors
    return page


def cell_text(page, r, side):
    """The sentences shown in one cell of the rendered row with index r, as the reader sees them."""
    return page.eval_on_selector_all(f"#rows .row[data-r='{r}'] .cell.{side} .s",
                                     "spans => spans.map(s => s.textContent).join(' ')")


def row_texts(page, r):
    return cell_text(page, r, "src"), cell_text(page, r, "tgt")


def wait_revision(page, revision):
    page.wait_for_selector(f"body[data-revision='{revision}']", timeout=30000)


def test_merge_with_the_keyboard_survives_a_reload(browser, seed_server, tmp_path):
    path, url = seed_server
    assert url.startswith("http://127.0.0.1:")
    before = read_review(path)
    page = open_page(browser, url)
    n_rows = len(before.links)
    assert page.locator("#rows .row").count() == n_rows  # a short pair: every row is in view
    first, second = row_texts(page, 3), row_texts(page, 4)
    page.click("#rows .row[data-r='3'] .cell.src")
    page.keyboard.press("m")  # merge with the next row
    wait_revision(page, before.revision + 1)
    merged = row_texts(page, 3)
    assert merged[0] == f"{first[0]} {second[0]}".strip() and merged[1] == f"{first[1]} {second[1]}".strip()
    assert page.locator("#rows .row").count() == n_rows - 1
    page.screenshot(path=str(tmp_path / "review-merged.png"))
    assert (tmp_path / "review-merged.png").stat().st_size > 10_000

    page.reload()
    page.wait_for_selector("body[data-ready='1']", timeout=30000)
    assert row_texts(page, 3) == merged and page.locator("#rows .row").count() == n_rows - 1
    on_disk = read_review(path)
    assert on_disk.links[3].src == before.links[3].src + before.links[4].src
    assert on_disk.links[3].status == "edited" and on_disk.revision == before.revision + 1

    # undo after the reload: the history was saved with the file
    page.click("#rows .row[data-r='3'] .cell.tgt")
    page.keyboard.press("u")
    wait_revision(page, before.revision + 2)
    assert page.locator("#rows .row").count() == n_rows and row_texts(page, 3) == first
    assert [(r.src, r.tgt) for r in read_review(path).links] == [(r.src, r.tgt) for r in before.links]
    assert not page.errors
    page.close()


def test_filter_and_next_problem_keys(browser, seed_server):
    path, url = seed_server
    review = read_review(path)
    page = open_page(browser, url)
    problems = [r for r, row in enumerate(review.links)
                if row.status == "auto" and (row.score < review.low_confidence
                                             or any(set(row.src) & set(d["src"]) or set(row.tgt) & set(d["tgt"])
                                                    for d in review.divergences))]
    assert problems  # the seed pair has one-sided rows and divergences
    page.keyboard.press("Home")
    page.keyboard.press("n")
    after_first = [r for r in problems if r > 0]
    assert page.evaluate("window.alignReview.focused().r") == (after_first[0] if after_first else problems[0])
    page.keyboard.press("f")  # only the rows that need review
    assert page.evaluate("window.alignReview.view()") == problems
    shown = [int(x) for x in page.eval_on_selector_all("#rows .row", "rows => rows.map(r => r.dataset.r)")]
    assert shown and set(shown) <= set(problems)  # only what is in view is rendered
    page.keyboard.press("f")
    assert len(page.evaluate("window.alignReview.view()")) == len(review.links)
    page.close()


def test_a_second_tab_is_told_to_reload(browser, seed_server):
    path, url = seed_server
    a, b = open_page(browser, url), open_page(browser, url)
    rev = read_review(path).revision
    a.click("#rows .row[data-r='1'] .cell.src")
    a.keyboard.press("c")  # confirm in tab A
    wait_revision(a, rev + 1)
    b.click("#rows .row[data-r='2'] .cell.src")
    b.keyboard.press("c")  # tab B still shows the old revision
    b.wait_for_selector("#banner:not([hidden])", timeout=30000)
    assert "reload" in b.inner_text("#banner").lower()
    review = read_review(path)
    assert review.revision == rev + 1 and review.links[1].status == "confirmed"
    assert review.links[2].status != "confirmed"
    b.click("#banner button")  # Reload: B now shows A's confirmation and can act again
    b.wait_for_selector("#banner[hidden]", state="attached", timeout=30000)
    assert "confirmed" in b.inner_text("#rows .row[data-r='1'] .meta")
    a.close()
    b.close()


def _doc(lang, texts):
    return make_doc(lang, texts, name=f"{lang}<img src=x onerror=alert(1)>.txt", path=f"{lang}<b>.txt")


@pytest.fixture()
def evil_server(tmp_path):
    src = _doc("sv", ["Hej " + EVIL, "Bara här </div></div><script>alert(1)</script>", "Möte den 24.5.2017."])
    tgt = _doc("en", ["Hello " + EVIL, "Meeting on 25 May 2017."])
    al = Alignment(src, tgt, [Link((0,), (0,), 0.9), Link((1,), (), 0.0), Link((2,), (1,), 0.4)])
    path = tmp_path / "evil.review.json"
    write_review(PairResult(al, check_alignment(al)), path)
    import uvicorn

    from align.review.server import bind

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    token = "evil-test-token"
    app = make_app(path, token, hosts={f"127.0.0.1:{port}"})
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield path, f"http://127.0.0.1:{port}/?token={token}"
    server.should_exit = True
    thread.join(timeout=10)


def test_document_text_runs_nothing(browser, evil_server):
    path, url = evil_server
    page = open_page(browser, url)
    nothing_ran = "() => document.body.getAttribute('data-pwned') === null && " \
                  "document.querySelectorAll('#rows img, #rows script, #detail img, #detail script, " \
                  "#columns img, #bar img').length === 0"
    assert page.evaluate(nothing_ran)
    assert cell_text(page, 0, "src") == "Hej " + EVIL  # shown as text
    assert "<img src=x onerror=alert(1)>" in page.inner_text("#columns")
    page.click("#rows .row[data-r='0'] .cell.src")  # the detail panel shows divergence messages
    page.keyboard.press("n")
    # a reviewer types markup into a segment: it is saved as text and still runs nothing
    page.click("#rows .row[data-r='2'] .cell.tgt")
    page.keyboard.press("e")
    page.fill("#editor-text", "Meeting " + EVIL)
    page.keyboard.press("Control+Enter")
    wait_revision(page, 1)
    assert page.evaluate(nothing_ran) and cell_text(page, 2, "tgt") == "Meeting " + EVIL
    page.reload()
    page.wait_for_selector("body[data-ready='1']", timeout=30000)
    assert page.evaluate(nothing_ran)
    assert read_review(path).edits["tgt"] == {"1": "Meeting " + EVIL}
    assert not page.errors
    page.close()

"""How fast the review editor is on a long pair, measured in a real browser (headless Chromium).

    python -m eval.review_speed [--links 20000] [--actions 20] [--screenshot eval/review-seeds.png]

Builds a review file of about ``--links`` rows from the Text+Berg German–French
articles (real sentences, aligned by Gale–Church, divergences from our checks;
the seven articles are repeated to reach the size), serves it with the editor's
own server, opens it in Debian's Chromium through Playwright, and prints:

- open: from the start of navigation to the first rows on screen (the page's
  own clock), and the wall time Python saw; how many rows are in the DOM;
- scroll: a fling through the whole list (one step of 400 px per frame) and
  100 jumps to random places: frame times (median, 95th percentile, worst),
  how many frames took longer than 50 ms, and how much of a frame is our
  script (the rest is the browser's style, layout and software raster);
- actions: merge, then undo, ``--actions`` times each, from the key press to the
  page showing the result (request, apply, save with fsync, render), and the
  server's part alone;
- the size of the review file.

``--screenshot PATH`` also aligns the seed pair (sv-en) with the default model
and saves the page as the README shows it (``--links 0``: only that).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from align.aligners import LengthAligner
from align.checks import check_alignment
from align.documents import Alignment, Document, Divergence, Link, Sentence
from align.pipeline import PairResult
from align.review import write_review
from align.review.server import bind, make_app

DATA = Path(__file__).resolve().parent / "data" / "textberg"
ROOT = Path(__file__).resolve().parent.parent
TOKEN = "speed-test-token"


def _doc(lines: list[str], lang: str, name: str) -> Document:
    sents, pos = [], 0
    for k, line in enumerate(lines):
        sents.append(Sentence(line, pos, pos + len(line), k // 4))  # paragraphs of four sentences
        pos += len(line) + 1
    return Document(name, name, "\n".join(lines), lang, [], sents)


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text("utf-8").split("\n") if line.strip()]


def long_pair(n_links: int) -> PairResult:
    """Text+Berg articles, aligned and checked one by one, concatenated until n_links rows."""
    parts = []
    for k in range(1, 8):
        src = _doc(_lines(DATA / "de" / f"{k:03d}"), "de", "de")
        tgt = _doc(_lines(DATA / "fr" / f"{k:03d}"), "fr", "fr")
        links = LengthAligner().align([s.text for s in src.sentences], [t.text for t in tgt.sentences])
        al = Alignment(src, tgt, links, method="length")
        parts.append((al, check_alignment(al)))
    src_s, tgt_s, links, divs = [], [], [], []
    para = 0
    while len(links) < n_links:
        for al, dv in parts:
            i0, j0 = len(src_s), len(tgt_s)
            p0 = para
            for s in al.src.sentences:
                src_s.append(Sentence(s.text, s.start, s.end, p0 + s.paragraph))
            for t in al.tgt.sentences:
                tgt_s.append(Sentence(t.text, t.start, t.end, p0 + t.paragraph))
            para = max(src_s[-1].paragraph, tgt_s[-1].paragraph) + 1
            links += [Link(tuple(i + i0 for i in l.src), tuple(j + j0 for j in l.tgt), l.score) for l in al.links]
            divs += [Divergence(d.kind, d.severity, d.message, tuple(i + i0 for i in d.src),
                                tuple(j + j0 for j in d.tgt)) for d in dv]
            if len(links) >= n_links:
                break
    src = Document("textberg.de", "textberg.de", "", "de", [], src_s)
    tgt = Document("textberg.fr", "textberg.fr", "", "fr", [], tgt_s)
    return PairResult(Alignment(src, tgt, links, method="length"), divs)


class Served:
    """The editor's app on a free port, in a thread of this process."""

    def __init__(self, path: Path):
        import uvicorn

        sock = bind("127.0.0.1", 0)
        port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/?token={TOKEN}"
        self.server = uvicorn.Server(uvicorn.Config(make_app(path, TOKEN, {f"127.0.0.1:{port}"}),
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    def __enter__(self):
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


FLING = """async (step) => {
  const sc = document.getElementById('scroller');
  const frames = [];
  window.alignReview.renderMs.length = 0;
  let last = performance.now();
  while (sc.scrollTop + sc.clientHeight < sc.scrollHeight - 1) {
    sc.scrollTop += step;
    await new Promise(r => requestAnimationFrame(r));
    const now = performance.now(); frames.push(now - last); last = now;
  }
  return {frames, js: window.alignReview.renderMs.slice(), rendered: window.alignReview.rendered(),
          height: sc.scrollHeight};
}"""

JUMPS = """async (n) => {
  const sc = document.getElementById('scroller');
  const frames = [];
  let seed = 7;
  for (let k = 0; k < n; k++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const t0 = performance.now();
    sc.scrollTop = (seed / 2147483648) * (sc.scrollHeight - sc.clientHeight);
    await new Promise(r => requestAnimationFrame(r));
    await new Promise(r => requestAnimationFrame(r));
    frames.push((performance.now() - t0) / 2);
  }
  return frames;
}"""

ACTIONS = """async ([n, pause]) => {
  const times = {merge: [], undo: []};
  const rows = window.alignReview.state.rows.length;
  for (let k = 0; k < n; k++) {
    const r = Math.floor((k + 1) * rows / (n + 2));
    window.alignReview.focus(r, 'src', 0);
    await new Promise(r => setTimeout(r, pause));  // a reviewer's next key comes after a pause
    let t0 = performance.now();
    await window.alignReview.act('merge', () => ({row: r, with: 'next'}));
    times.merge.push(performance.now() - t0);
    await new Promise(r => setTimeout(r, pause));
    t0 = performance.now();
    await window.alignReview.act('undo');
    times.undo.push(performance.now() - t0);
  }
  return {times, apply: window.alignReview.applyMs.slice(-2 * n), rows: window.alignReview.state.rows.length,
          revision: window.alignReview.state.revision};
}"""


def _summary(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms, worst {values[-1]:.1f} ms"


def measure(n_links: int, n_actions: int, pause_ms: int = 300) -> None:
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    result = long_pair(n_links)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "textberg.review.json"
        write_review(result, path)
        print(f"review file: {len(result.alignment.links):,} rows, {len(result.alignment.src.sentences):,} + "
              f"{len(result.alignment.tgt.sentences):,} sentences, {len(result.divergences):,} divergences, "
              f"{path.stat().st_size / 2**20:.1f} MB (built in {time.perf_counter() - t0:.1f} s)")
        with Served(path) as served, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            w0 = time.perf_counter()
            page.goto(served.url)
            page.wait_for_selector("body[data-ready='1']", timeout=60000)
            wall = time.perf_counter() - w0
            in_page = page.evaluate("performance.now()")
            state_ms = page.evaluate("window.alignReview.loadMs")
            dom_rows = page.evaluate("document.querySelectorAll('#rows .row').length")
            print(f"open: {in_page / 1000:.2f} s from navigation to rows on screen (page clock: "
                  f"{state_ms['fetch'] / 1000:.2f} s fetching and parsing the state, {state_ms['setup'] / 1000:.2f} s "
                  f"laying it out), {wall:.2f} s wall; {dom_rows} rows in the DOM of {len(result.alignment.links):,}")
            fling = page.evaluate(FLING, 400)
            frames = fling["frames"]
            print(f"scroll, fling through {fling['height'] / 1e6:.1f} Mpx in {len(frames)} frames: "
                  f"{_summary(frames)}; frames over 50 ms: {sum(f > 50 for f in frames)}; "
                  f"{fling['rendered']} rows in the DOM at the end")
            print(f"scroll, our script's part of each frame (virtual list update): {_summary(fling['js'])}")
            jumps = page.evaluate(JUMPS, 100)
            print(f"scroll, 100 jumps to random places, per frame: {_summary(jumps)}")
            acts = page.evaluate(ACTIONS, [n_actions, pause_ms])
            print(f"actions ({pause_ms} ms apart), key to result on screen (request, save with fsync, render): "
                  f"merge {_summary(acts['times']['merge'])}; "
                  f"undo {_summary(acts['times']['undo'])}; rows back to {acts['rows']:,}, revision {acts['revision']}")
            print(f"actions, the page's own part (apply the change, redraw): {_summary(acts['apply'])}")
            browser.close()
        _server_only(path, n_actions)


def _server_only(path: Path, n: int) -> None:
    """The store alone: apply, serialise, write, fsync, rename."""
    from align.review import ReviewStore

    store = ReviewStore(path)
    times = []
    for k in range(n):
        r = (k + 1) * len(store.review.links) // (n + 2)
        for name, args in (("merge", {"row": r, "with": "next"}), ("undo", {})):
            t0 = time.perf_counter()
            store.act(name, args, store.review.revision)
            times.append((time.perf_counter() - t0) * 1000)
    print(f"actions, server part alone ({2 * n} actions): {_summary(times)}")


def screenshot(path: Path) -> None:
    """The seed pair (sv-en) in the editor, as the README shows it."""
    from playwright.sync_api import sync_playwright

    from align.pipeline import load_one, make_aligner, run_pair

    seeds = ROOT / "seeds"
    result = run_pair(load_one(seeds / "001_acca24cc4dc759c1.txt"), load_one(seeds / "000_5712cbd26d8e2ee2.txt"),
                      make_aligner("embedding"))
    with tempfile.TemporaryDirectory() as tmp:
        review = Path(tmp) / "001__000.sv-en.review.json"
        write_review(result, review)
        with Served(review) as served, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 820})
            page.goto(served.url)
            page.wait_for_selector("body[data-ready='1']", timeout=60000)
            page.keyboard.press("n")
            page.keyboard.press("n")
            page.screenshot(path=str(path))
            browser.close()
    print(f"screenshot: {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--links", type=int, default=20000)
    ap.add_argument("--actions", type=int, default=20)
    ap.add_argument("--pause-ms", type=int, default=300,
                    help="pause before each action, as a reviewer's next key press (0: back to back, where an "
                         "action also waits for the end of the one before: its redraw and the disk's journal)")
    ap.add_argument("--screenshot", type=Path, default=None)
    args = ap.parse_args()
    if args.links > 0:
        measure(args.links, args.actions, args.pause_ms)
    if args.screenshot:
        screenshot(args.screenshot)


if __name__ == "__main__":
    main()

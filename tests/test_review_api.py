"""The review editor's server and file: every action, undo/redo, persistence, conflicts, safety, export."""

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from starlette.testclient import TestClient

from align.errors import InputError
from align.export import read_bitext, read_tmx
from align.pipeline import load_one, make_aligner, run_pair
from align.review import ReviewStore, export_review, read_review, write_review
from align.review.server import make_app
from align.scoring import read_links, score_files

from .conftest import EN, ROOT, SV

TOKEN = "test-token-0123456789"


@pytest.fixture(scope="module")
def seed_result(encoder):
    return run_pair(load_one(SV), load_one(EN), make_aligner("embedding", encoder))


@pytest.fixture(scope="module")
def seed_file(seed_result, tmp_path_factory):
    path = tmp_path_factory.mktemp("review") / "seed.review.json"
    write_review(seed_result, path)
    return path


@pytest.fixture()
def review_path(seed_file, tmp_path):
    path = tmp_path / "sv-en.review.json"
    shutil.copy(seed_file, path)
    return path


def client_for(path):
    return TestClient(make_app(path, TOKEN, hosts={"testserver"}), headers={"X-Align-Token": TOKEN})


@pytest.fixture()
def client(review_path):
    with client_for(review_path) as c:
        yield c


def state(client):
    res = client.get("/api/state")
    assert res.status_code == 200
    return res.json()


def act(client, action, revision, **args):
    return client.post("/api/action", json={"action": action, "args": args, "revision": revision})


def row_with(st, side, text):
    """Index of the row holding the sentence with this text (tests find rows by content, not position)."""
    doc = st["source" if side == "src" else "target"]["sentences"]
    i = next(k for k, s in enumerate(doc) if s[0] == text)
    return next(r for r, row in enumerate(st["links"]) if i in row[side]), i


def texts(st, row):
    src = " ".join(st["source"]["sentences"][i][0] for i in row["src"])
    tgt = " ".join(st["target"]["sentences"][j][0] for j in row["tgt"])
    return src, tgt


def covers_once(st):
    for side, doc in (("src", "source"), ("tgt", "target")):
        ids = sorted(i for row in st["links"] for i in row[side])
        assert ids == list(range(len(st[doc]["sentences"])))


# --- the file ------------------------------------------------------------------------------------

def test_review_file_holds_the_whole_pair(seed_result, seed_file):
    review = read_review(seed_file)
    al = seed_result.alignment
    assert [s["text"] for s in review.source["sentences"]] == [s.text for s in al.src.sentences]
    assert [s["paragraph"] for s in review.target["sentences"]] == [s.paragraph for s in al.tgt.sentences]
    assert [(r.src, r.tgt) for r in review.links] == [(list(l.src), list(l.tgt)) for l in al.links]
    assert all(r.status == "auto" and r.score is not None for r in review.links)
    assert [d["kind"] for d in review.divergences] == [d.kind for d in seed_result.divergences]
    raw = json.loads(seed_file.read_text("utf-8"))
    assert raw["format"] == "align-review" and raw["format_version"] == 1 and raw["revision"] == 0
    assert raw["source"]["lang"] == "sv" and raw["target"]["lang"] == "en"


def test_damaged_or_foreign_files_are_one_line_errors(review_path, tmp_path):
    raw = json.loads(review_path.read_text("utf-8"))
    cases = {
        "not-json.review.json": "{not json",
        "other.review.json": json.dumps({"hello": 1}),
        "future.review.json": json.dumps({**raw, "format_version": 99}),
        "lost.review.json": json.dumps({**raw, "links": raw["links"][1:]}),  # a sentence in no row
        "twice.review.json": json.dumps({**raw, "links": raw["links"] + raw["links"][:1]}),
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, "utf-8")
        with pytest.raises(InputError) as e:
            read_review(path)
        assert "\n" not in str(e.value) and name in str(e.value)


# --- safety ----------------------------------------------------------------------------------------

def test_every_request_needs_the_token(review_path):
    app = make_app(review_path, TOKEN, hosts={"testserver"})
    with TestClient(app) as anon:
        for path in ("/", "/api/state", "/static/app.js", "/api/export?format=tmx", "/api/revision"):
            assert anon.get(path).status_code == 403, path
            assert anon.get(path + ("&" if "?" in path else "?") + "token=wrong").status_code == 403
        assert anon.get(f"/?token={TOKEN}").status_code == 200
        assert anon.get(f"/static/app.js?token={TOKEN}").status_code == 200
        # actions: the header only (a page on another site can put a token in a URL, not in a header)
        body = {"action": "confirm", "args": {"row": 0}, "revision": 0}
        assert anon.post(f"/api/action?token={TOKEN}", json=body).status_code == 403
        assert anon.post("/api/action", json=body, headers={"X-Align-Token": TOKEN}).status_code == 200
        # DNS rebinding: a Host that is not this server is refused, token or not
        assert anon.get(f"/?token={TOKEN}", headers={"Host": "evil.example:80"}).status_code == 421


def test_pages_carry_a_strict_content_security_policy(client):
    res = client.get("/")
    csp = res.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert res.headers["referrer-policy"] == "no-referrer"
    assert TOKEN in res.text and "<script" in res.text and "inline" not in res.text


def test_no_request_reaches_another_file(client, review_path):
    for path in ("/static/../store.py", "/static/..%2fstore.py", "/static/%2e%2e/%2e%2e/cli.py",
                 "/static/index.html", "/static/model.py", "/etc/passwd", "/static//etc/passwd",
                 f"/static/{review_path}"):
        assert client.get(path).status_code == 404, path
    # the export is a download: nothing is written beside the review file
    before = sorted(os.listdir(review_path.parent))
    assert client.get("/api/export?format=tmx").status_code == 200
    assert client.get("/api/export?format=../../x").status_code == 400
    assert sorted(os.listdir(review_path.parent)) == before


# --- actions ---------------------------------------------------------------------------------------

def test_merge_and_split(client, review_path):
    st = state(client)
    r, _ = row_with(st, "src", "Pressmeddelande 99/2017")
    assert st["links"][r]["tgt"] == []  # the aligner found no English for it
    res = act(client, "merge", st["revision"], row=r, **{"with": "next"})
    assert res.status_code == 200, res.text
    change = res.json()
    assert change["at"] == r and change["remove"] == 2 and change["revision"] == st["revision"] + 1
    st2 = state(client)
    assert len(st2["links"]) == len(st["links"]) - 1
    merged = st2["links"][r]
    assert texts(st2, merged) == ("Pressmeddelande 99/2017 24.5.2017", "24 May 2017")
    assert merged["status"] == "edited" and merged["score"] is None
    covers_once(st2)
    # split it back after the first source sentence, the target going with the second part
    res = act(client, "split", st2["revision"], row=r, src=1, tgt=0)
    assert res.status_code == 200, res.text
    st3 = state(client)
    assert texts(st3, st3["links"][r]) == ("Pressmeddelande 99/2017", "")
    assert texts(st3, st3["links"][r + 1]) == ("24.5.2017", "24 May 2017")
    covers_once(st3)
    # merging with the previous row joins the same two rows
    res = act(client, "merge", st3["revision"], row=r + 1, **{"with": "previous"})
    assert texts(state(client), state(client)["links"][r]) == ("Pressmeddelande 99/2017 24.5.2017", "24 May 2017")
    assert read_review(review_path).revision == st3["revision"] + 1  # on disk at once


def test_move_a_sentence_to_the_neighbouring_row(client):
    st = state(client)
    r, i = row_with(st, "src", "24.5.2017")
    above = st["links"][r - 1]
    res = act(client, "move", st["revision"], row=r, side="src", direction="up")
    assert res.status_code == 200, res.text
    st2 = state(client)
    assert st2["links"][r - 1]["src"] == sorted(above["src"] + [i])
    assert st2["links"][r]["src"] == [] and st2["links"][r]["tgt"] == st["links"][r]["tgt"]
    covers_once(st2)
    # and back down: the row it left keeps its place, so the rows are as before
    res = act(client, "move", st2["revision"], row=r - 1, side="src", direction="down")
    st3 = state(client)
    assert [(x["src"], x["tgt"]) for x in st3["links"]] == [(x["src"], x["tgt"]) for x in st["links"]]
    # a row emptied by a move disappears
    r2, j = row_with(st3, "tgt", "24 May 2017")
    assert len(st3["links"][r2]["tgt"]) == 1
    act(client, "move", st3["revision"], row=r2, side="src", direction="up")
    st4 = state(client)
    act(client, "move", st4["revision"], row=r2, side="tgt", direction="down")
    st5 = state(client)
    assert len(st5["links"]) == len(st4["links"]) - 1
    assert j in st5["links"][r2]["tgt"]
    covers_once(st5)


def test_mark_a_sentence_as_having_no_counterpart(client):
    st = state(client)
    r, i = row_with(st, "src", "24.5.2017")
    j = st["links"][r]["tgt"][0]
    res = act(client, "unlink", st["revision"], row=r, side="src", sentence=i)
    assert res.status_code == 200, res.text
    st2 = state(client)
    assert (st2["links"][r]["src"], st2["links"][r]["tgt"]) == ([i], [])
    assert (st2["links"][r + 1]["src"], st2["links"][r + 1]["tgt"]) == ([], [j])
    covers_once(st2)
    res = act(client, "unlink", st2["revision"], row=r, side="src", sentence=i)
    assert res.status_code == 400 and "already" in res.json()["error"]


def test_edit_a_segment_and_confirm_a_row(client, review_path):
    st = state(client)
    r, i = row_with(st, "tgt", "24 May 2017")
    res = act(client, "edit", st["revision"], side="tgt", sentence=i, text="  24  May\n2017, Helsinki ")
    assert res.status_code == 200, res.text
    assert res.json()["texts"] == [{"side": "tgt", "i": i, "text": "24 May 2017, Helsinki"}]
    st2 = state(client)
    assert st2["edits"]["tgt"] == {str(i): "24 May 2017, Helsinki"}
    assert st2["target"]["sentences"][i][0] == "24 May 2017"  # the original is kept beside the edit
    res = act(client, "confirm", st2["revision"], row=r)
    assert res.json()["rows"][0]["status"] == "confirmed"
    res = act(client, "confirm", res.json()["revision"], row=r)  # again: unconfirm
    assert res.json()["rows"][0]["status"] == "auto"
    # editing back to the original text removes the edit
    act(client, "edit", res.json()["revision"], side="tgt", sentence=i, text="24 May 2017")
    assert read_review(review_path).edits["tgt"] == {}


def test_refused_actions_change_nothing(client, review_path):
    st = state(client)
    before = review_path.read_bytes()
    n = len(st["links"])
    bad = [("merge", {"row": n - 1, "with": "next"}), ("merge", {"row": 0, "with": "previous"}),
           ("merge", {"row": n}), ("merge", {"row": "1"}), ("split", {"row": 0, "src": 0, "tgt": 0}),
           ("split", {"row": 1, "src": 5, "tgt": 0}), ("move", {"row": 0, "side": "src", "direction": "up"}),
           ("move", {"row": 1, "side": "both", "direction": "up"}), ("edit", {"side": "src", "sentence": 10 ** 6,
                                                                          "text": "x"}),
           ("unlink", {"row": 1, "side": "src", "sentence": 10 ** 6}), ("explode", {}), ("undo", {})]
    for action, args in bad:
        res = client.post("/api/action", json={"action": action, "args": args, "revision": st["revision"]})
        assert res.status_code == 400 and res.json()["error"], (action, args)
    assert client.post("/api/action", content=b"{nope").status_code == 400
    assert client.post("/api/action", json={"action": "merge"}).status_code == 400
    assert review_path.read_bytes() == before


def test_undo_and_redo_survive_a_restart(review_path):
    with client_for(review_path) as c:
        st = state(c)
        original = st["links"]
        r, _ = row_with(st, "src", "Pressmeddelande 99/2017")
        rev = act(c, "merge", st["revision"], row=r, **{"with": "next"}).json()["revision"]
        rev = act(c, "confirm", rev, row=r).json()["revision"]
        rows_after = state(c)["links"]
    # the server is gone; a new one on the same file shows the same rows and can undo both actions
    with client_for(review_path) as c:
        st = state(c)
        assert st["links"] == rows_after and st["revision"] == rev and st["undo"] == 2
        res = act(c, "undo", rev)
        assert res.json()["rows"][0]["status"] == "edited"
        res = act(c, "undo", res.json()["revision"])
        assert res.json()["undone"] and res.json()["redo"] == 2
        st2 = state(c)
        assert st2["links"] == original  # exactly the aligner's rows again, scores included
        rev = act(c, "redo", st2["revision"]).json()["revision"]
    with client_for(review_path) as c:
        st3 = state(c)
        assert st3["revision"] == rev and st3["undo"] == 1 and st3["redo"] == 1
        assert st3["links"][r]["status"] == "edited" and len(st3["links"]) == len(rows_after)
        # a new action forgets what was undone
        res = act(c, "confirm", rev, row=0)
        assert res.json()["redo"] == 0


def test_a_stale_tab_is_refused_and_told_to_reload(client, review_path):
    st = state(client)
    rev = st["revision"]
    assert act(client, "confirm", rev, row=1).status_code == 200  # tab A
    res = act(client, "confirm", rev, row=2)  # tab B, still on the old revision
    assert res.status_code == 409 and "reload" in res.json()["error"].lower() and res.json()["revision"] == rev + 1
    assert read_review(review_path).links[2].status == "auto"
    assert client.get("/api/revision").json() == {"revision": rev + 1}


def test_two_servers_on_one_file_do_not_overwrite_each_other(review_path):
    with client_for(review_path) as a, client_for(review_path) as b:
        rev = state(a)["revision"]
        assert state(b)["revision"] == rev
        assert act(a, "confirm", rev, row=1).status_code == 200
        res = act(b, "confirm", rev, row=2)  # server B has not seen A's save in memory
        assert res.status_code == 409
        st = state(b)  # B re-reads the file: it shows A's action
        assert st["links"][1]["status"] == "confirmed" and st["revision"] == rev + 1
        assert act(b, "confirm", st["revision"], row=2).status_code == 200
    review = read_review(review_path)
    assert review.links[1].status == review.links[2].status == "confirmed"


def test_a_failed_save_leaves_the_file_and_the_state_as_they_were(review_path, monkeypatch):
    store = ReviewStore(review_path)
    before = review_path.read_bytes()
    rev = store.review.revision

    def broken_replace(a, b):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.act("confirm", {"row": 1}, rev)
    monkeypatch.undo()
    assert review_path.read_bytes() == before
    assert store.review.revision == rev and store.review.links[1].status == "auto"
    assert [p.name for p in review_path.parent.iterdir()] == [review_path.name]  # no temporary file left


def test_sources_are_never_changed(client, review_path):
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (SV, EN)}
    st = state(client)
    r, i = row_with(st, "src", "24.5.2017")
    act(client, "edit", st["revision"], side="src", sentence=i, text="25.5.2017")
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (SV, EN)} == digests
    assert read_review(review_path).source["sentences"][i]["text"] == "24.5.2017"


# --- export ----------------------------------------------------------------------------------------

def _reviewed(review_path):
    """Merge the press-release number into the date row, edit and confirm it."""
    with client_for(review_path) as c:
        st = state(c)
        r, _ = row_with(st, "src", "Pressmeddelande 99/2017")
        rev = act(c, "merge", st["revision"], row=r, **{"with": "next"}).json()["revision"]
        j = state(c)["links"][r]["tgt"][0]
        rev = act(c, "edit", rev, side="tgt", sentence=j, text="Press release 99/2017, 24 May 2017").json()["revision"]
        act(c, "confirm", rev, row=r)
    return r


def test_export_from_the_cli_marks_confirmed_units(review_path, tmp_path, run_cli):
    _reviewed(review_path)
    out = tmp_path / "reviewed.tmx"
    proc = run_cli("export", review_path, "-o", out)
    assert proc.returncode == 0, proc.stderr
    _, units = read_tmx(out)
    confirmed = [u for u in units if u.props.get("x-review") == "confirmed"]
    assert len(confirmed) == 1
    assert confirmed[0].segments == {"sv": "Pressmeddelande 99/2017 24.5.2017",
                                     "en": "Press release 99/2017, 24 May 2017"}
    assert confirmed[0].props["x-link"] == "2-1" and "x-score" not in confirmed[0].props
    assert all("x-review" not in u.props and "x-score" in u.props for u in units if u is not confirmed[0])
    only = tmp_path / "confirmed.tmx"
    assert run_cli("export", review_path, "-o", only, "--confirmed-only").returncode == 0
    assert len(read_tmx(only)[1]) == 1
    assert run_cli("export", review_path, "-o", review_path).returncode == 1


def test_every_format_and_gold_links_for_align_eval(review_path, tmp_path, seed_result, run_cli):
    _reviewed(review_path)
    review = read_review(review_path)
    pairs = sum(1 for r in review.links if r.src and r.tgt)
    for name in ("x.tsv", "x.jsonl", "x.xlf", "x.xlsx", "x.moses"):
        n = export_review(review, tmp_path / name)
        units = list(read_bitext(tmp_path / name, src_lang="sv", tgt_lang="en"))
        assert n == len(units) == pairs or (name == "x.jsonl" and n == len(review.links)), name
        assert ("Pressmeddelande 99/2017 24.5.2017", "Press release 99/2017, 24 May 2017") in \
               [(u.src, u.tgt) for u in units], name
    n = export_review(review, tmp_path / "x.xlf", "xliff2")
    assert len(list(read_bitext(tmp_path / "x.xlf"))) == n
    # the reviewed links are gold: score the aligner's own links against them with `align eval`
    gold = tmp_path / "gold.links"
    assert run_cli("export", review_path, "-o", gold).returncode == 0
    assert len(read_links(gold)) == len(review.links)
    pred = tmp_path / "pred.links"
    pred.write_text("".join(f"{list(l.src)}:{list(l.tgt)}\n" for l in seed_result.alignment.links), "utf-8")
    s = score_files([str(gold)], [str(pred)])
    assert 0.8 < s["strict_f1"] < 1.0  # one row was corrected
    proc = run_cli("eval", "--gold", gold, "--pred", pred)
    assert proc.returncode == 0 and "strict" in proc.stdout


def test_export_from_the_page(client):
    res = client.get("/api/export?format=tmx&confirmed=0")
    assert res.status_code == 200 and res.headers["content-disposition"].endswith('.tmx"')
    assert b"<tmx" in res.content
    res = client.get("/api/export?format=links")
    assert res.text.splitlines()[0].startswith("[")
    res = client.get("/api/export?format=xlsx")
    assert res.content[:2] == b"PK"


# --- the CLI ---------------------------------------------------------------------------------------

def test_pair_writes_a_review_file_and_review_refuses_other_files(tmp_path, run_cli):
    out = tmp_path / "sv-en.review.json"
    proc = run_cli("pair", SV, EN, "-o", out, "--method", "length")  # no model: a quick CLI check
    assert proc.returncode == 0, proc.stderr
    review = read_review(out)
    assert review.source["lang"] == "sv" and review.divergences and review.revision == 0
    proc = run_cli("pair", SV, EN, "--format", "review")
    assert proc.returncode == 1 and "output file" in proc.stderr
    not_review = tmp_path / "x.json"
    not_review.write_text("[]", "utf-8")
    proc = run_cli("review", not_review, "--no-browser")
    assert proc.returncode == 1 and "not a review file" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("review", tmp_path / "missing.review.json", "--no-browser")
    assert proc.returncode == 1 and "no such file" in proc.stderr


def test_a_killed_server_loses_no_answered_action(review_path):
    """Every action is on disk before it is answered: kill -9 the real server right after one."""
    import signal

    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "align", "review", str(review_path), "--no-browser"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split(": ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and "token=" in url
        base, token = url.split("/?token=")
        headers = {"X-Align-Token": token}
        st = httpx.get(f"{base}/api/state", headers=headers, timeout=30).json()
        r, _ = row_with(st, "src", "Pressmeddelande 99/2017")
        res = httpx.post(f"{base}/api/action", headers=headers, timeout=30,
                         json={"action": "merge", "args": {"row": r, "with": "next"}, "revision": st["revision"]})
        assert res.status_code == 200
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    review = read_review(review_path)
    assert review.revision == st["revision"] + 1 and review.links[r].status == "edited"
    assert len(review.links) == len(st["links"]) - 1 and len(review.history) == 1


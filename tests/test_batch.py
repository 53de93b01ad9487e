"""Corpus mode at scale: worker pools, resume, --force, bad files, manifests, and Dask."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from align.corpus import CorpusOptions, read_manifest, run_corpus
from align.corpus.runners import LocalRunner
from align.corpus.tasks import LoadTask, load_task
from align.errors import InputError
from align.pipeline import make_aligner
from align.segment import SENTENCES

from .conftest import BG_EN, EN, ROOT, SV

GOLD = json.loads((ROOT / "corpora" / "seeds.gold.json").read_text("utf-8"))
WANT = {(p["source"], p["target"]) for p in GOLD["pairs"]}


@pytest.fixture(scope="module")
def aligner(encoder):
    return make_aligner("embedding", encoder)


def _folder(tmp_path: Path, files=(SV, EN, BG_EN)) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for f in files:
        shutil.copy(f, folder / f.name)
    return folder


def _pairs(result) -> set[tuple[str, str]]:
    return {(p.source, p.target) for p in result.summary.pairs}


def _stamps(out: Path) -> dict[str, int]:
    """Modification times of the per-pair files (merged memories and the report are rewritten every run)."""
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir()
            if p.is_file() and ".sv-en." in p.name and not p.name.startswith("merged.")}


def test_rerun_skips_up_to_date_pairs_and_force_redoes_them(tmp_path, encoder, aligner):
    folder, out = _folder(tmp_path), tmp_path / "out"
    first = run_corpus(folder, out, encoder, aligner, options=CorpusOptions(jobs=1))
    assert _pairs(first) == WANT and first.summary.totals.aligned == 2
    # every pair also gets a review file for `align review`, holding the very links of the run
    from align.review import read_review

    for res in first.results:
        review = read_review(res.outputs["review"])
        assert [(tuple(r.src), tuple(r.tgt)) for r in review.links] == \
            [(l.src, l.tgt) for l in res.alignment.links]
    before = _stamps(out)
    again = run_corpus(folder, out, encoder, aligner, options=CorpusOptions(jobs=1))
    assert again.summary.totals.up_to_date == 2 and again.summary.totals.aligned == 0
    assert again.summary.embedded["strings"] == 0  # every vector came from the cache
    assert _stamps(out) == before  # nothing rewritten
    # the reused pairs carry the same links and divergences as freshly aligned ones
    assert [(len(r.alignment.links), len(r.divergences)) for r in again.results] == \
        [(len(r.alignment.links), len(r.divergences)) for r in first.results]
    assert (out / "report.html").read_text("utf-8").count("<h2") == 2

    # a changed input redoes its pair only; a deleted output too; --force redoes everything
    with open(folder / EN.name, "a", encoding="utf-8") as fh:
        fh.write("\nThe Ministry will publish the results in June.\n")
    changed = run_corpus(folder, out, encoder, aligner, options=CorpusOptions(jobs=1))
    assert changed.summary.totals.aligned == 1 and changed.summary.totals.up_to_date == 1
    (out / "002_0c6536e51e6a9bb8.bg-en.tsv").unlink()
    deleted = run_corpus(folder, out, encoder, aligner, options=CorpusOptions(jobs=1))
    assert deleted.summary.totals.aligned == 1 and (out / "002_0c6536e51e6a9bb8.bg-en.tsv").is_file()
    forced = run_corpus(folder, out, encoder, aligner, options=CorpusOptions(jobs=1, force=True))
    assert forced.summary.totals.aligned == 2 and forced.summary.totals.up_to_date == 0


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path, encoder, aligner):
    folder, out = _folder(tmp_path), tmp_path / "out"

    def stop_after_first_pair(stage: str, done: int, total: int) -> None:
        if stage == "aligning" and done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_corpus(folder, out, encoder, aligner, progress=stop_after_first_pair, options=CorpusOptions(jobs=1))
    assert not (out / "summary.json").exists()
    assert not [p for p in out.rglob("*.part")]  # nothing half-written
    resumed = run_corpus(folder, out, encoder, aligner, options=CorpusOptions(jobs=1))
    assert resumed.summary.totals.up_to_date == 1 and resumed.summary.totals.aligned == 1
    assert _pairs(resumed) == WANT


def test_a_bad_file_is_reported_and_never_stops_the_run(tmp_path, encoder, aligner):
    folder, out = _folder(tmp_path), tmp_path / "out"
    (folder / "scan.txt").write_bytes(b"%PDF-1.4\n\x00\x01binary")
    (folder / "empty.md").write_text("  \n", encoding="utf-8")
    result = run_corpus(folder, out, encoder, aligner, options=CorpusOptions(jobs=1))
    assert _pairs(result) == WANT
    errors = {Path(s["file"]).name: s["error"] for s in result.skipped}
    assert set(errors) == {"scan.txt", "empty.md"}
    assert "PDF" in errors["scan.txt"] and "empty" in errors["empty.md"]
    assert json.loads((out / "summary.json").read_text("utf-8"))["totals"]["skipped_files"] == 2


def test_a_pairing_check_that_fails_is_listed_and_tried_again_next_run(tmp_path, encoder, aligner, monkeypatch):
    import align.corpus.run

    folder, out = _folder(tmp_path), tmp_path / "out"

    def broken(task):
        raise MemoryError("no room for the quick alignment")

    monkeypatch.setattr(align.corpus.run, "score_task", broken)
    result = run_corpus(folder, out, encoder, aligner, options=CorpusOptions(jobs=1))
    assert _pairs(result) == set()  # no pair can be confirmed ...
    failed = {(f["source"], f["target"]): f["error"] for f in result.failed}
    assert failed and all("pairing check failed" in e and "MemoryError" in e for e in failed.values())  # ... and why
    assert json.loads((out / "summary.json").read_text("utf-8"))["totals"]["failed_pairs"] == len(failed)
    monkeypatch.undo()
    again = run_corpus(folder, out, encoder, aligner, options=CorpusOptions(jobs=1))  # nothing wrong remembered
    assert _pairs(again) == WANT and again.failed == []


def test_the_process_pool_returns_every_result_and_every_error(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("Det här är en mening. Här är en till.\n", encoding="utf-8")
    tasks = [LoadTask(str(good), "sv", SENTENCES), LoadTask(str(tmp_path / "missing.txt"), None, SENTENCES),
             LoadTask(str(good), "sv", SENTENCES)]
    runner = LocalRunner(2, inline_below=0)  # a real pool even for three tasks
    try:
        got = {k: (value, error) for k, value, error in runner.imap(load_task, tasks)}
    finally:
        runner.close()
    assert sorted(got) == [0, 1, 2]
    assert [len(got[k][0][0].sentences) for k in (0, 2)] == [2, 2]
    assert isinstance(got[1][1], InputError) and "no such file" in str(got[1][1])


@pytest.fixture(scope="module")
def inline_run(tmp_path_factory, encoder, aligner):
    """The reference: everything in this process."""
    tmp = tmp_path_factory.mktemp("inline")
    folder = _folder(tmp)
    result = run_corpus(folder, tmp / "out", encoder, aligner, options=CorpusOptions(jobs=1))
    return folder, tmp / "out", result


def test_a_process_pool_writes_the_same_outputs_as_one_process(tmp_path, encoder, aligner, inline_run):
    folder, reference, _ = inline_run
    pooled = run_corpus(folder, tmp_path / "pool", encoder, aligner, options=CorpusOptions(jobs=2, inline_below=0))
    assert pooled.summary.workers == 2
    assert _pairs(pooled) == WANT
    _same_outputs(reference, tmp_path / "pool")


def test_manifest_fixes_pairs_and_languages(tmp_path, encoder, aligner):
    man = read_manifest(ROOT / "corpora" / "seeds.toml")
    result = run_corpus(None, tmp_path / "out", encoder, aligner, options=CorpusOptions(jobs=1), manifest=man)
    assert _pairs(result) == WANT
    assert all(p.pair_score is None for p in result.summary.pairs)  # fixed, not found
    assert sorted(u["document"] for u in result.unpaired) == sorted(GOLD["unpaired"])


@pytest.mark.parametrize("text, message", [
    ("[[pair]]\nsource = 'nope.txt'\ntarget = 'b.txt'\n", "no such file"),
    ("[[pair]]\nsource = 'a.txt'\n", "needs source and target"),
    ("[options]\nspeed = 3\n", "unknown option"),
    ("pair = [\n", "malformed TOML"),
    ("[[pair]]\nfile = 'a.txt'\nsource_lang = 'Swedish'\n", "language code"),
    ("[[pair]]\nfile = 'a.txt'\nsource_lang = 'xx'\n", "not a language code"),
])
def test_a_bad_manifest_is_one_clear_error(tmp_path, text, message):
    (tmp_path / "a.txt").write_text("Hej.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Hello.\n", encoding="utf-8")
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_manifest(path)


def test_manifest_languages_are_read_as_the_command_line_reads_them(tmp_path):
    """``SV``, ``en-GB`` in a manifest name the languages ``sv`` and ``en``, as --src-lang does."""
    (tmp_path / "a.txt").write_text("Hej.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Hello.\n", encoding="utf-8")
    path = tmp_path / "m.toml"
    path.write_text("[[pair]]\nsource = 'a.txt'\ntarget = 'b.txt'\nsource_lang = 'SV'\ntarget_lang = 'en-GB'\n"
                    "[languages]\n'b.txt' = 'EN'\n", encoding="utf-8")
    man = read_manifest(path)
    assert (man.pairs[0].source_lang, man.pairs[0].target_lang) == ("sv", "en")
    assert list(man.languages.values()) == ["en"]


def _same_outputs(a: Path, b: Path) -> None:
    """Byte-identical per-pair files and merged memories, except the TMX header's creationdate and the
    review file's "created" (timestamps); summary.json equal except timings and the worker count."""
    names = sorted(p.name for p in a.iterdir() if p.is_file())
    assert names == sorted(p.name for p in b.iterdir() if p.is_file())
    for name in names:
        x, y = (a / name).read_bytes(), (b / name).read_bytes()
        if name.endswith(".tmx"):
            import re

            x, y = (re.sub(rb'creationdate="[^"]*"', b"", v) for v in (x, y))
        elif name.endswith(".review.json"):
            import re

            x, y = (re.sub(rb'"created": ?"[^"]*"', b"", v) for v in (x, y))
        elif name == "summary.json":
            x, y = (_comparable_summary(v, d) for v, d in ((x, a), (y, b)))
        elif name.endswith((".json", ".html", ".tsv")):
            x, y = x.replace(str(a).encode(), b"OUT"), y.replace(str(b).encode(), b"OUT")
        assert x == y, name


def _comparable_summary(raw: bytes, out: Path) -> dict:
    data = json.loads(raw.decode("utf-8").replace(str(out), "OUT"))
    for key in ("seconds", "stages", "workers", "embedded"):
        data.pop(key)
    data["totals"].pop("seconds")
    for p in data["pairs"]:
        p.pop("seconds")
    return data


def test_dask_cluster_writes_the_same_outputs_as_the_local_run(tmp_path, encoder, aligner, inline_run):
    distributed = pytest.importorskip("distributed")
    folder, reference, _ = inline_run
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)
        with distributed.get_task_stream(client) as stream:
            remote = run_corpus(folder, tmp_path / "dask", encoder, aligner,
                                options=CorpusOptions(jobs=1, scheduler=client))
        ran = [str(t["key"]) for t in stream.data]
    assert sum("run_pair_task" in k for k in ran) == 2, ran  # both pairs really ran on the cluster
    assert remote.summary.workers == 2
    assert _pairs(remote) == WANT
    _same_outputs(reference, tmp_path / "dask")


_ORPHAN_SCRIPT = """
import sys, time
from align.corpus.runners import LocalRunner
from align.corpus.tasks import LoadTask, load_task
from align.segment import SENTENCES
runner = LocalRunner(1, inline_below=0)
list(runner.imap(load_task, [LoadTask(sys.argv[1], "sv", SENTENCES)]))
print(" ".join(str(pid) for pid in runner._pool._processes), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_workers_end_when_the_main_process_is_killed(tmp_path):
    # a killed run (kill -9, a cluster's time limit) must not leave workers holding cores and memory
    import subprocess
    import sys
    import time

    good = tmp_path / "a.txt"
    good.write_text("Det här är en mening. Här är en till.\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", _ORPHAN_SCRIPT, str(good)], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert pids and all(_alive(p) for p in pids)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids)

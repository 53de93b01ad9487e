"""An output path in a folder that does not exist is a typo: one line, exit 1, nothing made, before any work."""

from .conftest import BG_EN, EN, ROOT, SV


def assert_refused(proc, missing):
    assert proc.returncode == 1, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "no such folder" in proc.stderr, proc.stderr
    assert not missing.exists()


def test_every_command_refuses_an_output_in_a_missing_folder(tmp_path, run_cli):
    missing = tmp_path / "no" / "such"
    memory = tmp_path / "memory.tsv"
    review = tmp_path / "pair.review.json"
    # real inputs for convert and export, made from the seed press release
    assert run_cli("pair", SV, EN, "--method", "length", "-o", memory).returncode == 0
    assert run_cli("pair", SV, EN, "--method", "length", "-o", review).returncode == 0
    for args in (["pair", SV, EN, "--method", "length", "-o", missing / "x.tsv"],
                 ["pair", SV, EN, "--method", "length", "-o", tmp_path / "x.tsv", "--report", missing / "r.html"],
                 ["convert", memory, missing / "x.tmx", "--src-lang", "sv", "--tgt-lang", "en"],
                 ["check", SV, EN, "-o", missing / "report.html"],
                 ["export", review, "-o", missing / "reviewed.tmx"],
                 ["corpus", ROOT / "seeds", "-o", missing / "out"],
                 ["corpus", ROOT / "seeds", "-o", tmp_path / "out", "--report", missing / "r.md"],
                 ["split", BG_EN, "-o", missing / "parts"]):
        assert_refused(run_cli(*args), tmp_path / "no")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory.tsv", "pair.review.json"]
    proc = run_cli("export", review, "-o", tmp_path / "x.tmx", "--src-locale", "xx-XX")  # a locale names a language
    assert proc.returncode == 1 and "not a language code" in proc.stderr and not (tmp_path / "x.tmx").exists()


def test_an_existing_folder_as_output_file_is_refused(tmp_path, run_cli):
    proc = run_cli("pair", SV, EN, "--method", "length", "-o", tmp_path)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1


def test_corpus_creates_its_output_folder_inside_an_existing_one(tmp_path, run_cli):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.sv.txt").write_bytes(SV.read_bytes())
    (folder / "a.en.txt").write_bytes(EN.read_bytes())
    out = tmp_path / "new"
    proc = run_cli("corpus", folder, "-o", out, "--method", "length", "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert (out / "summary.json").is_file()


def test_pair_never_writes_over_its_input_and_prints_tsv_to_dash(tmp_path, run_cli):
    import shutil

    src, tgt = tmp_path / SV.name, tmp_path / EN.name
    shutil.copy(SV, src)
    shutil.copy(EN, tgt)
    before = tgt.read_bytes()
    proc = run_cli("pair", src, tgt, "-o", tgt, "--format", "tsv")
    assert proc.returncode == 1 and "would overwrite the input" in proc.stderr and tgt.read_bytes() == before
    proc = run_cli("pair", src, tgt, "-o", "-")  # '-' is standard output, TSV unless told
    assert proc.returncode == 0 and proc.stdout.count("\t") >= 3 * 10
    proc = run_cli("pair", src, tgt, "-o", "-", "--format", "review")
    assert proc.returncode == 1 and not (ROOT / "-").exists()

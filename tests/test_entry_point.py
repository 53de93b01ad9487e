"""The real entry point, in a fresh interpreter: the other CLI tests run ``align.cli.main`` in process
(``run_cli``), so these few prove that ``python -m align`` reaches it, exits with its codes and prints
its one-line errors on the real stderr, and that ``run_cli`` gives what it gives. (``test_seeds_e2e`` runs
the seeds through it too.)"""

from .conftest import EN, python_m_align


def test_help_lists_the_commands():
    proc = python_m_align("--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage: python -m align" in proc.stdout
    for command in ("pair", "corpus", "check", "convert", "review", "export"):
        assert command in proc.stdout


def _seen(proc) -> tuple[int, str, str]:
    return proc.returncode, proc.stdout, proc.stderr


def test_bad_input_is_one_line_on_stderr_exit_1_and_no_output(tmp_path, run_cli):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02\x03binary")
    out = tmp_path / "out.tmx"
    proc = python_m_align("pair", bad, EN, "-o", out)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("error:") and "binary" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == [bad]
    assert _seen(run_cli("pair", bad, EN, "-o", out)) == _seen(proc)


def test_usage_error_exits_1_with_a_hint(run_cli):
    proc = python_m_align("pair", "--no-such-option")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "(see align --help)" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert _seen(run_cli("pair", "--no-such-option")) == _seen(proc)


def test_the_version_and_a_memory_on_stdout_are_the_same_in_process(tmp_path, run_cli):
    memory = tmp_path / "m.tsv"
    memory.write_text("Hej världen.\tHello world.\n", "utf-8")
    for args in (["--version"], ["convert", memory, "-", "--to", "jsonl", "--src-lang", "sv", "--tgt-lang", "en"]):
        proc = python_m_align(*args)
        assert proc.returncode == 0 and proc.stdout.startswith(("align ", '{"src": "Hej världen."')), proc.stderr
        assert _seen(run_cli(*args)) == _seen(proc), args

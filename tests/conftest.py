"""Shared fixtures: the seed documents, Text+Berg, one embedding cache for the whole session, the CLI run
in process (``run_cli``) or in a fresh interpreter (``python_m_align``), and ``make_doc``."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SV = SEEDS / "001_acca24cc4dc759c1.txt"
EN = SEEDS / "000_5712cbd26d8e2ee2.txt"
BG_EN = SEEDS / "002_0c6536e51e6a9bb8.txt"
EN_ONLY = [SEEDS / "003_6d677f5f08688389.txt", SEEDS / "004_6f75c1f964cf4579.txt"]
# Text+Berg's seven de-fr articles, one sentence per line, and their gold links (eval/data/textberg/README.md)
TEXTBERG = ROOT / "eval" / "data" / "textberg"
TEXTBERG_DOCS = [f"{k:03d}" for k in range(1, 8)]


def textberg_sentences(lang: str, doc: str) -> list[str]:
    """One Text+Berg article's sentences, read as ``align pair --presplit`` reads them."""
    from align.pipeline import read_presplit

    return [s.text for s in read_presplit(TEXTBERG / lang / doc, lang).sentences]


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory):
    """Keep the tests' embeddings out of the user's cache, but share them across tests."""
    path = tmp_path_factory.mktemp("embedding-cache")
    old = os.environ.get("ALIGN_CACHE_DIR")
    os.environ["ALIGN_CACHE_DIR"] = str(path)
    yield path
    if old is None:
        os.environ.pop("ALIGN_CACHE_DIR", None)
    else:
        os.environ["ALIGN_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def encoder(_cache_dir):
    from align.encoders import make_encoder

    return make_encoder()


@pytest.fixture(scope="session")
def seed_docs():
    from align.pipeline import load

    return {d.name: d for path in sorted(SEEDS.glob("*.txt")) for d in load(path)}


@dataclass
class CliResult:
    """What ``run_cli`` returns: the fields of ``subprocess.CompletedProcess`` the tests read."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


# Python's own warning filters, as a fresh ``python -m align`` has them (pytest shows every warning instead)
_PYTHON_WARNING_FILTERS = [("default", DeprecationWarning, "__main__"), ("ignore", DeprecationWarning, None),
                           ("ignore", PendingDeprecationWarning, None), ("ignore", ImportWarning, None),
                           ("ignore", ResourceWarning, None)]


def invoke_cli(*args, input: str | None = None, env: dict | None = None, cwd=None) -> CliResult:
    """``python -m align ARGS`` in this process: the same entry point (``align.cli.main``, so its
    exception-to-exit-code mapping too), stdin/stdout/stderr as separate streams, the working directory
    (default the repository root, as the subprocess helpers had it) and ``env`` overrides, without the
    second or two a fresh interpreter spends importing. State the command may change in the process
    (environment, argv, working directory, torch's thread count, warning filters) is put back after."""
    from click.testing import CliRunner

    argv = [str(a) for a in args]
    saved_env, saved_argv, saved_cwd = dict(os.environ), sys.argv, os.getcwd()
    try:  # (imported here if need be: a first command that loads torch with --threads must not keep them)
        import torch
    except ImportError:
        torch = None
    saved_threads = torch.get_num_threads() if torch else None
    runner = CliRunner(charset="utf-8")
    try:
        with runner.isolation(input=input, env=env) as (stdout, stderr, _), warnings.catch_warnings():
            warnings.resetwarnings()
            for action, category, module in _PYTHON_WARNING_FILTERS:
                warnings.filterwarnings(action, category=category, module=module or "")
            warnings.showwarning = warnings._showwarning_orig  # to sys.stderr, as the interpreter does
            from align import cli  # (first imported here, its consoles see pipes, not a terminal, as in a subprocess)

            sys.argv = ["align", *argv]
            os.chdir(cwd if cwd is not None else ROOT)
            try:
                cli.main()
                code = 0
            except SystemExit as e:  # how main() ends; a string code is printed and means 1, as in Python
                if e.code is None or isinstance(e.code, int):
                    code = e.code or 0
                else:
                    print(e.code, file=sys.stderr)
                    code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            out, err = stdout.getvalue(), stderr.getvalue()
    finally:
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
        torch = sys.modules.get("torch")
        if torch is not None and saved_threads is not None and torch.get_num_threads() != saved_threads:
            torch.set_num_threads(saved_threads)
    return CliResult(["align", *argv], code, out.decode("utf-8"), err.decode("utf-8", "backslashreplace"))


def python_m_align(*args, input: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m align ARGS`` in a fresh interpreter (cwd the repository root): for the few tests of the
    real entry point, and for input that could take the process down with it (an entity bomb)."""
    return subprocess.run([sys.executable, "-m", "align", *map(str, args)], cwd=ROOT, input=input,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture()
def run_cli():
    """``run_cli(*args, input=None, env=None, cwd=None)``: the CLI run in process (see ``invoke_cli``)."""
    return invoke_cli


def make_doc(lang: str, texts: list[str], langs: dict[int, str] | None = None, name: str | None = None,
             path: str | None = None):
    """A Document of one sentence per paragraph, named ``{lang}.txt`` unless told otherwise
    (``langs``: sentence index -> a language other than ``lang``)."""
    from align.documents import Document, Sentence

    sents, text = [], ""
    for i, t in enumerate(texts):
        sents.append(Sentence(t, len(text), len(text) + len(t), i, (langs or {}).get(i)))
        text += t + "\n\n"
    name = name or f"{lang}.txt"
    return Document(path or name, name, text, lang, [(s.start, s.end) for s in sents], sents)

"""Write-then-rename, so a failed run never leaves a half-written output file."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Iterator

from ..errors import InputError


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8",
                durable: bool = False) -> Iterator[IO]:
    """Open a temporary file beside ``path``; it replaces ``path`` only if the block succeeds.

    ``durable`` also flushes the file and then its folder to disk, so that after a power cut
    the path holds either the old or the new version whole (the review editor saves so).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as err:
        raise InputError(f"{path}: cannot write ({err.strerror})") from None
    try:
        binary = "b" in mode
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding, "newline": ""})) as fh:
            yield fh
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def check_writable(*paths: str | Path | None) -> None:
    """Fail before any work when one of the outputs cannot be written (no half-done runs)."""
    for path in paths:
        if path is None or str(path) == STDOUT:
            continue
        path = Path(path)
        parent = path.parent
        # a folder that does not exist is a typo far more often than a wish: never create it
        if not parent.is_dir():
            raise InputError(f"{path}: cannot write there, no such folder {parent} (create it first)")
        if path.is_dir():
            raise InputError(f"{path}: is a folder; give a file name")
        if not os.access(parent, os.W_OK):
            raise InputError(f"{path}: cannot write there ({parent} is not a writable folder)")


def check_distinct(inputs: tuple[str | Path, ...], outputs: tuple[str | Path | None, ...]) -> None:
    """Fail before any work when an output would overwrite an input or another output."""
    seen = {Path(p).resolve(): "input" for p in inputs}
    for path in outputs:
        if path is None or str(path) == STDOUT:
            continue
        key = Path(path).resolve()
        if key in seen:
            raise InputError(f"{path}: would overwrite the {seen[key]} of the same name; give another file name")
        seen[key] = "other output"


def check_output_folder(path: str | Path) -> None:
    """An output folder may be created, but only inside one that exists (``-o /no/such/dir`` is a typo)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: exists and is not a folder")
    if not path.exists() and not path.parent.is_dir():
        raise InputError(f"{path}: cannot create it, no such folder {path.parent}")


STDOUT = "-"  # the path that means standard output (``align pair`` without ``-o``)


@contextlib.contextmanager
def open_output(path: str | Path) -> Iterator[IO]:
    """Where a text writer writes: ``atomic_open(path)``, or standard output for ``-`` (left open)."""
    if str(path) == STDOUT:
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_open(path) as fh:
        yield fh


def write_text(path: str | Path, text: str) -> None:
    with atomic_open(path) as fh:
        fh.write(text)

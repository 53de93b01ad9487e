"""The review file on disk: durable saves, and one writer at a time.

Every action is saved before it is answered: the new file is written beside
the old one, flushed to the disk (``fsync``), then renamed over it, and the
folder is flushed too. A crash, a killed server or a power cut leaves either
the old file or the new one, never a mix: at most the action in flight is
lost.

Two tabs (or two ``align review`` processes) on one file: every action names
the revision it was made on; the store re-reads the file when it changed on
disk and refuses an action made on an older revision (``Conflict``), so the
stale tab is told to reload instead of overwriting what the other one did.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..export.atomic import atomic_open
from . import actions
from .model import Review, dumps, dumps_fixed, read_review, review_from_result

if TYPE_CHECKING:
    from ..pipeline import PairResult


class Conflict(Exception):
    """The action was made on an older revision than the file's."""

    def __init__(self, revision: int):
        super().__init__(f"the file is at revision {revision}: reload")
        self.revision = revision


def save_durably(path: Path, parts: list[bytes]) -> None:
    """Write-fsync-rename-fsync: the file on disk is always a whole version."""
    with atomic_open(path, "wb", encoding=None, durable=True) as fh:
        for part in parts:
            fh.write(part)


def write_review(result: PairResult, path: str | Path) -> Path:
    """Write a new review file for an aligned, checked pair (``align pair -o X.review.json``; corpus mode
    writes one per pair). Uses ``result.alignment`` and ``result.divergences``; returns the path."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        save_durably(p, dumps(review_from_result(result)))
    except OSError as err:
        raise InputError(f"{p}: cannot write ({err.strerror})") from None
    return p


class ReviewStore:
    """A review file being edited: apply actions, save each, refuse stale ones."""

    def __init__(self, path: str | Path):
        self.path = Path(path).resolve()
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        self.review: Review = read_review(self.path)
        self._fixed = dumps_fixed(self.review)
        for row in self.review.links:
            row.json_text()  # encoded once now, so the first action saves as fast as the others
        self._stamp = self._disk_stamp()

    def _disk_stamp(self) -> tuple[int, int, int]:
        st = os.stat(self.path)
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _refresh(self) -> None:
        """Another process saved the file: take its version."""
        if self._disk_stamp() != self._stamp:
            self._load()

    @contextlib.contextmanager
    def _exclusive(self):
        """One writer at a time, in this process (a lock) and across processes (flock on the folder)."""
        with self._lock:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                fcntl.flock(dir_fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(dir_fd)  # closing releases the flock

    def current(self) -> Review:
        with self._exclusive():
            self._refresh()
            return self.review

    def revision(self) -> int:
        return self.current().revision

    def act(self, name: str, args: dict, base: int) -> dict:
        """Apply one action made on revision ``base``; save; return the change for the page."""
        with self._exclusive():
            self._refresh()
            if base != self.review.revision:
                raise Conflict(self.review.revision)
            if name == "undo":
                change = actions.undo(self.review)
            elif name == "redo":
                change = actions.redo(self.review)
            else:
                change = actions.apply(self.review, name, args)
            self.review.revision += 1
            try:
                save_durably(self.path, dumps(self.review, self._fixed))
            except BaseException:
                self._load()  # the action is not on disk: forget it in memory too
                raise
            self._stamp = self._disk_stamp()
            return {**change, "revision": self.review.revision, "undo": len(self.review.history),
                    "redo": len(self.review.undone)}

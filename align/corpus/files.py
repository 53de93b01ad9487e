"""Which files corpus mode reads, and the names its per-pair outputs get."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..documents import Document
from ..errors import InputError

try:  # the reader of every input format (another module's job); plain text until it is there
    from ..readers import SUFFIXES
except ImportError:  # pragma: no cover - depends on what is installed alongside
    SUFFIXES = (".txt", ".md")


def discover(folder: Path, exclude: Path | None = None) -> list[Path]:
    """Readable files under ``folder`` (recursively), in a stable order; hidden files, and anything
    under ``exclude`` (the output folder, when it sits inside), are ignored."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    suffixes = tuple(s.lower() for s in SUFFIXES)
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix.lower() in suffixes
             and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    if exclude is not None and Path(exclude).resolve().is_relative_to(folder.resolve()):
        skip = Path(exclude).resolve()
        files = [p for p in files if not p.resolve().is_relative_to(skip)]
    if not files:
        raise InputError(f"{folder}: no {', '.join(suffixes)} files found")
    return files


_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)


MAX_STEM_BYTES = 180  # leaves room for ".divergences.json" under the usual 255-byte limit


def output_stem(src: Document, tgt: Document, taken: set[str] | None = None) -> str:
    """A file-name stem for a pair that cannot escape the output folder, is not too long for the
    file system, and (given the stems already ``taken``) does not overwrite another pair's files."""
    a = Path(src.path).stem
    b = Path(tgt.path).stem
    base = a if a == b else f"{a}__{b}"
    base = _UNSAFE.sub("_", base).strip("._") or "pair"
    langs = f".{src.lang}-{tgt.lang}"
    if len((base + langs).encode("utf-8")) > MAX_STEM_BYTES:
        digest = hashlib.sha1(base.encode("utf-8")).hexdigest()[:8]
        room = MAX_STEM_BYTES - len(langs) - 9
        base = base.encode("utf-8")[:room].decode("utf-8", "ignore") + "_" + digest
    stem, k = base + langs, 2
    while taken is not None and stem in taken:
        stem, k = f"{base}-{k}{langs}", k + 1
    if taken is not None:
        taken.add(stem)
    return stem



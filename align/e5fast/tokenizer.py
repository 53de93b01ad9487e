"""XLM-R's SentencePiece unigram tokenizer, rebuilt from the vocabulary in the model file.

The segmentation itself (Viterbi over the unigram pieces) runs in the
``tokenizers`` library (Rust, batched). Around it we reproduce what the
bundled engine feeds its model, so both engines see the same tokens:

- normalisation is the file's per-code-point map (SentencePiece's nmt_nfkc
  table flattened to single code points), then runs of spaces collapse to one;
- pre-tokenisation is the metaspace scheme: "▁" before the text, every space
  becomes "▁", words are split before each "▁" (no piece in this vocabulary
  has a "▁" anywhere but first, so splitting changes no segmentation);
- a character no piece covers is one ``<unk>`` token each: ``tokenizers``
  fuses a run of them into one token, so runs are expanded again;
- the literal text "<unk>" is not the unknown piece (the bundled engine never
  matches it), so that piece is renamed to a string normalisation cannot produce.
"""

from __future__ import annotations

import re

import numpy as np

from .q4file import Vocabulary

META = "\u2581"
_SPACES = re.compile(" {2,}")


def build_tokenizers_model(vocab: Vocabulary):
    """A ``tokenizers.Tokenizer``: the unigram pieces and scores, metaspace pre-tokenisation."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    pieces = list(vocab.pieces)
    # never produced by normalisation (it deletes U+0001), so "<unk>" in a text is plain text
    pieces[vocab.unk] = "\x01<unk>"
    model = models.Unigram([(p, float(s)) for p, s in zip(pieces, vocab.scores)],
                           unk_id=vocab.unk, byte_fallback=False)
    tok = Tokenizer(model)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
    return tok


class UnigramTokenizer:
    """Text to token ids (with ``<s>``/``</s>``), the way multilingual-e5 is fed."""

    def __init__(self, tokenizer, normalisation: dict[int, str], bos: int, eos: int, unk: int):
        self._tok = tokenizer
        self._table = str.maketrans(normalisation)
        self.bos, self.eos, self.unk = bos, eos, unk

    def normalise(self, text: str) -> str:
        text = text.translate(self._table)
        return _SPACES.sub(" ", text) if "  " in text else text

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text, without the special tokens and without truncation."""
        normal = [self.normalise(t) for t in texts]
        out = []
        for enc in self._tok.encode_batch(normal, add_special_tokens=False):
            ids = enc.ids
            if self.unk in ids:
                ids = self._expand_unknowns(ids, enc.offsets)
            out.append(ids)
        return out

    def _expand_unknowns(self, ids: list[int], offsets: list[tuple[int, int]]) -> list[int]:
        out: list[int] = []
        for i, (start, end) in zip(ids, offsets):
            out.extend([i] * max(1, end - start) if i == self.unk else [i])
        return out

    def count(self, text: str) -> int:
        """Tokens the model is fed for ``text`` (specials included, before any windowing)."""
        return len(self.content_ids([text])[0]) + 2


def window_ids(content: list[int], bos: int, eos: int, max_content: int) -> list[tuple[np.ndarray, int]]:
    """Split content ids into model inputs of at most ``max_content`` tokens plus specials.

    Returns (ids, weight) per window: a long text is embedded as the
    token-weighted mean of its windows, as the bundled engine does.
    """
    if not content:
        return [(np.array([bos, eos], dtype=np.int64), 1)]
    out = []
    for a in range(0, len(content), max_content):
        chunk = content[a:a + max_content]
        out.append((np.array([bos, *chunk, eos], dtype=np.int64), len(chunk)))
    return out

"""multilingual-e5-small (a 12-layer XLM-R encoder) as a small torch module.

Written for throughput on a few CPU cores rather than generality:

- tokens of a whole batch are kept *packed* ([tokens, hidden], no padding)
  for everything that works token by token (embeddings, the Q/K/V, output
  and feed-forward projections, layer norms): these are >90 % of the work,
  and padding would be paid there in full;
- attention runs once per run of equal-length texts in the batch, on a
  [texts, heads, length, head_dim] *view* of the packed tokens: no padding,
  no mask and no copying in or out of a padded layout (batches hold
  length-sorted texts, so a batch has few distinct lengths);
- the word-embedding matrix (250k x 384) stays in its 4-bit form and only
  the rows a batch uses are dequantised (54 MB instead of 384 MB in fp32).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .q4file import Config


class Layer(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        h = cfg.hidden
        self.heads, self.eps = cfg.heads, cfg.eps
        self.qkv = nn.Linear(h, 3 * h)  # Q, K and V share their input: one matmul
        self.out = nn.Linear(h, h)
        self.ln1 = nn.LayerNorm(h, eps=cfg.eps)
        self.ffn_in = nn.Linear(h, cfg.ffn)
        self.ffn_out = nn.Linear(cfg.ffn, h)
        self.ln2 = nn.LayerNorm(h, eps=cfg.eps)

    def forward(self, x: torch.Tensor, batch: "Batch") -> torch.Tensor:
        t, h = x.shape
        hd = h // self.heads
        qkv = self.qkv(x)
        ctx = torch.empty_like(x)
        for start, end, n, length in batch.groups:  # texts of one length: a view, no padding, no mask
            q, k, v = qkv[start:end].view(n, length, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
            ctx[start:end] = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(end - start, h)
        x = self.ln1(x + self.out(ctx))
        return self.ln2(x + self.ffn_out(F.gelu(self.ffn_in(x))))


class Batch:
    """Where each text's tokens lie in a packed batch (texts sorted by length)."""

    def __init__(self, lengths: list[int]):
        self.size = len(lengths)
        lens = torch.tensor(lengths)
        self.lengths = lens
        self.positions = torch.cat([torch.arange(n) for n in lengths])  # position id of each packed token
        self.owner = torch.repeat_interleave(torch.arange(self.size), lens)  # text of each token
        # runs of equal length: attention runs once per run, on a plain view of the packed tokens
        self.groups: list[tuple[int, int, int, int]] = []
        start = i = 0
        while i < len(lengths):
            j = i
            while j < len(lengths) and lengths[j] == lengths[i]:
                j += 1
            end = start + (j - i) * lengths[i]
            self.groups.append((start, end, j - i, lengths[i]))
            start, i = end, j


class E5Model(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        h, blocks = cfg.hidden, cfg.hidden // 32
        self.register_buffer("word_codes", torch.zeros(cfg.vocab, blocks, 16, dtype=torch.uint8))
        self.register_buffer("word_scales", torch.zeros(cfg.vocab, blocks, dtype=torch.float32))
        self.register_buffer("positions", torch.zeros(cfg.max_positions, h))  # token type 0 folded in
        self.ln = nn.LayerNorm(h, eps=cfg.eps)
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.layers))

    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        codes = self.word_codes[ids]  # [T, blocks, 16]
        q = torch.cat([codes & 0x0F, codes >> 4], dim=-1).to(torch.float32) - 8.0
        return (q * self.word_scales[ids][..., None]).reshape(len(ids), -1)

    def forward(self, ids: torch.Tensor, batch: Batch, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """Mean-pooled (not normalised) last hidden state of each text of the batch, float32."""
        x = self.ln(self.embed_tokens(ids) + self.positions[batch.positions]).to(dtype)
        for layer in self.layers:
            x = layer(x, batch)
        sums = torch.zeros(batch.size, x.shape[1], dtype=torch.float32).index_add_(0, batch.owner, x.float())
        return sums / batch.lengths[:, None].to(torch.float32)

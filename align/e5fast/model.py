"""multilingual-e5-small (a 12-layer XLM-R encoder) as a small torch module.

Written for throughput on a few CPU cores rather than generality:

- tokens of a whole batch are kept *packed* ([tokens, hidden], no padding)
  for everything that works token by token (embeddings, the Q/K/V, output
  and feed-forward projections, layer norms): these are >90 % of the work,
  and padding would be paid there in full;
- attention alone sees a padded layout: each batch's Q/K/V rows are
  gathered once into [Q/K/V, heads, texts x longest, head_dim], attention runs
  as two batched products and one exp per batch and layer (``attend``; a
  key-padding bias masks the padding) and the real rows are gathered back.
  Batches hold length-sorted texts, so padding adds ~4 % rows and ~7 % scores
  to attention's (small) work on Text+Berg; torch's flash-attention kernel,
  once per run of equal-length texts (~10 runs per batch), cost 2-3x more;
- the projections run through oneDNN (``torch.ops.mkldnn._linear_pointwise``)
  with weights reordered once into its blocked layout, the GELU fused into
  the first feed-forward matrix and the residual additions into the output
  projections (``Proj``); plain ``F.linear`` where oneDNN is missing. On
  AMD CPUs oneDNN also runs fp32 twice as fast as MKL's sgemm behind F.linear;
- the word-embedding matrix (250k x 384) stays in its 4-bit form and only
  the rows a batch uses are dequantised (54 MB instead of 384 MB in fp32).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .q4file import Config


def onednn_usable(dtype: torch.dtype) -> bool:
    """Whether oneDNN's fused linear runs here for ``dtype`` (bf16 needs the CPU's bf16 instructions)."""
    try:
        if not torch.backends.mkldnn.is_available():
            return False
        # private ops (torch 2.13 has them): a torch without them takes the F.linear path, not an error
        torch.ops.mkldnn._linear_pointwise, torch.ops.mkldnn._reorder_linear_weight  # noqa: B018
        if dtype == torch.bfloat16:
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        return dtype == torch.float32
    except (AttributeError, RuntimeError):
        return False


class Proj(nn.Module):
    """One projection ``x @ W.T + b``, optionally followed by GELU or by adding ``residual``.

    ``onednn``: the weight is reordered once into oneDNN's blocked layout and
    the post-op runs inside the matrix product (no extra pass over the
    output). Otherwise ``F.linear`` and torch ops.
    """

    def __init__(self, linear: nn.Linear, dtype: torch.dtype, onednn: bool, tokens_hint: int = 2048):
        super().__init__()
        self.onednn = onednn
        if self.onednn:
            w = linear.weight.detach().to(dtype).contiguous()
            self.weight = torch.ops.mkldnn._reorder_linear_weight(w, tokens_hint)
            self.bias = linear.bias.detach().to(dtype).contiguous()
            self.linear = None
        else:
            self.linear = linear.to(dtype)

    def forward(self, x: torch.Tensor, post: str = "none", residual: torch.Tensor | None = None) -> torch.Tensor:
        if self.onednn:
            if residual is not None:
                return torch.ops.mkldnn._linear_pointwise.binary(x, residual, self.weight, self.bias, "add")
            if post == "gelu":
                return torch.ops.mkldnn._linear_pointwise(x, self.weight, self.bias, "gelu", [], "none")
            return torch.ops.mkldnn._linear_pointwise(x, self.weight, self.bias, "none", [], "")
        y = self.linear(x)
        if post == "gelu":
            y = F.gelu(y)
        if residual is not None:
            y = y + residual
        return y


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

    def prepare(self, dtype: torch.dtype, onednn: bool) -> None:
        """Wrap the projections (``Proj``) for ``dtype``; the layer norms run in ``dtype`` too."""
        for name in ("qkv", "out", "ffn_in", "ffn_out"):
            mod = getattr(self, name)
            if isinstance(mod, nn.Linear):  # int8 modules (``int8.Int8Proj``) bring their own kernels
                setattr(self, name, Proj(mod, dtype, onednn))
        self.ln1.to(dtype)
        self.ln2.to(dtype)

    def forward(self, x: torch.Tensor, batch: "Batch") -> torch.Tensor:
        t, h = x.shape
        heads, hd = self.heads, h // self.heads
        qkv = self.qkv(x).view(t, 3, heads, hd).permute(1, 2, 0, 3)  # Q pre-scaled (fold_attention_scale)
        # one gather (or copy) into [Q/K/V, heads, texts * longest, head_dim]: the batched products'
        # layout, their batch running over (head, text)
        qkv = qkv.contiguous() if batch.pad_index is None else qkv.index_select(2, batch.pad_index)
        q, k, v = qkv.view(3, heads * batch.size, batch.longest, hd)
        ctx = torch.empty(batch.size * batch.longest, h, dtype=x.dtype, device=x.device)  # [texts * longest, hidden]
        attend(q, k, v, batch.key_bias, ctx.view(-1, heads, hd).permute(1, 0, 2))
        if batch.unpad_index is not None:
            ctx = ctx.index_select(0, batch.unpad_index)
        x = self.ln1(self.out(ctx, residual=x))
        return self.ln2(self.ffn_out(self.ffn_in(x, post="gelu"), residual=x))


EXP_SAFE = 80.0  # exp() of a logit up to this stays finite in float32 and bfloat16 (max ~3.4e38)


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, key_bias: torch.Tensor | None,
           out: torch.Tensor) -> None:
    """softmax(q k^T + key_bias) v for [heads * texts, length, head_dim] (q already scaled), into ``out``.

    ``out`` is [heads, texts * length, head_dim] (a transposed view of the
    packed [tokens, hidden] layout). Three batched matrix products and one
    exp: torch's CPU softmax and its flash-attention kernel spend most of
    their time on bookkeeping at these sizes (rows of ~40 keys), several
    times the arithmetic. exp(scores) @ v is divided by the row sums on its
    way into ``out``. Without the usual max subtraction, logits above
    EXP_SAFE would overflow, and a row of logits all below about -87 would
    underflow to a zero sum: either case falls back to torch's softmax (not
    met on our benchmarks: logits lie within [-58, 66]).
    """
    scores = torch.bmm(q, k.transpose(1, 2)) if key_bias is None else torch.baddbmm(key_bias, q, k.transpose(1, 2))
    heads = out.shape[0]
    if float(scores.max()) <= EXP_SAFE:
        weights = scores.exp_()
        sums = weights.sum(-1, keepdim=True)
        if float(sums.min()) > 1e-30:
            ctx = torch.bmm(weights, v)
            torch.div(ctx.view(heads, -1, ctx.shape[-1]), sums.view(heads, -1, 1), out=out)
            return
        scores = torch.bmm(q, k.transpose(1, 2)) if key_bias is None else \
            torch.baddbmm(key_bias, q, k.transpose(1, 2))
    ctx = torch.bmm(torch.softmax(scores.float(), -1).to(v.dtype), v)
    out.copy_(ctx.view(heads, -1, ctx.shape[-1]))


class Batch:
    """Where each text's tokens lie in a packed batch (texts sorted by length) and in attention's padded layout."""

    def __init__(self, lengths: list[int], heads: int = 12, dtype: torch.dtype = torch.float32,
                 device: str | torch.device = "cpu"):
        self.size = len(lengths)
        lens = torch.tensor(lengths, device=device)
        self.lengths = lens
        self.longest = longest = max(lengths)
        self.positions = torch.cat([torch.arange(n, device=device) for n in lengths])  # position of each token
        self.owner = torch.repeat_interleave(torch.arange(self.size, device=device), lens)  # text of each token
        self.pad_index = self.unpad_index = self.key_bias = None
        if min(lengths) != longest:
            slots = torch.arange(longest, device=device)
            real = slots[None, :] < lens[:, None]  # [texts, longest]: a token, not padding
            starts = torch.cumsum(lens, 0) - lens
            # packed row of each padded slot (padding repeats the text's first token: masked out as a key)
            self.pad_index = torch.where(real, starts[:, None] + slots[None, :], starts[:, None]).reshape(-1)
            self.unpad_index = self.owner * longest + self.positions  # padded slot of each packed token
            bias = torch.zeros(self.size, longest, dtype=dtype, device=device).masked_fill_(~real, float("-inf"))
            self.key_bias = bias.repeat(heads, 1)[:, None, :]  # [heads * texts, 1, longest]
        self.padded_tokens = self.size * longest  # what attention works on


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

    def fold_attention_scale(self) -> None:
        """Scale Q's weights and bias by 1/sqrt(head_dim) once, instead of every score at run time."""
        h = self.cfg.hidden
        scale = (h // self.cfg.heads) ** -0.5
        with torch.no_grad():
            for layer in self.layers:  # new tensors: the loaded ones may map the weight cache's file
                for name in ("weight", "bias"):
                    p = getattr(layer.qkv, name).detach().clone()
                    p[:h] *= scale
                    setattr(layer.qkv, name, nn.Parameter(p, requires_grad=False))

    def prepare(self, dtype: torch.dtype, onednn: bool | None = None) -> None:
        """Run the layers in ``dtype``: oneDNN's fused projections where usable (default: where it runs natively)."""
        if onednn is None:
            onednn = onednn_usable(dtype)
        for layer in self.layers:
            layer.prepare(dtype, onednn)

    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        codes = self.word_codes[ids]  # [T, blocks, 16]
        q = torch.cat([codes & 0x0F, codes >> 4], dim=-1).to(torch.float32) - 8.0
        return (q * self.word_scales[ids][..., None]).reshape(len(ids), -1)

    def forward(self, ids: torch.Tensor, batch: Batch, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """Mean-pooled (not normalised) last hidden state of each text of the batch, float32."""
        x = self.ln(self.embed_tokens(ids) + self.positions[batch.positions]).to(dtype)
        for layer in self.layers:
            x = layer(x, batch)
        sums = torch.zeros(batch.size, x.shape[1], dtype=torch.float32, device=x.device)
        sums.index_add_(0, batch.owner, x.float())
        return sums / batch.lengths[:, None].to(torch.float32)

"""int8 projections with one activation scale per token, on fbgemm's x86 kernels.

CPUs without bf16 or int8 matrix instructions (AVX2 only) multiply int8
through fbgemm's u8 x s8 kernels about twice as fast as fp32 at our shapes.
fbgemm's own dynamic quantisation takes one activation scale per call, and
XLM-R's activations differ too much between tokens and channels for that
(vectors then move with the other texts of the batch). So each token's row
is divided by its largest magnitude before the product, quantised with one
fixed scale (all rows now lie in [-1, 1]: a text's vector cannot depend on
its batch), and the int32 products are multiplied back by the row's
magnitude. Weights: int8 with one scale per output row. ``torch._int_mm``
is no use here: without VNNI it falls back to a kernel ~17x slower than fp32.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

_OP = "linear_with_input_q_dq_qweight_dq_output_fp32"  # fbgemm: fp32 in, fixed input scale, fp32 out
ROW_SCALE, ROW_ZERO = 1 / 127.5, 128  # [-1, 1] onto quint8's 0..255
# AVX2 multiplies u8 x s8 pairs into a saturating int16 (vpmaddubsw): 255 * 63 * 2 < 32,767, so with
# weights within +-63 no sum can saturate, whatever the activations (fbgemm's own answer, reduce_range,
# halves the activations' resolution instead, which costs more: eval/RESULTS.md)
WEIGHT_MAX = 63


def int8_usable() -> bool:
    """Whether fbgemm's int8 linear runs here: an x86 torch that still has it (torch 2.13 announces
    the removal of its quantised tensors; without them the engine runs fp32)."""
    try:
        return ("fbgemm" in torch.backends.quantized.supported_engines and hasattr(torch.ops.quantized, _OP)
                and hasattr(torch.ops.quantized, "linear_prepack") and hasattr(torch, "quantize_per_channel"))
    except (AttributeError, RuntimeError):
        return False


class Int8Proj(nn.Module):
    """``x @ W.T + b`` (then GELU, or + ``residual``) with int8 weights and per-token int8 activations."""

    def __init__(self, linear: nn.Linear):
        super().__init__()
        torch.backends.quantized.engine = "fbgemm"
        w = linear.weight.detach().float()
        scales = (w.abs().amax(1) / WEIGHT_MAX).clamp_min(1e-12).double()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the announced removal (see int8_usable)
            qw = torch.quantize_per_channel(w, scales, torch.zeros(len(scales), dtype=torch.long), 0, torch.qint8)
        self.packed = torch.ops.quantized.linear_prepack(qw, None)  # the bias is added after the rescaling
        self.bias = linear.bias.detach().float().clone()
        self.onednn = False

    def forward(self, x: torch.Tensor, post: str = "none", residual: torch.Tensor | None = None) -> torch.Tensor:
        # max(max, -min): abs().amax() or an inf-norm cost 2-5x more passes over x
        rows = torch.maximum(x.amax(1, keepdim=True), x.amin(1, keepdim=True).neg_()).clamp_min_(1e-12)
        y = getattr(torch.ops.quantized, _OP)(x / rows, ROW_SCALE, ROW_ZERO, self.packed)
        if residual is not None:
            return torch.addcmul(residual, y, rows).add_(self.bias)
        y = torch.addcmul(self.bias, y, rows)
        return torch.ops.aten.gelu_(y) if post == "gelu" else y


def quantize_layers(layers: nn.ModuleList) -> None:
    """Every projection of every layer to ``Int8Proj`` (from the fp32 ``nn.Linear`` modules)."""
    for layer in layers:
        for name in ("qkv", "out", "ffn_in", "ffn_out"):
            setattr(layer, name, Int8Proj(getattr(layer, name)))

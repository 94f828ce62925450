"""The GPTQ int4 layout (checkpoint_format "gptq"): pack, unpack, quantize, dequantize.

For a linear layer with K inputs, N outputs and group size G:
- `qweight` int32 [K/8, N]: eight 4-bit values packed along K, lowest bits first;
- `qzeros` int32 [K/G, N/8]: eight 4-bit zero points packed along N, stored as real zero - 1;
- `scales` fp16 [K/G, N];
- `g_idx` int32 [K]: the group of each input row (`k // G`, or a permutation's groups with
  desc_act).
Dequantized, `w[k, n] = (q[k, n] - (z[g_idx[k], n] + 1)) * scales[g_idx[k], n]`.
Every function here also takes a leading batch of layers (stacked experts) on each tensor.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

BITS = 4
PACK = 32 // BITS  # values per int32
ZERO_OFFSET = 1  # checkpoint_format "gptq" stores the real zero minus one
_SHIFTS = torch.arange(0, 32, BITS, dtype=torch.int32)


@dataclass(frozen=True)
class PackedInt4:
    """One layer (or a stack of layers along dim 0) in the GPTQ layout."""

    qweight: torch.Tensor
    qzeros: torch.Tensor
    scales: torch.Tensor
    g_idx: torch.Tensor

    def tensors(self) -> dict[str, torch.Tensor]:
        """The tensors under their checkpoint names."""
        return {
            "qweight": self.qweight,
            "qzeros": self.qzeros,
            "scales": self.scales,
            "g_idx": self.g_idx,
        }


def pack_rows(values: torch.Tensor) -> torch.Tensor:
    """[..., K, N] values in 0..15 -> int32 [..., K/8, N], packed along K."""
    *batch, k, n = values.shape
    grouped = values.to(torch.int64).reshape(*batch, k // PACK, PACK, n)
    packed = (grouped << _SHIFTS.to(torch.int64)[:, None]).sum(dim=-2)
    return _to_int32(packed)


def unpack_rows(packed: torch.Tensor) -> torch.Tensor:
    """int32 [..., K/8, N] -> int32 [..., K, N] values in 0..15."""
    *batch, k8, n = packed.shape
    shifts = _SHIFTS.to(packed.device)[:, None]
    return ((packed.unsqueeze(-2) >> shifts) & 0xF).reshape(*batch, k8 * PACK, n)


def pack_cols(values: torch.Tensor) -> torch.Tensor:
    """[..., G, N] values in 0..15 -> int32 [..., G, N/8], packed along N."""
    *batch, g, n = values.shape
    grouped = values.to(torch.int64).reshape(*batch, g, n // PACK, PACK)
    return _to_int32((grouped << _SHIFTS.to(torch.int64)).sum(dim=-1))


def unpack_cols(packed: torch.Tensor) -> torch.Tensor:
    """int32 [..., G, N/8] -> int32 [..., G, N] values in 0..15."""
    *batch, g, n8 = packed.shape
    shifts = _SHIFTS.to(packed.device)
    return ((packed.unsqueeze(-1) >> shifts) & 0xF).reshape(*batch, g, n8 * PACK)


def dequantize(packed: PackedInt4, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """W [..., K, N] (the transpose of nn.Linear's weight), computed in float32."""
    q = unpack_rows(packed.qweight)
    zeros = unpack_cols(packed.qzeros) + ZERO_OFFSET
    rows = packed.g_idx.long().unsqueeze(-1).expand_as(q)
    zero = torch.gather(zeros, -2, rows)
    scale = torch.gather(packed.scales.float(), -2, rows)
    return ((q - zero).float() * scale).to(dtype)


def quantize(
    weight: torch.Tensor,
    group_size: int,
    *,
    sym: bool = True,
    desc_act: bool = False,
    generator: torch.Generator | None = None,
) -> PackedInt4:
    """Round-to-nearest quantization of an nn.Linear weight [N, K] into the GPTQ layout.

    With `desc_act` the input rows are grouped in a random order (GPTQ orders them by the
    Hessian), which gives the non-monotonic `g_idx` real desc_act checkpoints have.
    """
    n, k = weight.shape
    size = k if group_size == -1 else group_size
    w = weight.t().float()  # [K, N]
    order = torch.randperm(k, generator=generator) if desc_act else torch.arange(k)
    g_idx = torch.empty(k, dtype=torch.int32)
    g_idx[order] = (torch.arange(k) // size).to(torch.int32)
    grouped = w[order].reshape(k // size, size, n)
    low, high = grouped.amin(dim=1).clamp(max=0), grouped.amax(dim=1).clamp(min=0)
    if sym:
        scale = torch.maximum(low.abs(), high) * 2 / 15
        zero = torch.full_like(scale, 8)
    else:
        scale = (high - low) / 15
        # The "gptq" format cannot store a real zero of 0 (it would be -1), so keep >= 1.
        zero = torch.round(-low / scale.clamp(min=1e-8)).clamp(1, 15)
    scale = scale.clamp(min=1e-8).half()
    group_scale, group_zero = scale.float()[g_idx.long()], zero[g_idx.long()]
    q = torch.clamp(torch.round(w / group_scale) + group_zero, 0, 15)
    return PackedInt4(
        qweight=pack_rows(q),
        qzeros=pack_cols(zero - ZERO_OFFSET),
        scales=scale,
        g_idx=g_idx,
    )


def _to_int32(values: torch.Tensor) -> torch.Tensor:
    """Reinterpret unsigned 32-bit values held in int64 as int32 (two's complement)."""
    return torch.where(values >= 2**31, values - 2**32, values).to(torch.int32)

"""Drawing the next token from the top-k logits in one launch.

After `torch.topk`, the model card's sampling (temperature, min_p, top_p over the k best,
then a random draw) is a dozen tiny torch ops of 20 values each: a dozen launches per
token in the decode graph. Here one program does it all: softmax of the scaled values, the
min_p and top_p cuts, a draw by the exponential race (argmax of p / E, E ~ Exp(1), from
Philox noise keyed by a seed and a draw counter kept on the device), and it marks the
token seen for the presence penalty. Temperature 0 takes the best value.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl


@triton.jit
def draw_from_top_k(
    values,
    indices,
    offs,
    mask,
    temperature_ptr,
    top_p_ptr,
    min_p_ptr,
    seed_ptr,
    draws_ptr,
    token_ptr,
    seen_ptr,
    K_PAD: tl.constexpr,
):
    """The draw from the k best (values fp32, sorted descending, -inf past k) and their
    vocabulary indices: stores the token, marks it seen and counts the draw."""
    temperature = tl.load(temperature_ptr)
    scaled = values / tl.maximum(temperature, 1e-5)
    probs = tl.exp(scaled - tl.max(scaled, axis=0))
    probs = probs / tl.sum(probs, axis=0)
    keep = mask & (probs >= tl.load(min_p_ptr) * tl.max(probs, axis=0))
    keep = keep & ((tl.cumsum(probs, axis=0) - probs) < tl.load(top_p_ptr))  # best stays
    probs = tl.where(keep, probs, 0.0)
    draw = tl.load(draws_ptr)
    uniform = tl.rand(tl.load(seed_ptr), (draw * K_PAD).to(tl.int32) + offs)
    noise = -tl.log(1.0 - uniform)  # Exp(1)
    choice = tl.argmax(probs / noise, axis=0)
    drawn = tl.sum(tl.where(offs == choice, indices, 0), axis=0)
    best = tl.sum(tl.where(offs == 0, indices, 0), axis=0)  # values come sorted
    token = tl.where(temperature > 0, drawn, best)
    tl.store(token_ptr, token)
    tl.store(seen_ptr + token, 1.0)
    tl.store(draws_ptr, draw + 1)


@triton.jit
def _sample_kernel(
    values_ptr,
    indices_ptr,
    temperature_ptr,
    top_p_ptr,
    min_p_ptr,
    seed_ptr,
    draws_ptr,
    token_ptr,
    seen_ptr,
    K,
    K_PAD: tl.constexpr,
):
    offs = tl.arange(0, K_PAD)
    mask = offs < K
    values = tl.load(values_ptr + offs, mask=mask, other=float("-inf")).to(tl.float32)
    indices = tl.load(indices_ptr + offs, mask=mask, other=0)
    draw_from_top_k(
        values,
        indices,
        offs,
        mask,
        temperature_ptr,
        top_p_ptr,
        min_p_ptr,
        seed_ptr,
        draws_ptr,
        token_ptr,
        seen_ptr,
        K_PAD,
    )


def sample_top_k(
    values: torch.Tensor,
    indices: torch.Tensor,
    temperature: torch.Tensor,
    top_p: torch.Tensor,
    min_p: torch.Tensor,
    seed: torch.Tensor,
    draws: torch.Tensor,
    token: torch.Tensor,
    seen: torch.Tensor,
) -> None:
    """values [k] sorted descending with their vocabulary indices [k] -> token [1] int64;
    seen[token] = 1 and draws += 1. The sampling parameters, the seed and the draw
    counter are device scalars, so a CUDA graph replays this with the values of the day."""
    k = values.shape[0]
    _sample_kernel[(1,)](
        values,
        indices,
        temperature,
        top_p,
        min_p,
        seed,
        draws,
        token,
        seen,
        k,
        K_PAD=triton.next_power_of_2(k),
        num_warps=1,
    )

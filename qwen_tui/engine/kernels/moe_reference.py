"""The MoE's routing and alignment in plain torch: the references the kernels are tested
against, and the path for routers and experts the kernels do not take.
"""

from __future__ import annotations

import torch
import triton


def route(
    router_logits: torch.Tensor, top_k: int, normalize: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Softmax over experts, top-k, optionally renormalised: (weights [T, k], ids [T, k])."""
    probs = torch.softmax(router_logits, dim=-1, dtype=torch.float32)
    weights, ids = torch.topk(probs, top_k, dim=-1)
    if normalize:
        weights = weights / weights.sum(dim=-1, keepdim=True)
    return weights, ids


def align_pairs(
    expert_ids: torch.Tensor, num_experts: int, block_m: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sort (token, expert) pairs by expert, each expert padded to a multiple of `block_m`:
    the torch reference of `moe_align.align_pairs_triton`, which the MoE launches.

    Returns pair ids [P] (padding = num_pairs, an id no row has) and each block's expert
    [P / block_m]. P is the worst case, so shapes never depend on the routing, and every
    step is a fixed-shape op: no host sync, so the host keeps queueing the next layers.
    (`torch.bincount` would sync on CUDA to size its output; a scatter-add into E zeros
    does not.)
    """
    flat = expert_ids.reshape(-1).long()
    num_pairs = flat.numel()
    device = flat.device
    capacity = triton.cdiv(num_pairs + num_experts * (block_m - 1), block_m) * block_m
    counts = torch.zeros(num_experts, dtype=torch.int64, device=device)
    counts.scatter_add_(0, flat, torch.ones_like(flat))
    padded = (counts + block_m - 1) // block_m * block_m
    starts = torch.cumsum(padded, 0) - padded
    order = torch.argsort(flat, stable=True)
    sorted_experts = flat.gather(0, order)
    first_of_expert = (torch.cumsum(counts, 0) - counts).gather(0, sorted_experts)
    rank_in_expert = torch.arange(num_pairs, device=device) - first_of_expert
    slots = starts.gather(0, sorted_experts) + rank_in_expert
    pair_ids = torch.full((capacity,), num_pairs, dtype=torch.int64, device=device)
    pair_ids.scatter_(0, slots, order)
    block_starts = torch.arange(0, capacity, block_m, device=device)
    ends = torch.cumsum(padded, 0)
    block_expert = torch.searchsorted(ends, block_starts, right=True).clamp_(max=num_experts - 1)
    return pair_ids, block_expert

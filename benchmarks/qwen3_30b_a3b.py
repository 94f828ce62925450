"""The Qwen3-30B-A3B shape (from the model card) and random int4 weights of that shape.

Shared by the benchmarks: the weights are built straight on the GPU, so kernel and runner
timings need no checkpoint on disk.
"""

from __future__ import annotations

import torch
from transformers import Qwen3MoeConfig
from transformers.models.qwen3_moe.modeling_qwen3_moe import Qwen3MoeRotaryEmbedding

from qwen_tui.engine.kernels.fused_moe import Int4Experts
from qwen_tui.engine.runner.weights import (
    Int4Weight,
    LayerWeights,
    ModelWeights,
    MoeMlp,
    QuantExperts,
)
from qwen_tui.engine.synthetic.checkpoint import QWEN3_30B_A3B

GROUP_SIZE = 128


def config_30b_a3b(**overrides) -> Qwen3MoeConfig:
    """The published model's config (as the synthetic checkpoint writes it), with overrides."""
    shape = {k: v for k, v in QWEN3_30B_A3B.items() if k not in ("architectures", "model_type")}
    return Qwen3MoeConfig(**(shape | overrides))


def _packed(*batch: int, k: int, n: int, device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = k // GROUP_SIZE
    qweight = torch.randint(
        -(2**31), 2**31 - 1, (*batch, k // 8, n), dtype=torch.int32, device=device
    )
    qzeros = torch.randint(
        -(2**31), 2**31 - 1, (*batch, g, n // 8), dtype=torch.int32, device=device
    )
    scales = (torch.rand(*batch, g, n, device=device) * 0.004 + 0.001).half()
    return qweight, qzeros, scales


def _linear(k: int, n: int, device) -> Int4Weight:
    return Int4Weight(*_packed(k=k, n=n, device=device), None, GROUP_SIZE)


def _experts(e: int, k: int, n: int, device) -> Int4Experts:
    return Int4Experts(*_packed(e, k=k, n=n, device=device), GROUP_SIZE)


def random_weights(
    config: Qwen3MoeConfig, device: str = "cuda", dtype: torch.dtype = torch.bfloat16
) -> ModelWeights:
    """Random GPTQ int4 weights of `config`'s shape, in the runner's form."""
    h, d, e, inter = (
        config.hidden_size,
        config.head_dim,
        config.num_experts,
        config.moe_intermediate_size,
    )
    heads, kv = config.num_attention_heads, config.num_key_value_heads

    def norm(size: int) -> torch.Tensor:
        return (1 + 0.1 * torch.randn(size, device=device)).to(dtype)

    layers = tuple(
        LayerWeights(
            input_norm=norm(h),
            q=_linear(h, heads * d, device),
            k=_linear(h, kv * d, device),
            v=_linear(h, kv * d, device),
            o=_linear(heads * d, h, device),
            q_norm=norm(d),
            k_norm=norm(d),
            post_norm=norm(h),
            mlp=MoeMlp(
                router=(torch.randn(e, h, device=device) * 0.02).to(dtype),
                experts=QuantExperts(
                    _experts(e, h, inter, device),
                    _experts(e, h, inter, device),
                    _experts(e, inter, h, device),
                ),
                top_k=config.num_experts_per_tok,
                normalize=config.norm_topk_prob,
            ),
        )
        for _ in range(config.num_hidden_layers)
    )
    return ModelWeights(
        embed=(torch.randn(config.vocab_size, h, device=device) * 0.02).to(dtype),
        layers=layers,
        final_norm=norm(h),
        lm_head=(torch.randn(config.vocab_size, h, device=device) * 0.02).to(dtype),
        num_heads=heads,
        num_kv_heads=kv,
        head_dim=d,
        rms_eps=config.rms_norm_eps,
        rotary=Qwen3MoeRotaryEmbedding(config).to(device),
    )

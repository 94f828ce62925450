"""A Qwen3 / Qwen3-MoE module tree of the project's own, holding the weights for the fast
runner: the parameter and buffer names, shapes and dtypes of transformers'
`Qwen3(Moe)ForCausalLM`, but none of its forward code.

The fast runner reads the tensors out of the tree (`runner/extract.py`) and does the math
itself, so the GPU path never imports transformers' modeling code (6.3 s of a warm start,
measured on an H200: it pulls in torch.distributed.tensor and torch._dynamo). The loader
(skeleton, plan, checks, fill) treats this tree as it treats transformers': by module
attributes and tensor names. Only the rotary embedding computes anything (`rotary.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import torch
from torch import nn

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.gptq.rotary import RotaryEmbedding, head_size

if TYPE_CHECKING:
    from qwen_tui.engine.model_shape import ModelShape


class WeightsOnly(nn.Module):
    """A module that holds weights for the fast runner and has no forward."""

    def forward(self, *args: object, **kwargs: object) -> NoReturn:
        raise EngineFailure(
            f"internal: {type(self).__name__} holds weights for the fast runner and has no "
            "forward of its own; load with for_runner=False to run transformers' forward"
        )


class RunnerLinear(nn.Linear):
    """nn.Linear without the random init: the checkpoint fills it, and on the meta device
    torch's `uniform_` and `normal_` run Python references that import torch._dynamo."""

    def reset_parameters(self) -> None:
        pass


class RunnerEmbedding(nn.Embedding):
    """nn.Embedding without the random init (see RunnerLinear)."""

    def reset_parameters(self) -> None:
        pass


class RunnerRMSNorm(WeightsOnly):
    def __init__(self, size: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(size))  # filled from the checkpoint
        self.variance_epsilon = eps


class RunnerAttention(WeightsOnly):
    def __init__(self, config: ModelShape) -> None:
        super().__init__()
        head_dim = head_size(config)
        hidden, bias = config.hidden_size, config.attention_bias
        self.q_proj = RunnerLinear(hidden, config.num_attention_heads * head_dim, bias=bias)
        self.k_proj = RunnerLinear(hidden, config.num_key_value_heads * head_dim, bias=bias)
        self.v_proj = RunnerLinear(hidden, config.num_key_value_heads * head_dim, bias=bias)
        self.o_proj = RunnerLinear(config.num_attention_heads * head_dim, hidden, bias=bias)
        self.q_norm = RunnerRMSNorm(head_dim, config.rms_norm_eps)
        self.k_norm = RunnerRMSNorm(head_dim, config.rms_norm_eps)


class RunnerMlp(WeightsOnly):
    def __init__(self, config: ModelShape) -> None:
        super().__init__()
        hidden, inter = config.hidden_size, config.intermediate_size
        self.gate_proj = RunnerLinear(hidden, inter, bias=False)
        self.up_proj = RunnerLinear(hidden, inter, bias=False)
        self.down_proj = RunnerLinear(inter, hidden, bias=False)


class RunnerExperts(WeightsOnly):
    """16-bit experts, stacked as transformers stacks them: [E, 2I, H] and [E, H, I]."""

    def __init__(self, config: ModelShape) -> None:
        super().__init__()
        experts, hidden, inter = (
            config.num_experts,
            config.hidden_size,
            config.moe_intermediate_size,
        )
        self.num_experts = experts
        self.gate_up_proj = nn.Parameter(torch.empty(experts, 2 * inter, hidden))
        self.down_proj = nn.Parameter(torch.empty(experts, hidden, inter))


class RunnerTopKRouter(WeightsOnly):
    """The MoE router's 16-bit weight [E, H] (the skeleton knows a router by this name's
    ending, as it knows transformers' `Qwen3MoeTopKRouter`)."""

    def __init__(self, config: ModelShape) -> None:
        super().__init__()
        self.top_k = config.num_experts_per_tok
        self.num_experts = config.num_experts
        self.norm_topk_prob = config.norm_topk_prob
        self.weight = nn.Parameter(torch.empty(config.num_experts, config.hidden_size))


class RunnerSparseMoe(WeightsOnly):
    def __init__(self, config: ModelShape) -> None:
        super().__init__()
        self.experts = RunnerExperts(config)
        self.gate = RunnerTopKRouter(config)


class RunnerDecoderLayer(WeightsOnly):
    def __init__(self, config: ModelShape, index: int) -> None:
        super().__init__()
        self.self_attn = RunnerAttention(config)
        self.mlp: nn.Module = (
            RunnerSparseMoe(config) if is_moe_layer(config, index) else RunnerMlp(config)
        )
        self.input_layernorm = RunnerRMSNorm(config.hidden_size, config.rms_norm_eps)
        self.post_attention_layernorm = RunnerRMSNorm(config.hidden_size, config.rms_norm_eps)


class RunnerModel(WeightsOnly):
    def __init__(self, config: ModelShape) -> None:
        super().__init__()
        self.embed_tokens = RunnerEmbedding(
            config.vocab_size, config.hidden_size, config.pad_token_id
        )
        self.layers = nn.ModuleList(
            RunnerDecoderLayer(config, i) for i in range(config.num_hidden_layers)
        )
        self.norm = RunnerRMSNorm(config.hidden_size, config.rms_norm_eps)
        self.rotary_emb = RotaryEmbedding(config)


class RunnerCausalLM(WeightsOnly):
    """The whole model: `model` (embeddings, layers, final norm, rotary) and `lm_head`."""

    def __init__(self, config: ModelShape) -> None:
        super().__init__()
        self.config = config
        self.model = RunnerModel(config)
        self.lm_head = RunnerLinear(config.hidden_size, config.vocab_size, bias=False)

    def get_input_embeddings(self) -> RunnerEmbedding:
        return self.model.embed_tokens


def is_moe_layer(config: ModelShape, index: int) -> bool:
    """Whether layer `index` has sparse experts, by transformers' rule for Qwen3-MoE
    (`mlp_only_layers`, `decoder_sparse_step`); never in a dense Qwen3."""
    if config.model_type != "qwen3_moe":
        return False
    sparse_step = config.decoder_sparse_step
    return (
        index not in config.mlp_only_layers
        and config.num_experts > 0
        and (index + 1) % sparse_step == 0
    )

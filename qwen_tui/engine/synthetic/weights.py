"""Random weights of a Qwen3 / Qwen3-MoE model under the published tensor names, made one
tensor at a time so a writer (`shard_writer.py`) can stream them to disk."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from qwen_tui.engine.gptq.format import PACK, ZERO_OFFSET, PackedInt4, pack_cols, quantize


@dataclass(frozen=True)
class QuantSpec:
    """How a synthetic checkpoint is quantized (checkpoint_format "gptq", 4 bits)."""

    group_size: int = 128
    sym: bool = True
    desc_act: bool = False
    quantize_router: bool = False
    random_codes: bool = False
    """Draw the int4 codes directly instead of quantizing random floats (fast, full size)."""

    def config_entry(self) -> dict[str, Any]:
        return {
            "quant_method": "gptq",
            "bits": 4,
            "group_size": self.group_size,
            "sym": self.sym,
            "desc_act": self.desc_act,
            "checkpoint_format": "gptq",
            "damp_percent": 0.01,
            "true_sequential": True,
        }


def synthetic_tensors(
    config: Mapping[str, Any],
    quant: QuantSpec | None,
    *,
    seed: int = 0,
    std: float = 0.02,
    overrides: Mapping[str, torch.Tensor] | None = None,
) -> Iterator[tuple[str, torch.Tensor]]:
    """(name, tensor) for every tensor of the checkpoint, layer by layer.

    `overrides` gives float weights for some names (`...q_proj.weight`), quantized too when
    the layer is.
    """
    source = _Source(quant, torch.Generator().manual_seed(seed), std, overrides or {})
    hidden, vocab = config["hidden_size"], config["vocab_size"]
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    head_dim = config.get("head_dim") or hidden // heads
    yield from source.plain("model.embed_tokens.weight", (vocab, hidden))
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}"
        yield from source.norm(f"{p}.input_layernorm.weight", hidden)
        yield from source.norm(f"{p}.post_attention_layernorm.weight", hidden)
        for proj, out, inp in (
            ("q", heads * head_dim, hidden),
            ("k", kv_heads * head_dim, hidden),
            ("v", kv_heads * head_dim, hidden),
            ("o", hidden, heads * head_dim),
        ):
            yield from source.linear(f"{p}.self_attn.{proj}_proj", out, inp)
        yield from source.norm(f"{p}.self_attn.q_norm.weight", head_dim)
        yield from source.norm(f"{p}.self_attn.k_norm.weight", head_dim)
        if _is_moe_layer(config, i):
            experts, inter = config["num_experts"], config["moe_intermediate_size"]
            router_quantized = quant is not None and quant.quantize_router
            yield from source.linear(f"{p}.mlp.gate", experts, hidden, router_quantized)
            for e in range(experts):
                yield from _mlp(source, f"{p}.mlp.experts.{e}", hidden, inter)
        else:
            yield from _mlp(source, f"{p}.mlp", hidden, config["intermediate_size"])
    yield from source.norm("model.norm.weight", hidden)
    if not config.get("tie_word_embeddings", False):
        yield from source.plain("lm_head.weight", (vocab, hidden))


class _Source:
    def __init__(
        self,
        quant: QuantSpec | None,
        generator: torch.Generator,
        std: float,
        overrides: Mapping[str, torch.Tensor],
    ) -> None:
        self.quant, self.gen, self.std, self.overrides = quant, generator, std, overrides
        self.pools: dict[tuple[int, int], torch.Tensor] = {}

    def plain(self, name: str, shape: tuple[int, ...]) -> Iterator[tuple[str, torch.Tensor]]:
        weight = self.overrides.get(name)
        if weight is None:
            weight = torch.randn(shape, generator=self.gen) * self.std
        yield name, weight.to(torch.bfloat16)

    def norm(self, name: str, size: int) -> Iterator[tuple[str, torch.Tensor]]:
        weight = self.overrides.get(name)
        if weight is None:
            weight = 1 + 0.1 * torch.randn(size, generator=self.gen)
        yield name, weight.to(torch.bfloat16)

    def linear(
        self, prefix: str, out: int, inp: int, quantized: bool | None = None
    ) -> Iterator[tuple[str, torch.Tensor]]:
        quantized = self.quant is not None if quantized is None else quantized
        if not quantized:
            yield from self.plain(f"{prefix}.weight", (out, inp))
            return
        assert self.quant is not None
        weight = self.overrides.get(f"{prefix}.weight")
        if weight is None and self.quant.random_codes:
            shape = (inp // PACK, out)
            if shape not in self.pools:
                self.pools[shape] = _random_int32(shape, self.gen)
            packed = _random_codes(out, inp, self.quant, self.gen, self.std, self.pools[shape])
        else:
            if weight is None:
                weight = torch.randn((out, inp), generator=self.gen) * self.std
            packed = quantize(
                weight,
                self.quant.group_size,
                sym=self.quant.sym,
                desc_act=self.quant.desc_act,
                generator=self.gen,
            )
        for part, tensor in packed.tensors().items():
            yield f"{prefix}.{part}", tensor


def _mlp(
    source: _Source, prefix: str, hidden: int, inter: int
) -> Iterator[tuple[str, torch.Tensor]]:
    yield from source.linear(f"{prefix}.gate_proj", inter, hidden)
    yield from source.linear(f"{prefix}.up_proj", inter, hidden)
    yield from source.linear(f"{prefix}.down_proj", hidden, inter)


def _is_moe_layer(config: Mapping[str, Any], layer: int) -> bool:
    if config.get("model_type") != "qwen3_moe" or layer in config.get("mlp_only_layers", []):
        return False
    return bool(
        config.get("num_experts", 0) > 0 and (layer + 1) % config.get("decoder_sparse_step", 1) == 0
    )


def _random_codes(
    out: int, inp: int, quant: QuantSpec, gen: torch.Generator, std: float, pool: torch.Tensor
) -> PackedInt4:
    """Random int4 codes: a shared random pool XOR a random 32-bit mask, because drawing
    15 GB of fresh random bits for a full-size model would take minutes."""
    groups = 1 if quant.group_size == -1 else inp // quant.group_size
    mask = torch.randint(0, 256, (4,), generator=gen, dtype=torch.uint8).view(torch.int32)
    qweight = pool ^ mask
    if quant.sym:
        zeros = torch.full((groups, out), 8)
    else:
        zeros = torch.randint(1, 16, (groups, out), generator=gen)
    # Uniform codes around the zero have a std of about 4.6 steps.
    scales = (torch.rand((groups, out), generator=gen) + 0.5) * (std / 4.6)
    g_idx = (torch.arange(inp) // (inp // groups)).to(torch.int32)
    if quant.desc_act:
        g_idx = g_idx[torch.randperm(inp, generator=gen)]
    return PackedInt4(qweight, pack_cols(zeros - ZERO_OFFSET), scales.half(), g_idx)


def _random_int32(shape: tuple[int, int], gen: torch.Generator) -> torch.Tensor:
    """Uniform over all 32-bit patterns (so every nibble takes all 16 values)."""
    return torch.randint(0, 256, (*shape, 4), generator=gen, dtype=torch.uint8).view(torch.int32)[
        ..., 0
    ]

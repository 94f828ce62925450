"""Write synthetic Qwen3 checkpoints in the published layout: random weights (GPTQ int4
packed by this project's packer, or 16-bit), a small tokenizer with Qwen's special tokens,
the project's Qwen3-format chat template and a generation config.

Tiny ones serve the tests; `QWEN3_30B_A3B` with `random_codes` gives a full-size model for
benchmarks, streamed to disk shard by shard:

    python -m qwen_tui.engine.synthetic.checkpoint OUT_DIR --full
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from qwen_tui.engine.synthetic.shard_writer import ShardWriter
from qwen_tui.engine.synthetic.tokenizer import write_tokenizer_files
from qwen_tui.engine.synthetic.weights import QuantSpec, synthetic_tensors

__all__ = ["QWEN3_30B_A3B", "PUBLISHED_GPTQ", "QuantSpec", "tiny_config", "write_checkpoint"]

QWEN3_30B_A3B: dict[str, Any] = {
    "architectures": ["Qwen3MoeForCausalLM"],
    "model_type": "qwen3_moe",
    "hidden_size": 2048,
    "num_hidden_layers": 48,
    "num_attention_heads": 32,
    "num_key_value_heads": 4,
    "head_dim": 128,
    "num_experts": 128,
    "num_experts_per_tok": 8,
    "moe_intermediate_size": 768,
    "intermediate_size": 6144,
    "vocab_size": 151936,
    "max_position_embeddings": 40960,
    "rope_theta": 1000000.0,
    "rms_norm_eps": 1e-6,
    "norm_topk_prob": True,
    "decoder_sparse_step": 1,
    "mlp_only_layers": [],
    "tie_word_embeddings": False,
    "hidden_act": "silu",
    "attention_bias": False,
    "torch_dtype": "bfloat16",
    "bos_token_id": 151643,
    "eos_token_id": 151645,
}
PUBLISHED_GPTQ = QuantSpec(group_size=128, sym=True, desc_act=False, random_codes=True)


def tiny_config(moe: bool = True, **overrides: Any) -> dict[str, Any]:
    """A config.json of a tiny Qwen3-MoE (or dense Qwen3) that runs in milliseconds."""
    config = {
        "architectures": ["Qwen3MoeForCausalLM" if moe else "Qwen3ForCausalLM"],
        "model_type": "qwen3_moe" if moe else "qwen3",
        "hidden_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 32,
        "intermediate_size": 256,
        "vocab_size": 512,
        "max_position_embeddings": 4096,
        "rope_theta": 1000000.0,
        "rms_norm_eps": 1e-6,
        "tie_word_embeddings": False,
        "hidden_act": "silu",
        "attention_bias": False,
        "torch_dtype": "bfloat16",
    }
    if moe:
        config |= {
            "num_experts": 8,
            "num_experts_per_tok": 2,
            "moe_intermediate_size": 128,
            "norm_topk_prob": True,
            "decoder_sparse_step": 1,
            "mlp_only_layers": [],
        }
    return config | overrides


def write_checkpoint(
    directory: Path,
    config: Mapping[str, Any],
    quant: QuantSpec | None = None,
    *,
    seed: int = 0,
    std: float = 0.02,
    shard_bytes: int = 2 * 2**30,
    overrides: Mapping[str, torch.Tensor] | None = None,
    chat_template: str | None = "default",
    template_file: bool = False,
    text_only_lm_head: bool = False,
) -> Path:
    """Write a complete model directory and return it. `chat_template=None` leaves the
    tokenizer without one; "default" uses the project's Qwen3 template.

    `text_only_lm_head` zeroes the lm_head rows of ids with no text (the special tokens
    and the padding up to the real vocabulary), so the model samples text and a reply
    streams as the real model's does (benchmarks measure what a client receives); the
    shape, and the bytes a token reads, are unchanged."""
    directory.mkdir(parents=True, exist_ok=True)
    full_config = dict(config)
    if quant is not None:
        full_config["quantization_config"] = quant.config_entry()
    tokenizer_kwargs: dict[str, Any] = {"template_file": template_file}
    if chat_template != "default":
        tokenizer_kwargs["chat_template"] = chat_template
    tokenizer = write_tokenizer_files(directory, **tokenizer_kwargs)
    if tokenizer.get_vocab_size() > full_config["vocab_size"]:
        raise ValueError("the synthetic tokenizer needs vocab_size >= 400")
    (directory / "config.json").write_text(json.dumps(full_config, indent=2) + "\n")
    if text_only_lm_head:
        text_ids = tokenizer.get_vocab_size(with_added_tokens=False)
        overrides = {**(overrides or {}), "lm_head.weight": _text_only_rows(full_config, text_ids)}
    writer = ShardWriter(directory, shard_bytes)
    for name, tensor in synthetic_tensors(
        full_config, quant, seed=seed, std=std, overrides=overrides
    ):
        writer.add(name, tensor)
    writer.close()
    return directory


def _text_only_rows(config: Mapping[str, Any], text_ids: int, std: float = 0.02) -> torch.Tensor:
    """A random lm_head whose rows past the first `text_ids` are zero."""
    generator = torch.Generator().manual_seed(1)
    weight = torch.randn(config["vocab_size"], config["hidden_size"], generator=generator) * std
    weight[text_ids:] = 0
    return weight


def main(argv: list[str] | None = None) -> None:
    """Command line: write a tiny (default) or full-size (`--full`) GPTQ checkpoint."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--full", action="store_true", help="Qwen3-30B-A3B shape (~17 GB)")
    parser.add_argument("--shard-gib", type=float, default=4.0)
    args = parser.parse_args(argv)
    config = QWEN3_30B_A3B if args.full else tiny_config()
    quant = PUBLISHED_GPTQ if args.full else QuantSpec(group_size=32)
    write_checkpoint(
        args.directory,
        config,
        quant,
        shard_bytes=int(args.shard_gib * 2**30),
        text_only_lm_head=args.full,
    )
    print(f"wrote {args.directory}")


if __name__ == "__main__":
    main()

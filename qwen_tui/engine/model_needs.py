"""What a model needs to run, read from its files without loading it (and without torch):
its weights' size on disk, whether they are int4, and its KV cache at full context.

`qwen-chat doctor` judges the machine against these; the loader checks the same limits
again with the exact figures (`devices.check_fits`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qwen_tui.config import DEFAULT_MODEL
from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind
from qwen_tui.engine.gptq.quant_config import read_quant_config

MODEL_TYPES = ("qwen3", "qwen3_moe")
GIB = 2**30
# The reference int4 path dequantizes every weight at every step: beyond this it is unusable.
CPU_INT4_LIMIT_BYTES = 4 * GIB
KV_BYTES = 2  # bfloat16 keys and values


@dataclass(frozen=True)
class ModelNeeds:
    """A model's weight bytes, whether they are int4, and its KV cache bytes per token."""

    quantized: bool
    weight_bytes: int
    kv_bytes_per_token: int
    context: int

    @property
    def gpu_bytes(self) -> int:
        """GPU memory for the weights, a full-context KV cache and working space."""
        working = max(GIB, self.weight_bytes // 10)
        return self.weight_bytes + self.kv_bytes_per_token * self.context + working

    @property
    def cpu_bytes(self) -> int:
        """Memory for the weights on the CPU, where 16-bit weights run as float32."""
        return self.weight_bytes * (1 if self.quantized else 2)

    @property
    def needs_gpu(self) -> bool:
        """True for int4 weights too large for the CPU's reference path."""
        return self.quantized and self.weight_bytes > CPU_INT4_LIMIT_BYTES

    def describe(self) -> str:
        kind = "int4" if self.quantized else "16-bit"
        where = "needs a GPU" if self.needs_gpu else "small enough for the CPU"
        return (
            f"{kind}, {self.weight_bytes / GIB:.1f} GiB of weights, {self.context:,}-token "
            f"context: about {self.gpu_bytes / GIB:.0f} GiB of GPU memory; {where}"
        )


# The published checkpoint's figures, for a machine that has not downloaded it yet.
KNOWN_NEEDS = {
    DEFAULT_MODEL: ModelNeeds(
        quantized=True, weight_bytes=int(16.5 * GIB), kv_bytes_per_token=98_304, context=40_960
    )
}


def read_needs(model_dir: Path) -> ModelNeeds:
    """The needs of the checkpoint in `model_dir`; EngineFailure (one line) if its files
    show it cannot load: not a Qwen3 model, no safetensors weights, or an unsupported
    quantization."""
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    model_type = config.get("model_type")
    if model_type not in MODEL_TYPES:
        raise EngineFailure(
            f"{model_dir} holds a {model_type or 'unknown'} model; qwen-chat runs Qwen3 and "
            "Qwen3-MoE models (model_type qwen3 or qwen3_moe)",
            ErrorKind.BAD_REQUEST,
        )
    weights = sorted(model_dir.glob("*.safetensors"))
    if not weights:
        raise EngineFailure(
            f"{model_dir} has no .safetensors weights; qwen-chat loads safetensors checkpoints"
        )
    try:
        quantized = read_quant_config(model_dir, config) is not None
    except (OSError, ValueError) as exc:  # quantize_config.json unreadable
        raise EngineFailure(f"{model_dir}: quantize_config.json is not readable ({exc})") from exc
    heads = _positive(config, "num_attention_heads")
    kv_heads = _positive(config, "num_key_value_heads") or heads
    head_dim = _positive(config, "head_dim") or (
        _positive(config, "hidden_size") // heads if heads else 0
    )
    layers = _positive(config, "num_hidden_layers")
    return ModelNeeds(
        quantized=quantized,
        weight_bytes=sum(path.stat().st_size for path in weights),
        kv_bytes_per_token=2 * layers * kv_heads * head_dim * KV_BYTES,  # keys and values
        context=_positive(config, "max_position_embeddings"),
    )


def _positive(config: dict[str, Any], key: str) -> int:
    value = config.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0

"""What the project's own module tree and the fast runner read of config.json, under
transformers' attribute names, without importing transformers' configuration classes.

Importing `Qwen3MoeConfig` runs transformers' `auto_docstring` decorator, which imports the
auto-model tables, and with transformers 5.17 those import its generation code and through
it torch._dynamo, torch.distributed's fsdp and scikit-learn: seconds of a warm start on the
H200 (`benchmarks/import_origins.py`). The shape is read from the file; a key the file
leaves out takes the default of transformers' class for the model type, which is then
imported, and a scaled RoPE (YaRN) keeps transformers' config for its frequencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from transformers import PretrainedConfig

from qwen_tui.engine.model_config import transformers_config

_MOE_ONLY = frozenset(
    {
        "num_experts",
        "num_experts_per_tok",
        "moe_intermediate_size",
        "norm_topk_prob",
        "decoder_sparse_step",
        "mlp_only_layers",
    }
)

_NONE_BY_DEFAULT = frozenset({"pad_token_id"})
"""Keys the published config.json leaves out, whose default in transformers is None."""


@dataclass(frozen=True)
class ModelShape:
    """A Qwen3 / Qwen3-MoE config as the runner's tree reads it (transformers' names)."""

    model_type: str
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int | None
    rms_norm_eps: float
    attention_bias: bool
    hidden_act: str
    max_position_embeddings: int
    tie_word_embeddings: bool
    pad_token_id: int | None
    rope_parameters: Mapping[str, Any]
    """`rope_type` and `rope_theta`, and a scaled RoPE's own parameters."""
    num_experts: int = 0
    num_experts_per_tok: int = 0
    moe_intermediate_size: int = 0
    norm_topk_prob: bool = False
    decoder_sparse_step: int = 1
    mlp_only_layers: tuple[int, ...] = ()
    scaled_rope: PretrainedConfig | None = field(default=None, compare=False, repr=False)
    """transformers' config, kept where the RoPE is scaled: its frequencies come from
    transformers' functions, which take one."""

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], yarn_factor: float | None) -> ModelShape:
        """The shape of config.json's `raw` values (`--yarn-factor` applied)."""
        values = dict(raw)
        moe = raw["model_type"] == "qwen3_moe"
        if "num_local_experts" in values and "num_experts" not in values:
            values["num_experts"] = values["num_local_experts"]
        wanted = [f.name for f in fields(cls) if f.name not in ("rope_parameters", "scaled_rope")]
        wanted = [name for name in wanted if moe or name not in _MOE_ONLY]
        scaled = yarn_factor is not None or _rope_type(raw) != "default"
        for name in _NONE_BY_DEFAULT:
            values.setdefault(name, None)
        missing = [name for name in wanted if name not in values]
        reference = transformers_config(dict(raw), yarn_factor) if missing or scaled else None
        for name in missing:
            values[name] = getattr(reference, name, None)
        if reference is not None and scaled:
            values["max_position_embeddings"] = reference.max_position_embeddings
            rope = dict(reference.rope_parameters)
        else:
            rope = {"rope_type": "default", "rope_theta": float(_rope_theta(raw, reference))}
        kept = {name: values[name] for name in wanted}
        kept["mlp_only_layers"] = tuple(kept.get("mlp_only_layers") or ())
        return cls(rope_parameters=rope, scaled_rope=reference if scaled else None, **kept)


def _rope_type(raw: Mapping[str, Any]) -> str:
    """The RoPE type config.json names, in transformers 5's form or 4's."""
    for key in ("rope_parameters", "rope_scaling"):
        entry = raw.get(key)
        if isinstance(entry, Mapping):
            kind = entry.get("rope_type", entry.get("type", "default"))
            return str(kind)
    return "default"


def _rope_theta(raw: Mapping[str, Any], reference: PretrainedConfig | None) -> float:
    parameters = raw.get("rope_parameters")
    if isinstance(parameters, Mapping) and "rope_theta" in parameters:
        return float(parameters["rope_theta"])
    if "rope_theta" in raw:
        return float(raw["rope_theta"])
    reference = reference or transformers_config(dict(raw), None)
    return float(reference.rope_parameters["rope_theta"])

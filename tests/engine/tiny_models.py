"""Tiny checkpoints for the engine tests, and stock transformers models to compare with.

Every variant is written by `qwen_tui.engine.synthetic.checkpoint` in the published GPTQ layout; the
reference for a quantized one is stock transformers loading a copy whose int4 tensors were
dequantized into plain float32 weights (no project module involved in that forward).
"""

from __future__ import annotations

import json
import queue
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.events import EngineError, EngineReady, GenerationFinished
from qwen_tui.engine.gptq.format import PackedInt4, dequantize
from qwen_tui.engine.local import LocalEngine
from qwen_tui.engine.spec import ModelSpec
from qwen_tui.engine.synthetic.checkpoint import QuantSpec, tiny_config, write_checkpoint
from qwen_tui.engine.synthetic.tokenizer import build_tokenizer

GREEDY = SamplingParams(temperature=0, top_p=1, top_k=0, min_p=0, presence_penalty=0)
STD = 0.08  # larger than a real init, so greedy choices are far from ties

VARIANTS: dict[str, tuple[dict, QuantSpec | None, int]] = {
    # name: (config, quantization, shard size in bytes)
    "moe_sym_g32": (tiny_config(), QuantSpec(group_size=32), 150_000),
    "moe_asym_desc_g64_qrouter": (
        tiny_config(),
        QuantSpec(group_size=64, sym=False, desc_act=True, quantize_router=True),
        2**30,
    ),
    "moe_sym_desc_g128": (tiny_config(), QuantSpec(group_size=128, desc_act=True), 2**30),
    "dense_asym_g128": (tiny_config(moe=False), QuantSpec(group_size=128, sym=False), 100_000),
    "dense_sym_gall_desc": (tiny_config(moe=False), QuantSpec(group_size=-1, desc_act=True), 2**30),
    "dense_plain_tied": (tiny_config(moe=False, tie_word_embeddings=True), None, 2**30),
    "moe_plain": (tiny_config(), None, 2**30),
}


def build_variants(root: Path) -> dict[str, Path]:
    paths = {}
    for seed, (name, (config, quant, shard_bytes)) in enumerate(VARIANTS.items()):
        paths[name] = write_checkpoint(
            root / name, config, quant, seed=seed, std=STD, shard_bytes=shard_bytes
        )
    return paths


def dequantized_copy(src: Path, dst: Path) -> Path:
    """A plain float32 checkpoint with the same weights, for stock transformers."""
    dst.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    for file in sorted(src.glob("*.safetensors")):
        tensors.update(load_file(file))
    plain = {}
    for name, tensor in tensors.items():
        if name.endswith(".qweight"):
            prefix = name.removesuffix(".qweight")
            parts = [tensors[f"{prefix}.{p}"] for p in ("qzeros", "scales", "g_idx")]
            plain[f"{prefix}.weight"] = dequantize(PackedInt4(tensor, *parts)).t().contiguous()
        elif not name.endswith((".qzeros", ".scales", ".g_idx")):
            plain[name] = tensor.float()
    save_file(plain, str(dst / "model.safetensors"))
    config = json.loads((src / "config.json").read_text())
    config.pop("quantization_config", None)
    (dst / "config.json").write_text(json.dumps(config))
    return dst


def stock_model(path: Path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()


def chain_checkpoint(directory: Path, chain: Sequence[int], *, cyclic: bool = False, **config):
    """A dense model that, whatever the prompt, writes `chain` (unique ids) and then stops
    (the last id should be an eos id) or, with `cyclic`, starts over forever.

    Attention and MLP outputs are zero, so the residual stream is the embedding: every
    token outside the chain embeds as direction 0, which predicts chain[0]; chain[i] embeds
    as direction i + 1, which predicts chain[i + 1].
    """
    assert len(set(chain)) == len(chain), "chain ids must be unique"
    cfg = tiny_config(moe=False, **config)
    hidden, vocab = cfg["hidden_size"], cfg["vocab_size"]
    embed = torch.zeros(vocab, hidden)
    embed[:, 0] = 1.0
    lm_head = torch.zeros(vocab, hidden)
    lm_head[chain[0], 0] = 10.0
    for i, token in enumerate(chain):
        embed[token] = 0.0
        embed[token, 0 if cyclic and i == len(chain) - 1 else i + 1] = 1.0
        if i + 1 < len(chain):
            lm_head[chain[i + 1], i + 1] = 10.0
    overrides = {
        "model.embed_tokens.weight": embed,
        "lm_head.weight": lm_head,
        "model.norm.weight": torch.ones(hidden),
    }
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}"
        overrides[f"{p}.self_attn.o_proj.weight"] = torch.zeros(hidden, hidden)
        overrides[f"{p}.mlp.down_proj.weight"] = torch.zeros(hidden, cfg["intermediate_size"])
    return write_checkpoint(directory, cfg, overrides=overrides)


def token_ids(text: str) -> list[int]:
    """Ids of `text` in the synthetic tokenizer (the one every tiny checkpoint carries)."""
    return build_tokenizer().encode(text).ids


def special_id(token: str) -> int:
    return build_tokenizer().token_to_id(token)


class EngineRun:
    """A LocalEngine on a tiny checkpoint whose events land in a queue."""

    def __init__(self, model_dir: Path, **settings) -> None:
        options = {"device": "cpu", "dtype": "float32"} | settings
        self.engine = LocalEngine(ModelSpec(model=str(model_dir), **options), seed=0)
        self.events: queue.Queue = queue.Queue()
        self.engine.start(self.events.put)

    def wait_ready(self, timeout: float = 60) -> EngineReady | EngineError:
        while True:
            event = self.events.get(timeout=timeout)
            if isinstance(event, EngineReady | EngineError):
                return event

    def ask(
        self,
        text: str,
        *,
        thinking: bool = False,
        sampling: SamplingParams = GREEDY,
        max_new_tokens: int = 16,
        request_id: int = 1,
    ) -> GenerationRequest:
        request = GenerationRequest(
            ({"role": "user", "content": text},), thinking, sampling, max_new_tokens, request_id
        )
        self.engine.submit(request)
        return request

    def until_finished(self, timeout: float = 60) -> list:
        """Events up to and including the next GenerationFinished."""
        seen = []
        while True:
            event = self.events.get(timeout=timeout)
            seen.append(event)
            if isinstance(event, GenerationFinished):
                return seen

    def close(self) -> None:
        self.engine.close()

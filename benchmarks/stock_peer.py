"""The peer: stock transformers on the same weights, dequantized to bf16.

Each of the project's int4 modules in a loaded model is swapped, layer by layer, for the
stock transformers module holding its dequantized weights (so both never sit in memory at
once). Prefill uses the "grouped_mm" experts (batched_mm would gather a weight copy per token
and pair); decode uses `generate` with "batched_mm", the fastest stock setting measured.
"""

from __future__ import annotations

import gc
import time

import torch
from torch import nn
from transformers import DynamicCache
from transformers.models.qwen3_moe.modeling_qwen3_moe import Qwen3MoeExperts, Qwen3MoeTopKRouter

from qwen_tui.engine.gptq.format import dequantize
from qwen_tui.engine.gptq.modules import QuantExperts, QuantLinear, QuantRouter


def to_stock(model: nn.Module) -> nn.Module:
    """Replace every int4 module of `model` in place by its stock bf16 equivalent."""
    config = model.config
    for name, module in list(model.named_modules()):
        if isinstance(module, QuantRouter):
            stock = Qwen3MoeTopKRouter(config)
            stock.weight = nn.Parameter(_dense(module.packed()))
        elif isinstance(module, QuantLinear):
            stock = nn.Linear(module.in_features, module.out_features, bias=module.bias is not None)
            stock.weight = nn.Parameter(_dense(module.packed()))
            if module.bias is not None:
                stock.bias = nn.Parameter(module.bias.to(torch.bfloat16))
        elif isinstance(module, QuantExperts):
            stock = Qwen3MoeExperts(config)
            gate = _dense_stack(module.gate_proj)
            up = _dense_stack(module.up_proj)
            stock.gate_up_proj = nn.Parameter(torch.cat([gate, up], dim=1))
            stock.down_proj = nn.Parameter(_dense_stack(module.down_proj))
        else:
            continue
        parent, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent), child, stock.to(torch.bfloat16))
        del module
        gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return model


def _dense(packed) -> torch.Tensor:
    return dequantize(packed, torch.float32).t().contiguous().to(torch.bfloat16)


def _dense_stack(stacked) -> torch.Tensor:
    """[E, N, K] bf16 (nn.Linear layout) from an int4 stack [E, K/8, N], one expert at a time."""
    return torch.stack([_dense(stacked.packed(e)) for e in range(stacked.qweight.shape[0])])


def _prefill(model, prompt: list[int]) -> tuple[DynamicCache, torch.Tensor, float]:
    model.config._experts_implementation = "grouped_mm"
    ids = torch.tensor([prompt], device=model.device)
    cache = DynamicCache(config=model.config)
    _sync()
    start = time.perf_counter()
    with torch.inference_mode():
        logits = model(input_ids=ids, past_key_values=cache, logits_to_keep=1).logits
        first = logits[0, -1].argmax().item()  # the first token reaches the host
    elapsed = time.perf_counter() - start
    # generate() runs the ids the cache does not hold: the prompt plus the first token.
    return cache, torch.cat([ids, torch.tensor([[first]], device=ids.device)], dim=1), elapsed


def _decode_rate(model, prompt: list[int], tokens: int) -> float:
    cache, ids, _ = _prefill(model, prompt)
    model.config._experts_implementation = "batched_mm"
    stamps: list[float] = []

    class Stamp:  # a streamer: generate calls put() once per new token
        def put(self, value):
            stamps.append(time.perf_counter())

        def end(self):
            pass

    with torch.inference_mode():
        model.generate(
            ids,
            past_key_values=cache,
            max_new_tokens=tokens,
            min_new_tokens=tokens,
            do_sample=True,
            temperature=0.6,
            top_p=0.95,
            top_k=20,
            streamer=Stamp(),
            pad_token_id=0,
        )
    stamps = stamps[1:]  # the first put() is the prompt
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def measure_stock(loaded, prompts, contexts, tokens: int = 24) -> dict:
    model = to_stock(loaded.model)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    vocab = model.config.vocab_size
    gen = torch.Generator().manual_seed(0)
    report = {"experts": "grouped_mm prefill, batched_mm decode"}
    _prefill(model, torch.randint(0, vocab, (256,), generator=gen).tolist())  # warm-up
    for n in prompts:
        prompt = torch.randint(0, vocab, (n,), generator=gen).tolist()
        report[f"ttft_s_{n}"] = round(_prefill(model, prompt)[2], 4)
    for ctx in contexts:
        prompt = torch.randint(0, vocab, (ctx,), generator=gen).tolist()
        report[f"decode_tok_s_{ctx}"] = round(_decode_rate(model, prompt, tokens), 2)
    if torch.cuda.is_available():
        report["peak_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    return report


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()

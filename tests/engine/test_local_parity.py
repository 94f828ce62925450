"""The loaded model computes what stock transformers computes on the same weights.

Each tiny checkpoint (MoE and dense; sym and asym; desc_act on and off; group sizes 32, 64,
128 and -1; router quantized and plain; sharded and single-file; unquantized) is loaded by
the project's loader and compared, in float32, with stock transformers holding the
dequantized weights: logits to 1e-4 and identical greedy continuations.
"""

from __future__ import annotations

import threading

import pytest
import torch

from qwen_tui.engine.generation import decode, transformers_tokens
from qwen_tui.engine.gptq.modules import QuantExperts, QuantLinear, QuantRouter
from qwen_tui.engine.loading import load_model
from qwen_tui.engine.sampler import Sampler
from tests.engine.tiny_models import GREEDY, VARIANTS

NAMES = list(VARIANTS)


@pytest.mark.parametrize("name", NAMES)
def test_int4_layers_load_into_the_project_modules(name, loaded):
    model = loaded(name).model
    config, quant, _ = VARIANTS[name]
    layer = model.model.layers[0]
    assert isinstance(layer.self_attn.q_proj, QuantLinear) == (quant is not None)
    assert loaded(name).quantized == (quant is not None)
    if config["model_type"] == "qwen3_moe":
        assert isinstance(layer.mlp.experts, QuantExperts) == (quant is not None)
        router_quantized = quant is not None and quant.quantize_router
        assert isinstance(layer.mlp.gate, QuantRouter) == router_quantized
        if quant is not None:
            assert layer.mlp.experts.gate_proj.qweight.shape[0] == config["num_experts"]
    else:
        assert isinstance(layer.mlp.down_proj, QuantLinear) == (quant is not None)


@pytest.mark.parametrize("name", NAMES)
def test_logits_match_stock_transformers_on_dequantized_weights(name, loaded, reference):
    ids = torch.randint(0, 400, (2, 24), generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        ours = loaded(name).model(input_ids=ids).logits
        theirs = reference(name)(input_ids=ids).logits
    assert ours.shape == theirs.shape
    assert ours.std() > 0.05  # real signal, not a model of zeros
    torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=0)


@pytest.mark.parametrize("name", NAMES)
def test_greedy_continuation_matches_stock_generate(name, loaded, reference):
    model = loaded(name)
    prompt = model.tokenizer.render(
        [{"role": "user", "content": "Hello, how are you?"}], enable_thinking=False
    ).ids
    result = decode(
        transformers_tokens(
            model.model, prompt, Sampler(GREEDY, model.model.config.vocab_size, model.device)
        ),
        len(prompt),
        max_new_tokens=20,
        stop_ids=model.stop_ids,
        cancelled=threading.Event(),
        on_tokens=lambda tokens: None,
    )
    with torch.inference_mode():
        stock = reference(name).generate(
            torch.tensor([prompt]),
            do_sample=False,
            max_new_tokens=20,
            eos_token_id=sorted(model.stop_ids),
            pad_token_id=sorted(model.stop_ids)[0],
        )
    assert list(result.token_ids) == stock[0, len(prompt) :].tolist()
    assert len(result.token_ids) > 1


def test_bfloat16_loads_and_stays_close_to_float32(tiny, loaded):
    bf16 = load_model(str(tiny["moe_sym_g32"]), device="cpu", dtype="bfloat16")
    assert bf16.model.model.embed_tokens.weight.dtype == torch.bfloat16
    assert bf16.model.model.layers[0].self_attn.q_proj.scales.dtype == torch.float16
    ids = torch.randint(0, 400, (1, 16), generator=torch.Generator().manual_seed(4))
    with torch.inference_mode():
        low = bf16.model(input_ids=ids).logits.float()
        full = loaded("moe_sym_g32").model(input_ids=ids).logits
    assert (low - full).abs().max() < 0.1 * full.abs().max()

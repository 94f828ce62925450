"""The fast runner (static cache, fused kernels) generates what stock transformers does.

On the CPU it runs twice per checkpoint: on its torch reference ops, and on the Triton kernels
in Triton's interpreter (the exact code the GPU runs, in float32). Checkpoints whose experts
reorder their groups (desc_act) take the reference ops only, as they do on the GPU.
"""

from __future__ import annotations

import threading

import pytest
import torch

from qwen_tui.engine.kernels import decode_attention, merged_o_gemv, moe_route, residual_input
from qwen_tui.engine.loading import load_model
from qwen_tui.engine.runner import fast_step, sampler
from qwen_tui.engine.runner.extract import weights_from_model
from qwen_tui.engine.runner.generate import Runner
from qwen_tui.engine.runner.step_weights import graph_blockers
from tests.engine.tiny_models import GREEDY, VARIANTS

NAMES = list(VARIANTS)
KERNEL_NAMES = ["moe_sym_g32", "dense_asym_g128", "dense_plain_tied", "moe_plain"]


def prompt_ids(model) -> list[int]:
    messages = [{"role": "user", "content": "Tell me about the sea."}]
    return list(model.tokenizer.render(messages, enable_thinking=True).ids)


def stock_greedy(reference, name: str, prompt: list[int], n: int) -> list[int]:
    with torch.inference_mode():
        out = reference(name).generate(
            torch.tensor([prompt]),
            do_sample=False,
            max_new_tokens=n,
            min_new_tokens=n,
            pad_token_id=0,
        )
    return out[0, len(prompt) :].tolist()


@pytest.mark.parametrize("name", NAMES)
def test_reference_path_greedy_matches_stock_transformers(name, loaded, reference):
    model = loaded(name)
    prompt = prompt_ids(model)
    runner = Runner(weights_from_model(model.model), 256, use_triton=False, use_graph=False)
    ours = list(runner.generate(prompt, GREEDY, 16, stop_ids=set()))
    assert ours == stock_greedy(reference, name, prompt, 16)


@pytest.mark.parametrize(
    ("name", "fused", "norm_in_qkv", "merge_in_o"),
    [(name, False, False, False) for name in KERNEL_NAMES]
    + [(name, True, False, False) for name in ("moe_sym_g32",)]
    + [("moe_sym_g32", True, False, True), ("moe_sym_g32", True, True, True)],
)
def test_kernel_path_greedy_and_logits_match_stock_transformers(
    name, fused, norm_in_qkv, merge_in_o, loaded, reference, monkeypatch
):
    # fused: q/k norm, rope and the cache write inside the decode attention, the norm
    # before the router inside the router's launch, and the sampling after top-k in one
    # launch (the variants runner_speed --variants measures); norm_in_qkv: each layer's
    # input norm inside its q|k|v GEMV and the attention after it; merge_in_o: the
    # attention's merge inside the o projection's GEMV
    monkeypatch.setattr(decode_attention, "FUSE_QK", fused)
    monkeypatch.setattr(moe_route, "FUSE_NORM", fused)
    monkeypatch.setattr(sampler, "FUSED", fused)
    monkeypatch.setattr(residual_input, "NORM_INPUT", norm_in_qkv)
    monkeypatch.setattr(merged_o_gemv, "FOLD_MERGE", merge_in_o)
    norm, fold = fast_step.add_rmsnorm, fast_step.merged_o_gemv_into
    model = loaded(name)
    prompt = prompt_ids(model)
    weights = weights_from_model(model.model)
    runner = Runner(weights, 256, use_triton=True, use_graph=False)
    ours = list(runner.generate(prompt, GREEDY, 8, stop_ids=set()))
    assert ours == stock_greedy(reference, name, prompt, 8)
    # The last decode step's logits, against a full forward over the same tokens.
    sequence = torch.tensor([prompt + ours[:-1]])
    with torch.inference_mode():
        expected = reference(name)(input_ids=sequence).logits[0, -1]
        runner.pos.fill_(len(prompt) + len(ours) - 2)
        runner.token.fill_(ours[-2])
        norms, merges = [], []
        monkeypatch.setattr(
            fast_step, "add_rmsnorm", lambda *a, **k: norms.append(a) or norm(*a, **k)
        )
        monkeypatch.setattr(
            fast_step, "merged_o_gemv_into", lambda *a: merges.append(a) or fold(*a)
        )
        got = runner.decoder.decode_step(runner.token, runner.pos)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=0)
    if fused:  # the norms left as launches of their own: the final one alone, or one a layer
        assert len(norms) == (1 if norm_in_qkv else 1 + len(weights.layers))
        assert len(merges) == (len(weights.layers) if merge_in_o else 0)


def test_desc_act_experts_are_named_as_blocking_the_graph(loaded):
    desc = weights_from_model(loaded("moe_asym_desc_g64_qrouter").model)
    plain = weights_from_model(loaded("moe_sym_g32").model)
    assert graph_blockers(desc) and not graph_blockers(plain)


def test_generation_stops_at_a_stop_id_at_the_limit_and_on_cancel(loaded):
    model = loaded("moe_sym_g32")
    prompt = prompt_ids(model)
    runner = Runner(weights_from_model(model.model), 256, use_triton=False, use_graph=False)
    free = list(runner.generate(prompt, GREEDY, 10, stop_ids=set()))
    assert len(free) == 10
    stopped = list(runner.generate(prompt, GREEDY, 10, stop_ids={free[3]}))
    assert stopped == free[: free.index(free[3]) + 1]
    cancel = threading.Event()
    produced = []
    for token in runner.generate(prompt, GREEDY, 10, stop_ids=set(), cancelled=cancel):
        produced.append(token)
        cancel.set()
    assert produced == free[:1]


def test_generation_never_runs_past_the_cache(loaded):
    model = loaded("dense_plain_tied")
    prompt = prompt_ids(model)
    runner = Runner(
        weights_from_model(model.model), len(prompt) + 5, use_triton=False, use_graph=False
    )
    assert len(list(runner.generate(prompt, GREEDY, 100, stop_ids=set()))) == 5


def test_a_cancel_during_a_long_prompt_stops_between_prefill_chunks(loaded, monkeypatch):
    from qwen_tui.engine.runner import decoder as decoder_module

    model = loaded("dense_plain_tied")
    runner = Runner(weights_from_model(model.model), 256, use_triton=False, use_graph=False)
    monkeypatch.setattr(decoder_module, "PREFILL_CHUNK", 8)
    cancel = threading.Event()
    chunks_run = []
    run_chunk = runner.decoder._prefill_chunk

    def chunk_then_cancel(ids, start):
        chunks_run.append(start)
        cancel.set()  # Esc pressed while the first chunk runs
        return run_chunk(ids, start)

    monkeypatch.setattr(runner.decoder, "_prefill_chunk", chunk_then_cancel)
    prompt = list(range(30, 60))  # four chunks of 8
    assert list(runner.generate(prompt, GREEDY, 5, set(), cancel)) == []
    assert chunks_run == [0]


@pytest.mark.parametrize(("cancel", "reason"), [(True, "cancelled"), (False, "length")])
def test_a_source_that_stops_early_ends_the_reply_as_cancelled_or_full(cancel, reason):
    from qwen_tui.engine.generation import decode

    cancelled = threading.Event()

    def source():
        if cancel:
            cancelled.set()
        yield from ()

    result = decode(
        source(),
        3,
        max_new_tokens=10,
        stop_ids=frozenset(),
        cancelled=cancelled,
        on_tokens=lambda tokens: None,
    )
    assert result.reason.value == reason and result.token_ids == ()


def test_in_bf16_the_launch_saving_candidates_keep_the_default_paths_logits(tiny, monkeypatch):
    # The input norm inside the q|k|v GEMV meets x in fp32 where the separate norm rounds
    # it to bf16 (`residual_input.py`): the logits may differ by about that rounding only.
    model = load_model(str(tiny["moe_sym_g32"]), device="cpu", dtype="bfloat16")
    runner = Runner(weights_from_model(model.model), 128, use_triton=True, use_graph=False)
    prompt = prompt_ids(model)

    def next_logits() -> torch.Tensor:
        with torch.inference_mode():
            runner.decoder.prefill(torch.tensor(prompt), 0)
            runner.pos.fill_(len(prompt))
            runner.token.fill_(prompt[-1])
            return runner.decoder.decode_step(runner.token, runner.pos).float()

    default = next_logits()
    monkeypatch.setattr(residual_input, "NORM_INPUT", True)
    monkeypatch.setattr(merged_o_gemv, "FOLD_MERGE", True)
    candidates = next_logits()
    assert ((candidates - default).norm() / default.norm()).item() < 0.02
    assert candidates.argmax() == default.argmax()
    assert not torch.equal(candidates, default)  # the other path did run

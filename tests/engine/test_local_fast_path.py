"""LocalEngine on the fast runner: the same replies, stats and cancel as on transformers'
forward. On the CPU the runner's kernels run in Triton's interpreter (no graph)."""

from __future__ import annotations

import pytest

from qwen_tui.chat.parts import Part, TextDelta
from qwen_tui.engine import loading, local
from qwen_tui.engine.events import EngineReady, GenerationFinished
from qwen_tui.engine.fast_path import fast_path_blockers, kv_bytes_per_token
from qwen_tui.engine.gptq.runner_skeleton import RunnerCausalLM
from qwen_tui.engine.loading import load_model
from qwen_tui.engine.runner.extract import weights_from_model
from qwen_tui.engine.runner.generate import Runner
from tests.engine.tiny_models import EngineRun


def interpreter_runner(loaded, progress=None):
    return Runner(
        weights_from_model(loaded.model), loaded.context_limit, use_triton=True, use_graph=False
    )


def reply(model_dir, monkeypatch, fast: bool, own_tree: bool = False) -> GenerationFinished:
    if fast:
        monkeypatch.setattr(local, "fast_path_blockers", lambda loaded: [])
        monkeypatch.setattr(local, "build_runner", interpreter_runner)
    if own_tree:  # as on a GPU: the model is built on the project's own tree
        monkeypatch.setattr(loading, "runner_will_take", lambda *args: True)
    run = EngineRun(model_dir)
    try:
        assert isinstance(run.wait_ready(), EngineReady)
        assert (run.engine._runner is not None) == fast
        assert isinstance(run.engine._loaded.model, RunnerCausalLM) == own_tree
        run.ask("Tell me about the sea.", max_new_tokens=8)
        events = run.until_finished()
    finally:
        run.close()
        monkeypatch.undo()
    finished = events[-1]
    streamed = "".join(e.text for e in events if isinstance(e, TextDelta) and e.part is Part.ANSWER)
    assert streamed == finished.answer
    return finished


@pytest.mark.parametrize("own_tree", [False, True])
@pytest.mark.parametrize("name", ["moe_sym_g32", "dense_asym_g128"])
def test_the_fast_runner_gives_the_replies_of_transformers_forward(
    name, own_tree, tiny, monkeypatch
):
    slow = reply(tiny[name], monkeypatch, fast=False)
    fast = reply(tiny[name], monkeypatch, fast=True, own_tree=own_tree)
    assert fast.token_ids == slow.token_ids
    assert fast.answer == slow.answer
    assert fast.reason == slow.reason
    assert fast.stats.prompt_tokens == slow.stats.prompt_tokens
    assert fast.stats.generated_tokens == len(fast.token_ids)


def test_the_cpu_is_told_why_it_gets_no_fast_path(tiny):
    loaded = load_model(str(tiny["dense_plain_tied"]), device="cpu", dtype="float32")
    assert fast_path_blockers(loaded) == ["the fast path needs a CUDA GPU"]


def test_kv_cache_bytes_per_token_of_the_30b_shape():
    import torch

    from qwen_tui.engine.model_shape import ModelShape
    from qwen_tui.engine.synthetic.checkpoint import QWEN3_30B_A3B

    config = ModelShape.from_config(QWEN3_30B_A3B, None)
    assert kv_bytes_per_token(config, torch.bfloat16) == 98_304  # DESIGN.md's figure

"""Which module tree a load builds: the project's own where the fast runner will take the
model (judged before any weight is read), transformers' elsewhere, and transformers' again
when the runner turns the loaded weights down after all."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import PreTrainedModel

from qwen_tui.engine import fast_path, loading
from qwen_tui.engine.events import EngineReady
from qwen_tui.engine.fast_path import runner_will_take, weight_blockers
from qwen_tui.engine.gptq.quant_config import read_quant_config
from qwen_tui.engine.gptq.runner_skeleton import RunnerCausalLM
from qwen_tui.engine.gptq.shards import tensor_names
from qwen_tui.engine.loading import load_model, read_config
from qwen_tui.engine.model_shape import ModelShape
from qwen_tui.engine.synthetic.checkpoint import QuantSpec, tiny_config, write_checkpoint
from tests.engine.tiny_models import STD, VARIANTS, EngineRun

GPU = torch.device("cuda")
TAKEN = ["moe_sym_g32", "dense_asym_g128", "dense_sym_gall_desc", "dense_plain_tied"]
# MoE experts with desc_act or in 16 bits decode on transformers' forward
TURNED_DOWN = ["moe_asym_desc_g64_qrouter", "moe_sym_desc_g128", "moe_plain"]


def judged(model_dir, device=GPU, yarn_factor=None, **config_changes) -> bool:
    raw = read_config(model_dir) | config_changes
    config = ModelShape.from_config(raw, yarn_factor)
    gptq = read_quant_config(model_dir, raw)
    return runner_will_take(device, config, gptq, tensor_names(model_dir))


def test_the_runner_takes_what_its_kernels_run_on_a_gpu_with_triton(tiny):
    assert sorted(TAKEN + TURNED_DOWN) == sorted(VARIANTS)
    assert [name for name in VARIANTS if judged(tiny[name])] == [
        name for name in VARIANTS if name in TAKEN
    ]


@pytest.mark.parametrize("name", list(VARIANTS))
def test_the_judgement_before_the_load_is_the_runners_after_it(name, tiny, loaded):
    taken_after_the_load = not weight_blockers(loaded(name).model)
    if name == "moe_sym_desc_g128":  # desc_act, but one group per row: in order after all
        assert taken_after_the_load and not judged(tiny[name])  # the safe side: slow start
    else:
        assert judged(tiny[name]) == taken_after_the_load


def test_the_runner_takes_nothing_on_the_cpu_or_without_triton(tiny, monkeypatch):
    assert not judged(tiny["moe_sym_g32"], device=torch.device("cpu"))
    monkeypatch.setattr(fast_path, "available", lambda device_type="cuda": False)
    assert not judged(tiny["moe_sym_g32"])


def test_yarn_is_taken_and_a_rope_that_changes_with_length_is_not(tiny):
    assert judged(tiny["moe_sym_g32"], yarn_factor=4.0)
    dynamic = {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1e6}
    assert not judged(tiny["moe_sym_g32"], rope_parameters=dynamic)


def test_the_cpu_loads_transformers_model(loaded):
    assert isinstance(loaded("moe_sym_g32").model, PreTrainedModel)


def unsorted_groups_checkpoint(directory):
    """A MoE checkpoint that reorders its groups (desc_act) but whose config says it does
    not: the loader only learns from the loaded g_idx that the runner will not take it."""
    path = write_checkpoint(
        directory, tiny_config(), QuantSpec(group_size=32, desc_act=True), seed=3, std=STD
    )
    config = json.loads((path / "config.json").read_text())
    config["quantization_config"]["desc_act"] = False
    (path / "config.json").write_text(json.dumps(config))
    return path


def test_weights_the_runner_turns_down_are_loaded_again_into_transformers_model(
    tmp_path, monkeypatch
):
    path = unsorted_groups_checkpoint(tmp_path / "unsorted")
    monkeypatch.setattr(loading, "runner_will_take", lambda *args: True)  # as on a GPU
    events = []
    fallen_back = load_model(str(path), device="cpu", dtype="float32", progress=events.append)
    assert isinstance(fallen_back.model, PreTrainedModel)
    [again] = [e for e in events if e.message.startswith("loading again")]
    assert "experts without the fused kernel" in again.message
    forced = load_model(str(path), device="cpu", dtype="float32", for_runner=True)
    assert isinstance(forced.model, RunnerCausalLM)  # forced: no second opinion


def test_the_engine_replies_when_the_runner_turns_the_weights_down(tmp_path, monkeypatch):
    path = unsorted_groups_checkpoint(tmp_path / "unsorted")
    expected = _reply_tokens(path)
    monkeypatch.setattr(loading, "runner_will_take", lambda *args: True)
    assert _reply_tokens(path) == expected


def _reply_tokens(path) -> tuple[int, ...]:
    run = EngineRun(path)
    try:
        assert isinstance(run.wait_ready(), EngineReady)
        run.ask("Tell me about the sea.", max_new_tokens=6)
        finished = run.until_finished()[-1]
    finally:
        run.close()
    assert len(finished.token_ids) == 6
    return tuple(finished.token_ids)

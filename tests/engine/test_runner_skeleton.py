"""The project's own module tree for the fast runner: the tensors of transformers' model
and the replies of transformers' forward, with rotary tables of its own."""

from __future__ import annotations

import itertools
import sys

import pytest
import torch
from transformers import PreTrainedModel
from transformers.models.qwen3_moe.modeling_qwen3_moe import Qwen3MoeRotaryEmbedding

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.gptq.rotary import RotaryEmbedding
from qwen_tui.engine.gptq.runner_skeleton import RunnerCausalLM
from qwen_tui.engine.loading import load_model
from qwen_tui.engine.model_config import transformers_config
from qwen_tui.engine.model_shape import ModelShape
from qwen_tui.engine.runner.extract import weights_from_model
from qwen_tui.engine.runner.generate import Runner
from qwen_tui.engine.sampler import Sampler
from qwen_tui.engine.synthetic.checkpoint import tiny_config
from tests.engine.tiny_models import GREEDY, VARIANTS

NAMES = list(VARIANTS)


@pytest.fixture(scope="module")
def for_runner(tiny):
    """Variant name -> LoadedModel on the project's own tree (CPU, float32)."""
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            cache[name] = load_model(
                str(tiny[name]), device="cpu", dtype="float32", for_runner=True
            )
        return cache[name]

    return get


def tensor_table(model: torch.nn.Module) -> list[tuple[str, tuple[int, ...], torch.dtype]]:
    """Every parameter and buffer, shared ones under each name, in module order."""
    tensors = itertools.chain(
        model.named_parameters(remove_duplicate=False), model.named_buffers(remove_duplicate=False)
    )
    return [(name, tuple(t.shape), t.dtype) for name, t in tensors]


@pytest.mark.parametrize("name", NAMES)
def test_the_own_tree_holds_the_tensors_of_transformers_model(name, loaded, for_runner):
    ours, theirs = for_runner(name).model, loaded(name).model
    assert isinstance(ours, RunnerCausalLM) and isinstance(theirs, PreTrainedModel)
    assert tensor_table(ours) == tensor_table(theirs)
    tied = VARIANTS[name][0]["tie_word_embeddings"]
    assert (ours.lm_head.weight is ours.model.embed_tokens.weight) == tied
    for (key, mine), (_, stock) in zip(
        ours.state_dict().items(), theirs.state_dict().items(), strict=True
    ):
        assert torch.equal(mine, stock), key  # filled from the checkpoint alike


@pytest.mark.parametrize("name", NAMES)
def test_the_runner_on_the_own_tree_writes_what_transformers_forward_does(name, loaded, for_runner):
    from qwen_tui.engine.generation import transformers_tokens

    model = for_runner(name)
    prompt = list(model.tokenizer.render([{"role": "user", "content": "Hi"}], True).ids)
    runner = Runner(weights_from_model(model.model), 256, use_triton=False, use_graph=False)
    ours = list(runner.generate(prompt, GREEDY, 12, stop_ids=set()))
    reference = loaded(name)
    sampler = Sampler(GREEDY, reference.model.config.vocab_size, reference.device)
    blocks = transformers_tokens(reference.model, prompt, sampler)
    assert ours == [block[0] for block in itertools.islice(blocks, 12)]


def test_the_own_tree_has_no_forward_and_says_so(for_runner):
    model = for_runner("dense_plain_tied").model
    with pytest.raises(EngineFailure, match="no forward of its own"):
        model(input_ids=torch.tensor([[1, 2]]))


@pytest.mark.parametrize("yarn_factor", [None, 4.0])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_rotary_tables_equal_transformers(yarn_factor, dtype):
    raw = tiny_config() | {"max_position_embeddings": 40960}
    ours = RotaryEmbedding(ModelShape.from_config(raw, yarn_factor))
    stock = Qwen3MoeRotaryEmbedding(transformers_config(raw, yarn_factor))
    assert ours.attention_scaling == stock.attention_scaling
    assert (ours.attention_scaling != 1.0) == (yarn_factor is not None)
    positions = torch.arange(0, 131072, 7)[None]
    probe = torch.empty(1, dtype=dtype)
    for mine, theirs in zip(ours(probe, positions), stock(probe, positions), strict=True):
        assert mine.dtype == dtype and torch.equal(mine, theirs)


REFERENCE_CODE = ("torch/_refs", "torch/_prims", "torch/_decomp", "torch/_meta_registrations")


@pytest.mark.parametrize("name", ["moe_sym_g32", "dense_asym_g128"])
def test_loading_the_runners_tree_runs_none_of_torchs_python_references(tiny, name):
    # A Python reference's first call may import torch._dynamo: seconds of a GPU start
    # (meta tensors' empty_like and ones, under Module.to_empty, went through them).
    called: set[str] = set()

    def watch(frame, event, arg):
        if event == "call" and any(p in frame.f_code.co_filename for p in REFERENCE_CODE):
            called.add(f"{frame.f_code.co_filename.split('torch/')[-1]}:{frame.f_code.co_name}")

    sys.setprofile(watch)
    try:
        loaded = load_model(str(tiny[name]), device="cpu", dtype="float32", for_runner=True)
    finally:
        sys.setprofile(None)
    assert isinstance(loaded.model, RunnerCausalLM)
    assert called == set()

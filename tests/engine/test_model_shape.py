"""The runner's config (`ModelShape`) reads what transformers' configuration class reads
from the same config.json, and a start on the runner's tree imports neither that class nor
transformers' auto tables."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields

import pytest

from qwen_tui.chat.model_card import NATIVE_CONTEXT
from qwen_tui.engine.model_config import transformers_config
from qwen_tui.engine.model_shape import ModelShape
from qwen_tui.engine.synthetic.checkpoint import QWEN3_30B_A3B, tiny_config

CONFIGS = {
    "30b_a3b": QWEN3_30B_A3B,
    "tiny_moe": tiny_config(),
    "tiny_dense": tiny_config(moe=False),
    "moe_every_second_layer": tiny_config(decoder_sparse_step=2, mlp_only_layers=[0]),
    "transformers5_rope": {k: v for k, v in tiny_config().items() if k != "rope_theta"}
    | {"rope_parameters": {"rope_type": "default", "rope_theta": 5e5}},
}


def _same(shape: ModelShape, raw: dict, yarn_factor: float | None) -> None:
    reference = transformers_config(raw, yarn_factor)
    moe = raw["model_type"] == "qwen3_moe"
    for field in fields(ModelShape):
        if field.name == "scaled_rope" or (not moe and getattr(shape, field.name) == field.default):
            continue
        theirs = getattr(reference, field.name, None)  # None: not set (head_dim)
        if field.name == "mlp_only_layers":
            theirs = tuple(theirs)
        assert getattr(shape, field.name) == theirs, field.name


@pytest.mark.parametrize("yarn_factor", [None, 4.0])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_shape_reads_what_transformers_config_reads(name, yarn_factor):
    raw = CONFIGS[name] | {"max_position_embeddings": 40960}
    shape = ModelShape.from_config(raw, yarn_factor)
    _same(shape, raw, yarn_factor)
    assert (shape.scaled_rope is not None) == (yarn_factor is not None)
    if yarn_factor is not None:
        assert shape.max_position_embeddings == 4 * NATIVE_CONTEXT
        assert shape.rope_parameters["rope_type"] == "yarn"


@pytest.mark.parametrize("left_out", ["head_dim", "norm_topk_prob", "rms_norm_eps", "rope_theta"])
def test_a_key_the_file_leaves_out_takes_transformers_default(left_out):
    raw = {k: v for k, v in tiny_config().items() if k != left_out}
    _same(ModelShape.from_config(raw, None), raw, None)


START_ON_THE_RUNNERS_TREE = """
import json, sys
from pathlib import Path
from qwen_tui.engine.model_shape import ModelShape
from qwen_tui.engine.prompting import ChatTokenizer
from qwen_tui.engine.gptq.skeleton import build_skeleton

model_dir = Path(sys.argv[1])
shape = ModelShape.from_config(json.loads((model_dir / "config.json").read_text()), None)
tokenizer = ChatTokenizer(model_dir)
build_skeleton(shape, __import__("torch").bfloat16, None, [], for_runner=True)
print(json.dumps({"ids": tokenizer.encode("Hello <think>"), "modules": list(sys.modules)}))
"""
HEAVY = (
    "transformers.models.qwen3_moe.configuration_qwen3_moe",
    "transformers.models.auto.modeling_auto",
    "transformers.models.auto.tokenization_auto",
    "transformers.generation.utils",
    "torch._dynamo",
)


def test_a_start_on_the_runners_tree_imports_no_config_class_nor_auto_tables(tmp_path):
    from qwen_tui.engine.synthetic.checkpoint import write_checkpoint

    model_dir = write_checkpoint(tmp_path / "moe", tiny_config(), None)
    command = [sys.executable, "-c", START_ON_THE_RUNNERS_TREE, str(model_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.splitlines()[-1])
    assert set(outcome["modules"]) & set(HEAVY) == set()
    from transformers import AutoTokenizer

    stock = AutoTokenizer.from_pretrained(str(model_dir))
    assert outcome["ids"] == stock("Hello <think>", add_special_tokens=False)["input_ids"]

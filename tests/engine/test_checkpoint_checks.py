"""Checkpoints whose config, index or tensors say something the format does not allow are
refused in one line before anything is built: no hang, no garbage weights."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.loading import load_model


def copy_of(tiny, name, tmp_path):
    return shutil.copytree(tiny[name], tmp_path / name)


def edit_json(path, **changes):
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def failure(path) -> str:
    with pytest.raises(EngineFailure) as info:
        load_model(str(path), device="cpu", dtype="float32")
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("name", "dtype", "stored", "expected"),
    [
        ("model.layers.0.self_attn.q_proj.qweight", torch.float32, "F32", "I32"),
        ("model.layers.0.self_attn.q_proj.qweight", torch.int64, "I64", "I32"),
        ("model.layers.1.mlp.down_proj.scales", torch.int32, "I32", "F16"),
        ("model.norm.weight", torch.bool, "BOOL", "BF16 or F16 or F32"),
    ],
)
def test_a_tensor_of_the_wrong_dtype_is_named(tiny, tmp_path, name, dtype, stored, expected):
    path = copy_of(tiny, "dense_sym_gall_desc", tmp_path)
    file = path / "model.safetensors"
    tensors = load_file(file)
    tensors[name] = tensors[name].to(dtype)
    save_file(tensors, str(file))
    message = failure(path)
    assert f"1 tensor(s) with the wrong dtype: {name} {stored} (expected {expected})" in message


@pytest.mark.parametrize(
    ("key", "value"),
    [("desc_act", "no"), ("sym", "false"), ("sym", 1), ("group_size", 128.0), ("bits", True)],
)
def test_quantization_settings_must_have_their_json_type(tiny, tmp_path, key, value):
    path = copy_of(tiny, "dense_sym_gall_desc", tmp_path)
    config = json.loads((path / "config.json").read_text())
    config["quantization_config"][key] = value
    (path / "config.json").write_text(json.dumps(config))
    message = failure(path)
    assert "unsupported quantization" in message and f"{value!r}" in message and key in message


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ({"num_hidden_layers": 10**9}, "num_hidden_layers is 1000000000; it must be a whole"),
        ({"num_hidden_layers": 3}, "num_hidden_layers is 3 but the checkpoint's tensors hold 2"),
        ({"num_experts": 100}, "num_experts is 100 but the checkpoint's tensors hold 8 experts"),
        ({"hidden_size": "64"}, "hidden_size is '64'; it must be a whole number"),
        ({"vocab_size": -1}, "vocab_size is -1; it must be a whole number from 1"),
    ],
)
def test_config_sizes_are_checked_against_the_weights_first(tiny, tmp_path, change, shown):
    path = copy_of(tiny, "moe_sym_g32", tmp_path)
    edit_json(path / "config.json", **change)
    assert shown in failure(path)


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        ("[" * 5000 + "]" * 5000, "is not a valid config (nested too deeply)"),
        ("[1, 2]", "is not a valid config (not a JSON object)"),
        ('{"model_type": ["qwen3"]}', "holds a unknown model"),
    ],
    ids=["nested", "a list", "a list as model_type"],
)
def test_a_bad_config_json_is_one_line(tiny, tmp_path, content, shown):
    path = copy_of(tiny, "dense_plain_tied", tmp_path)
    (path / "config.json").write_text(content)
    assert shown in failure(path)


def test_a_config_json_that_is_a_fifo_is_refused_unread(tiny, tmp_path):
    path = copy_of(tiny, "dense_plain_tied", tmp_path)
    (path / "generation_config.json").unlink()
    os.mkfifo(path / "generation_config.json")
    assert "a named pipe (FIFO), not a regular file" in failure(path)


@pytest.mark.parametrize(
    "weight_map",
    [["model.norm.weight"], {"model.norm.weight": "../elsewhere.safetensors"}, {"x": 3}],
)
def test_an_index_must_map_names_to_files_of_the_model(tiny, tmp_path, weight_map):
    path = copy_of(tiny, "moe_sym_g32", tmp_path)
    edit_json(path / "model.safetensors.index.json", weight_map=weight_map)
    assert "is not a valid safetensors index" in failure(path)

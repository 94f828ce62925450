"""`qwen-chat doctor`: what the machine has and, plainly, what the model it is given (the
30B one by default) still needs."""

from __future__ import annotations

import importlib.util
import json
from types import SimpleNamespace

import pytest
import torch
from typer.testing import CliRunner

from qwen_tui import locations
from qwen_tui.cli import app
from qwen_tui.config import Settings
from qwen_tui.doctor import run_checks
from qwen_tui.engine import devices
from tests.config_files import write_config


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.fixture
def fake_gpu(monkeypatch):
    """A CUDA machine with a 24 GiB card; `free_gib` sets how much of it is free,
    `capability` its compute capability."""
    gpu = SimpleNamespace(free_gib=23.0, capability=(8, 9))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: "NVIDIA RTX 4090")
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda *a: (gpu.free_gib * 2**30, 24 * 2**30))
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: gpu.capability)
    monkeypatch.setattr(torch.version, "cuda", "12.8")
    return gpu


def checkpoint(path, config: dict, weight_bytes: int):
    """A model directory with `config` and a weights file of `weight_bytes` (sparse: no
    disk is used), all that doctor reads."""
    path.mkdir()
    (path / "config.json").write_text(json.dumps(config))
    with open(path / "model.safetensors", "wb") as weights:
        weights.truncate(weight_bytes)
    return path


@pytest.fixture
def model_dir(tmp_path):
    """The 30B model's shape and size: 16.5 GiB of int4 weights, a 4 GiB KV cache."""
    config = {
        "model_type": "qwen3_moe",
        "num_hidden_layers": 48,
        "num_attention_heads": 32,
        "num_key_value_heads": 4,
        "head_dim": 128,
        "max_position_embeddings": 40960,
        "quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128},
    }
    return checkpoint(tmp_path / "Qwen3-30B-A3B-GPTQ-Int4", config, int(16.5 * 2**30))


@pytest.fixture
def small_model(tmp_path):
    """A 0.6B-like model: 16-bit weights of 1.2 GB, runnable on the CPU."""
    config = {
        "model_type": "qwen3",
        "num_hidden_layers": 28,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
        "head_dim": 128,
        "max_position_embeddings": 40960,
    }
    return checkpoint(tmp_path / "Qwen3-0.6B", config, 1_200_000_000)


def rows(checks) -> dict[str, tuple[str, bool]]:
    return {check.name: (check.value, check.ok) for check in checks}


def test_cpu_machine_without_the_30b_model_lists_both_missing_things(no_cuda):
    checks, missing = run_checks(Settings())  # the default model, not downloaded
    assert rows(checks)["CUDA"][1] is False
    assert rows(checks)["model"][1] is False
    assert len(missing) == 2
    assert "NVIDIA GPU" in missing[0] and "22 GiB" in missing[0]
    assert "--engine demo" in missing[0]
    assert "model files" in missing[1]


def test_reports_python_torch_and_the_directories(no_cuda, isolated_dirs):
    found = rows(run_checks(Settings())[0])
    assert found["torch"] == (torch.__version__, True)
    assert found["Python"][0].count(".") == 2
    assert found["data dir (sessions)"][0] == str(isolated_dirs / "data" / "sessions")
    assert found["log file (library warnings)"] == (str(locations.log_file()), None)


def test_a_config_file_not_created_yet_is_no_tick(no_cuda, isolated_dirs):
    path = isolated_dirs / "config" / "config.toml"
    assert rows(run_checks(Settings())[0])["config file"] == (
        f"{path}: not created yet; defaults apply",
        None,
    )
    assert write_config("thinking = false\n") == path
    assert rows(run_checks(Settings())[0])["config file"] == (str(path), True)


def test_model_directory_is_found(no_cuda, model_dir):
    checks, missing = run_checks(Settings(model=str(model_dir)))
    assert rows(checks)["model"] == (f"{model_dir} -> {model_dir}", True)
    assert not any("model files" in m for m in missing)


def test_directory_without_config_json_is_explained(no_cuda, tmp_path):
    checks, _ = run_checks(Settings(model=str(tmp_path)))
    value, ok = rows(checks)["model"]
    assert not ok and "no config.json" in value


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{bad", "is not valid JSON (line 1, column 2)"),
        ("[1, 2]", "holds a list, not a JSON object"),
        ("[" * 5000 + "]" * 5000, "is not valid JSON (nested too deeply)"),
    ],
    ids=["bad JSON", "a list", "nested"],
)
def test_doctor_command_marks_a_broken_config_json_as_a_problem(no_cuda, model_dir, text, why):
    (model_dir / "config.json").write_text(text)
    result = CliRunner().invoke(app, ["doctor", "--model", str(model_dir)], env={"COLUMNS": "300"})
    assert result.exit_code == 1, result.output
    [model_row] = [line for line in result.output.splitlines() if line.split()[1:2] == ["model"]]
    assert model_row.split()[0] == "✗"
    words = " ".join(result.output.split())  # the table wraps long values
    assert f"{why}; restore it from the model's original files" in words
    assert f"the model files ({model_dir}); see the model line above" in result.output


def test_hub_id_not_in_the_cache_says_how_to_get_it(no_cuda):
    value, ok = rows(run_checks(Settings())[0])["model"]
    assert not ok and "hf download Qwen/Qwen3-30B-A3B-GPTQ-Int4" in value


def test_gpu_with_enough_memory_and_model_is_ready(fake_gpu, model_dir):
    checks, missing = run_checks(Settings(model=str(model_dir)))
    assert rows(checks)["model needs"][0] == (
        "int4, 16.5 GiB of weights, 40,960-token context: about 22 GiB of GPU memory; needs a GPU"
    )
    assert rows(checks)["GPU"] == ("NVIDIA RTX 4090 (sm_89), 23.0 GiB free of 24.0 GiB", True)
    assert "GPU arch" not in rows(checks)
    if importlib.util.find_spec("triton") is None:
        assert missing == ["Triton for fast decode: pip install 'qwen-tui[gpu]'"]
    else:
        assert missing == []


def test_gpu_with_too_little_free_memory_says_how_much(fake_gpu, model_dir):
    fake_gpu.free_gib = 8.0
    _, missing = run_checks(Settings(model=str(model_dir)))
    assert any("22 GiB of free GPU memory (8.0 GiB now)" in m for m in missing)


def test_a_gpu_older_than_ampere_is_named_as_untested(fake_gpu, model_dir):
    fake_gpu.capability = (7, 5)  # a Titan RTX: 24 GB, but no bf16 tensor cores
    checks, missing = run_checks(Settings(model=str(model_dir)))
    assert rows(checks)["GPU arch"] == ("sm_75: older than sm_80, fast path untested", False)
    assert any("compute capability 8.0 or newer" in m and "sm_75" in m for m in missing)


def test_doctor_command_prints_what_is_missing(no_cuda, tmp_path):
    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "240"})
    assert result.exit_code == 1, result.output  # a check failed
    assert "Missing for Qwen3-30B-A3B-GPTQ-Int4:" in result.output
    assert "an NVIDIA GPU with 22 GiB free and a CUDA build of torch" in result.output
    assert "config file" in result.output
    absent = CliRunner().invoke(app, ["doctor", "--model", str(tmp_path / "absent")])
    assert absent.exit_code == 1 and "Missing for absent:" in absent.output


def test_doctor_command_says_ready_when_nothing_is_missing(fake_gpu, model_dir, monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: object() if name == "triton" else real_find_spec(name, *a),
    )
    result = CliRunner().invoke(app, ["doctor", "--model", str(model_dir)], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    assert "Ready to run Qwen3-30B-A3B-GPTQ-Int4." in result.output


def test_a_small_model_on_a_machine_without_a_gpu_is_ready(no_cuda, small_model, monkeypatch):
    monkeypatch.setattr(devices, "available_ram_bytes", lambda: 8 * 2**30)
    result = CliRunner().invoke(
        app, ["doctor", "--model", str(small_model)], env={"COLUMNS": "240"}
    )
    assert result.exit_code == 0, result.output
    assert "Ready to run Qwen3-0.6B." in result.output
    assert "Missing" not in result.output and "Qwen3-30B" not in result.output
    assert "✗" not in result.output
    words = " ".join(result.output.split())
    assert "16-bit, 1.1 GiB of weights, 40,960-token context" in words
    assert "this model runs on the CPU" in words
    assert "8.0 GiB free, the model needs 2.2 GiB" in words  # float32 on the CPU


def test_a_small_model_larger_than_the_free_memory_is_missing_memory(
    no_cuda, small_model, monkeypatch
):
    monkeypatch.setattr(devices, "available_ram_bytes", lambda: 2**30)
    checks, missing = run_checks(Settings(model=str(small_model)))
    assert rows(checks)["memory"] == ("1.0 GiB free, the model needs 2.2 GiB", False)
    assert missing == ["2.2 GiB of free memory (1.0 GiB free, the model needs 2.2 GiB)"]


def test_a_model_folder_without_weights_is_a_problem(no_cuda, tmp_path):
    path = tmp_path / "m"
    path.mkdir()
    (path / "config.json").write_text(json.dumps({"model_type": "qwen3"}))
    value, ok = rows(run_checks(Settings(model=str(path)))[0])["model"]
    assert not ok and "has no .safetensors weights" in value

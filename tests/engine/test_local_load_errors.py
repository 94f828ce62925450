"""Every bad model a user may point at gets one readable line saying what is wrong."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file, save_file

from qwen_tui.engine import devices
from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import EngineError, ErrorKind
from qwen_tui.engine.loading import load_model
from qwen_tui.engine.synthetic.checkpoint import (
    PUBLISHED_GPTQ,
    QWEN3_30B_A3B,
    tiny_config,
    write_checkpoint,
)
from tests.engine.tiny_models import EngineRun


def copy_of(tiny, name, tmp_path):
    return shutil.copytree(tiny[name], tmp_path / name)


def edit_config(path, **changes):
    config = json.loads((path / "config.json").read_text())
    for key, value in changes.items():
        config[key] = value
    (path / "config.json").write_text(json.dumps(config))


def edit_tensors(path, edit):
    file = path / "model.safetensors"
    tensors = load_file(file)
    edit(tensors)
    save_file(tensors, str(file))


def load(path, **options):
    return load_model(str(path), **({"device": "cpu", "dtype": "float32"} | options))


def failure(path, **options) -> EngineFailure:
    with pytest.raises(EngineFailure) as info:
        load(path, **options)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return info.value


def test_missing_directory(tmp_path):
    error = failure(tmp_path / "nowhere")
    assert "does not exist" in str(error) and error.kind is ErrorKind.MODEL_MISSING


def test_hub_id_not_in_cache_says_how_to_download():
    message = str(failure("Qwen/Qwen3-Nonexistent-7B"))
    assert "not in the local cache" in message and "hf download" in message


def test_non_qwen3_config(tiny, tmp_path):
    path = copy_of(tiny, "dense_plain_tied", tmp_path)
    edit_config(path, model_type="llama", architectures=["LlamaForCausalLM"])
    assert "holds a llama model" in str(failure(path))


@pytest.mark.parametrize(
    ("quantization", "expected"),
    [
        ({"quant_method": "gptq", "bits": 8, "group_size": 128}, "8-bit GPTQ"),
        ({"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemm"}, "'awq'"),
    ],
)
def test_unsupported_quantization(tiny, tmp_path, quantization, expected):
    path = copy_of(tiny, "dense_sym_gall_desc", tmp_path)
    edit_config(path, quantization_config=quantization)
    message = str(failure(path))
    assert "unsupported quantization" in message and expected in message


def test_gptq_tensors_without_quantization_config(tiny, tmp_path):
    path = copy_of(tiny, "dense_sym_gall_desc", tmp_path)
    config = json.loads((path / "config.json").read_text())
    del config["quantization_config"]
    (path / "config.json").write_text(json.dumps(config))
    assert "no quantization_config" in str(failure(path))


def test_truncated_safetensors(tiny, tmp_path):
    path = copy_of(tiny, "moe_sym_g32", tmp_path)  # sharded
    shard = sorted(path.glob("model-*.safetensors"))[1]
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])
    message = str(failure(path))
    assert shard.name in message and "truncated or corrupt" in message


def test_shard_listed_in_index_but_missing(tiny, tmp_path):
    path = copy_of(tiny, "moe_sym_g32", tmp_path)
    shard = sorted(path.glob("model-*.safetensors"))[-1]
    shard.unlink()
    assert f"{shard.name} listed in model.safetensors.index.json is missing" in str(failure(path))


def test_missing_tensor_is_named(tiny, tmp_path):
    path = copy_of(tiny, "moe_sym_desc_g128", tmp_path)
    gone = ["model.layers.1.mlp.experts.3.up_proj.scales", "model.norm.weight"]
    edit_tensors(path, lambda tensors: [tensors.pop(name) for name in gone])
    message = str(failure(path))
    assert "2 tensor(s) missing from the checkpoint" in message
    assert all(name in message for name in gone)


def test_unused_and_misshapen_tensors_are_named(tiny, tmp_path):
    path = copy_of(tiny, "dense_sym_gall_desc", tmp_path)

    def edit(tensors):
        tensors["model.layers.0.mlp.extra_proj.weight"] = torch.zeros(4, 4)
        tensors["model.norm.weight"] = torch.ones(7)

    edit_tensors(path, edit)
    message = str(failure(path))
    assert "not used by the model: model.layers.0.mlp.extra_proj.weight" in message
    assert "wrong shape: model.norm.weight [7] (expected [128])" in message


def test_in_order_g_idx_may_be_absent(tiny, tmp_path, reference):
    """Some exporters drop g_idx when desc_act is off; the groups are then k // G."""
    path = copy_of(tiny, "dense_asym_g128", tmp_path)
    for shard in path.glob("model-*.safetensors"):
        tensors = load_file(shard)
        save_file({k: v for k, v in tensors.items() if not k.endswith(".g_idx")}, str(shard))
    index = json.loads((path / "model.safetensors.index.json").read_text())
    index["weight_map"] = {k: v for k, v in index["weight_map"].items() if "g_idx" not in k}
    (path / "model.safetensors.index.json").write_text(json.dumps(index))
    ids = torch.arange(1, 20)[None]
    with torch.inference_mode():
        ours = load(path).model(input_ids=ids).logits
        theirs = reference("dense_asym_g128")(input_ids=ids).logits
    torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=0)


def test_tokenizer_without_chat_template(tmp_path):
    path = write_checkpoint(tmp_path / "m", tiny_config(moe=False), chat_template=None)
    assert "has no chat template" in str(failure(path))


def test_chat_template_file_beside_the_tokenizer_is_used(tmp_path):
    path = write_checkpoint(tmp_path / "m", tiny_config(moe=False), template_file=True)
    assert (path / "chat_template.jinja").is_file()
    prompt = load(path).tokenizer.render([{"role": "user", "content": "hi"}], False).text
    assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")


def test_30b_model_on_a_machine_without_gpu_is_refused_before_loading(tmp_path):
    """Only config and tokenizer exist: the refusal must come before any weight is read."""
    path = tmp_path / "Qwen3-30B-A3B-GPTQ-Int4"
    path.mkdir()
    config = QWEN3_30B_A3B | {"quantization_config": PUBLISHED_GPTQ.config_entry()}
    (path / "config.json").write_text(json.dumps(config))
    write_checkpoint(tmp_path / "donor", tiny_config(moe=False))
    for name in ("tokenizer.json", "tokenizer_config.json", "generation_config.json"):
        shutil.copy(tmp_path / "donor" / name, path / name)
    error = failure(path, device="cpu")
    assert "needs an NVIDIA GPU" in str(error) and error.kind is ErrorKind.OUT_OF_MEMORY


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_requested_without_gpu(tiny):
    assert "no CUDA GPU is available" in str(failure(tiny["dense_plain_tied"], device="cuda"))


def test_gpu_out_of_memory_says_needed_and_free(monkeypatch):
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (3 * 2**30, 80 * 2**30))
    with pytest.raises(EngineFailure) as info:
        devices.check_fits(17 * 2**30, torch.device("cuda", 0), True, "big")
    assert info.value.kind is ErrorKind.OUT_OF_MEMORY
    assert "need 17.0 GiB, 3.0 GiB of 80.0 GiB is free" in str(info.value)


def test_engine_reports_a_bad_model_as_an_error_event(tmp_path):
    run = EngineRun(tmp_path / "nowhere")
    try:
        event = run.wait_ready()
    finally:
        run.close()
    assert isinstance(event, EngineError) and event.kind is ErrorKind.MODEL_MISSING
    with pytest.raises(EngineFailure, match="does not exist"):
        run.engine.count_prompt_tokens(({"role": "user", "content": "hi"},), True)


def test_a_missing_tokenizer_json_is_named_not_taken_for_a_missing_think_token(tiny, tmp_path):
    path = copy_of(tiny, "dense_plain_tied", tmp_path)
    (path / "tokenizer.json").unlink()
    message = str(failure(path))
    assert "has no tokenizer.json" in message and "<think>" not in message


READ_FIRST = (
    "config.json",
    "model.safetensors.index.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "generation_config.json",
)
"""The small files a load reads besides the shards."""

_LOAD_EACH = """
import json, sys
from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.loading import load_model
for path in sys.argv[1:]:
    try:
        load_model(path, device="cpu", dtype="float32")
        print(json.dumps("loaded"))
    except EngineFailure as exc:
        print(json.dumps(str(exc)))
"""


def load_without_permission_override(paths) -> list[str]:
    """Each model's load failure, loaded by a process that file modes apply to: as root,
    one without the capability to override them (a mode-000 file is readable to root)."""
    command = [sys.executable, "-c", _LOAD_EACH, *map(str, paths)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv, mode 000 cannot be tested")
        caps = "-dac_override,-dac_read_search"
        command = [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_an_unreadable_model_file_is_reported_as_unreadable_not_as_missing(tiny, tmp_path):
    shard = sorted(tiny["moe_sym_g32"].glob("model-*.safetensors"))[1].name
    unreadable: dict = {}  # the file or folder made unreadable -> the model to load
    for name in (shard, *READ_FIRST):
        model = copy_of(tiny, "moe_sym_g32", tmp_path / name)
        unreadable[model / name] = model
    closed = copy_of(tiny, "moe_sym_g32", tmp_path / "closed")
    unreadable[closed] = closed
    for path in unreadable:
        path.chmod(0)
    try:
        messages = load_without_permission_override(unreadable.values())
    finally:
        closed.chmod(0o755)
    for path, message in zip(unreadable, messages, strict=True):
        assert message.startswith(f"cannot read {path} (permission denied)"), message
        assert "chmod a+r" in message and "No such file" not in message


@pytest.mark.parametrize(
    ("text", "why"), [("{not json", "(Expecting property name"), ("[1]", "(not a JSON object)")]
)
def test_a_broken_generation_config_is_one_line(tiny, tmp_path, text, why):
    path = copy_of(tiny, "dense_plain_tied", tmp_path)
    (path / "generation_config.json").write_text(text)
    message = str(failure(path))
    assert message.startswith(f"{path / 'generation_config.json'} is not a valid generation")
    assert why in message and "\n" not in message

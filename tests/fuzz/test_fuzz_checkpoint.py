"""Random bytes and random JSON as a checkpoint's config.json, quantization config and
safetensors index: a value or an EngineFailure, never another exception."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.gptq.quant_config import parse_quant_config, read_quant_config
from qwen_tui.engine.gptq.shards import INDEX_FILE, shard_files, tensor_names
from qwen_tui.engine.gptq.sizes import SIZE_LIMITS, check_sizes
from qwen_tui.engine.loading import read_config

FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
SIZES = st.dictionaries(
    st.sampled_from([*SIZE_LIMITS, "model_type", "quantization_config"]),
    st.integers(-5, 10**12) | SCALARS | JSON,
    max_size=8,
)
QUANT = st.dictionaries(
    st.sampled_from(["quant_method", "bits", "group_size", "sym", "desc_act", "format"]),
    st.sampled_from(["gptq", "awq", 4, 8, 128, -1, 32, True, False, "true", "no"]) | SCALARS,
    max_size=6,
)
NAMES = st.lists(
    st.from_regex(r"model\.layers\.[0-9]{1,3}\.(mlp\.experts\.[0-9]{1,3}\.)?[a-z_.]{1,12}"),
    max_size=20,
)


def _failure_or_value(call):
    try:
        return call()
    except EngineFailure as exc:
        assert "\n" not in str(exc)
        return None


@FUZZ
@given(content=st.binary(max_size=1500) | JSON.map(lambda v: json.dumps(v).encode()))
def test_config_json(tmp_path, content):
    (tmp_path / "config.json").write_bytes(content)
    config = _failure_or_value(lambda: read_config(tmp_path))
    assert config is None or config["model_type"] in ("qwen3", "qwen3_moe")


@FUZZ
@given(config=SIZES, names=NAMES)
def test_config_sizes_against_tensor_names(config, names):
    _failure_or_value(lambda: check_sizes(config, set(names), Path("m")))


@FUZZ
@given(raw=QUANT, legacy=st.binary(max_size=300) | QUANT.map(lambda v: json.dumps(v).encode()))
def test_quantization_configs(tmp_path, raw, legacy):
    found = _failure_or_value(lambda: parse_quant_config(raw))
    assert found is None or (isinstance(found.sym, bool) and isinstance(found.desc_act, bool))
    (tmp_path / "quantize_config.json").write_bytes(legacy)
    _failure_or_value(lambda: read_quant_config(tmp_path, {}))


@FUZZ
@given(
    content=st.binary(max_size=1500) | JSON.map(lambda v: json.dumps({"weight_map": v}).encode())
)
def test_safetensors_index(tmp_path, content):
    (tmp_path / INDEX_FILE).write_bytes(content)
    names = _failure_or_value(lambda: tensor_names(tmp_path))
    files = _failure_or_value(lambda: shard_files(tmp_path))
    for file in files or []:
        assert file.parent == tmp_path  # an index never leads out of the model directory
    assert names is None or all(isinstance(n, str) for n in names)

"""Random bytes and random TOML documents as config.toml: settings or a ConfigError."""

from __future__ import annotations

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qwen_tui.config import ConfigError, Settings, load_settings

FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
KEYS = st.sampled_from(
    ["model", "engine", "device", "dtype", "thinking", "theme", "max_new_tokens"]
    + ["yarn_factor", "system_prompt", "temperature", "top_p", "top_k", "min_p", "other"]
)
VALUES = st.recursive(
    st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=10,
)
DOCUMENTS = st.dictionaries(KEYS | st.just("sampling"), VALUES, max_size=6)


def _outcome(path, data: bytes) -> Settings | None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    try:
        return load_settings(path)
    except ConfigError as exc:
        assert "\n" not in str(exc)
        return None


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_give_settings_or_a_config_error(tmp_path, data):
    _outcome(tmp_path / "config.toml", data)


@FUZZ
@given(document=DOCUMENTS)
def test_random_documents_give_settings_or_a_config_error(tmp_path, document):
    loaded = _outcome(tmp_path / "config.toml", tomli_w.dumps(document).encode())
    if loaded is not None:
        assert isinstance(loaded, Settings)
        assert set(document) <= {"sampling", *Settings.__dataclass_fields__}


@FUZZ
@given(cut=st.integers(0, 200))
def test_a_truncated_config_gives_settings_or_a_config_error(tmp_path, cut):
    text = 'model = "/models/q"\nthinking = false\n[sampling]\ntemperature = 0.5\ntop_k = 40\n'
    _outcome(tmp_path / "config.toml", text.encode()[:cut])

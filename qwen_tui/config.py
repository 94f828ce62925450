"""Settings: defaults, then `config.toml` in the config dir, then CLI flags.

The file is plain TOML with the same names as the CLI flags, e.g.::

    model = "Qwen/Qwen3-30B-A3B-GPTQ-Int4"
    thinking = true
    theme = "qwen-dark"

    [sampling]
    presence_penalty = 1.0

A bad file gives a `ConfigError` whose one-line message names the file and the key.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from qwen_tui import locations

DEFAULT_MODEL = "Qwen/Qwen3-30B-A3B-GPTQ-Int4"
ENGINES = ("local", "demo")
DEVICES = ("auto", "cuda", "cpu")
DTYPES = ("auto", "bfloat16", "float16", "float32")
COMMAND_LINE = "command line"


class ConfigError(Exception):
    """A setting is wrong; the message is one line naming where and what to do."""


@dataclass(frozen=True)
class SamplingOverrides:
    """User overrides of the model card's per-mode presets; None keeps the preset."""

    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    presence_penalty: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    """A local model directory or a hub repo id resolved from the local cache."""
    engine: str = "local"
    """`local` runs the model in-process, `demo` needs no model."""
    device: str = "auto"
    dtype: str = "auto"
    thinking: bool = True
    """The hard switch: `enable_thinking` for the chat template."""
    theme: str = "qwen-dark"
    max_new_tokens: int = 32_768
    yarn_factor: float | None = None
    """YaRN rope scaling over 32,768 original positions; off unless asked for."""
    system_prompt: str = ""
    sampling: SamplingOverrides = field(default_factory=SamplingOverrides)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with every CLI override that is not None applied and checked."""
        sampling_names = {f.name for f in fields(SamplingOverrides)}
        top = {k: v for k, v in overrides.items() if v is not None and k not in sampling_names}
        samp = {k: v for k, v in overrides.items() if v is not None and k in sampling_names}
        merged = replace(self, **top, sampling=replace(self.sampling, **samp))
        _check(merged, COMMAND_LINE)
        return merged


def load_settings(path: Path | None = None) -> Settings:
    """Settings from `path` (default: the user's config.toml); defaults if it is absent."""
    path = path or locations.config_file()
    if not path.exists():
        return Settings()
    return _from_dict(_read_toml(path), str(path))


def save_setting(key: str, value: Any, path: Path | None = None) -> None:
    """Persist one top-level setting, keeping the rest of the file; atomic replace."""
    path = path or locations.config_file()
    data = _read_toml(path) if path.exists() else {}
    data[key] = value
    _from_dict(data, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix or delete the file") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror or exc})") from exc


_TYPES: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "engine": (str,),
    "device": (str,),
    "dtype": (str,),
    "thinking": (bool,),
    "theme": (str,),
    "max_new_tokens": (int,),
    "yarn_factor": (int, float),
    "system_prompt": (str,),
    "temperature": (int, float),
    "top_p": (int, float),
    "top_k": (int,),
    "min_p": (int, float),
    "presence_penalty": (int, float),
}


_SAMPLING_NAMES = {f.name for f in fields(SamplingOverrides)}


def _from_dict(data: dict[str, Any], where: str) -> Settings:
    sampling = data.get("sampling", {})
    if not isinstance(sampling, dict):
        raise ConfigError(f"{where}: key 'sampling' must be a table ([sampling])")
    top = {k: v for k, v in data.items() if k != "sampling"}
    for prefix, table, allowed in (
        ("", top, {f.name for f in fields(Settings)} - {"sampling"}),
        ("sampling.", sampling, _SAMPLING_NAMES),
    ):
        for key, value in table.items():
            if key not in allowed:
                hint = "move it under [sampling]" if key in _SAMPLING_NAMES else "remove it"
                raise ConfigError(f"{where}: unknown key '{prefix}{key}'; {hint}")
            expected = _TYPES[key]
            if not isinstance(value, expected) or (
                bool not in expected and isinstance(value, bool)
            ):
                names = " or ".join(t.__name__ for t in expected)
                raise ConfigError(f"{where}: key '{prefix}{key}' must be {names}, got {value!r}")
    settings = Settings(**top, sampling=SamplingOverrides(**sampling))
    _check(settings, where)
    return settings


def _check(settings: Settings, where: str) -> None:
    def name(key: str) -> str:
        # On the command line the user typed a flag, not a config key.
        return f"--{key.replace('_', '-')}" if where == COMMAND_LINE else f"key '{key}'"

    def sampling_name(key: str) -> str:
        return name(key) if where == COMMAND_LINE else f"key 'sampling.{key}'"

    for key, allowed in (("engine", ENGINES), ("device", DEVICES), ("dtype", DTYPES)):
        if getattr(settings, key) not in allowed:
            choices = ", ".join(allowed)
            value = getattr(settings, key)
            raise ConfigError(f"{where}: {name(key)} is {value!r}; choose one of {choices}")
    if not settings.model.strip():
        # An empty path would silently mean the current directory.
        raise ConfigError(
            f"{where}: {name('model')} is empty; give a model directory or hub repo id"
        )
    # nan and inf slip through range checks like `< 0` (TOML has them as literals too).
    numbers = [(name("yarn_factor"), settings.yarn_factor)]
    numbers += [(sampling_name(k), v) for k, v in settings.sampling.as_dict().items()]
    for label, value in numbers:
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{where}: {label} is {value}; give a finite number")
    if settings.max_new_tokens < 1:
        raise ConfigError(f"{where}: {name('max_new_tokens')} must be at least 1")
    if settings.yarn_factor is not None and settings.yarn_factor <= 1:
        raise ConfigError(f"{where}: {name('yarn_factor')} must be above 1 (e.g. 2.0 or 4.0)")
    from qwen_tui.chat.sampling import resolve_sampling

    try:
        resolve_sampling(settings.thinking, **settings.sampling.as_dict())
    except ValueError as exc:
        key, _, problem = str(exc).partition(" ")
        raise ConfigError(f"{where}: {sampling_name(key)} {problem}") from exc

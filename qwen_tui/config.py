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
from qwen_tui.chat.model_card import DEFAULT_MODEL, MAX_NEW_TOKENS
from qwen_tui.regular_files import KIB, MIB, UnreadableFile, read_regular_file
from qwen_tui.tool_settings import ToolSettings, parse_tool_settings

ENGINES = ("local", "demo", "openai")
DEVICES = ("auto", "cuda", "cpu")
DTYPES = ("auto", "bfloat16", "float16", "float32")
COMMAND_LINE = "command line"
FROM_CONFIG = "config"
FROM_FLAG = "flag"
"""Where a setting that is not a default came from, in `Settings.origins`."""
MAX_CONFIG_BYTES = MIB
MAX_YARN_FACTOR = 8.0
"""4.0 gives 131,072 tokens, the most Qwen3 is validated for; beyond 8 nothing fits a GPU."""


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
    """`local` runs the model in-process, `demo` needs no model, `openai` talks to an
    OpenAI-compatible server at `base_url`."""
    device: str = "auto"
    dtype: str = "auto"
    thinking: bool = True
    """The hard switch: `enable_thinking` for the chat template."""
    theme: str = "qwen-dark"
    max_new_tokens: int = MAX_NEW_TOKENS
    yarn_factor: float | None = None
    """YaRN rope scaling over 32,768 original positions; off unless asked for."""
    system_prompt: str = ""
    sampling: SamplingOverrides = field(default_factory=SamplingOverrides)
    seed: int | None = None
    """Seeds the sampler of each reply, where the engine can seed it; None: random."""
    thinking_budget: int | None = None
    """Thinking tokens after which the engine ends the thinking and the model answers."""
    base_url: str | None = None
    """The server `--engine openai` talks to, e.g. http://localhost:8000/v1."""
    api_key: str | None = field(default=None, repr=False)
    """The key `--engine openai` sends as `Authorization: Bearer`; never recorded."""
    tools: ToolSettings = field(default_factory=ToolSettings)
    """`[mcp_servers.NAME]` and `[tools]`: the MCP servers and how their calls run."""
    max_attachment_bytes: int = 256 * KIB
    """The largest file `/file` attaches to a message."""
    origins: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Where each setting given came from, by name (sampling names too): FROM_CONFIG or
    FROM_FLAG; one not named is a default. What `/set` alone shows; never recorded."""

    def as_record(self) -> dict[str, Any]:
        """The settings as a session records them: everything but the API key."""
        record = asdict(self)
        del record["api_key"], record["origins"]
        record["tools"] = self.tools.as_record()
        return record

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with every CLI override that is not None applied and checked."""
        sampling_names = {f.name for f in fields(SamplingOverrides)}
        top = {k: v for k, v in overrides.items() if v is not None and k not in sampling_names}
        samp = {k: v for k, v in overrides.items() if v is not None and k in sampling_names}
        origins = self.origins | dict.fromkeys([*top, *samp], FROM_FLAG)
        merged = replace(self, **top, sampling=replace(self.sampling, **samp), origins=origins)
        _check(merged, COMMAND_LINE)
        return merged


def load_settings(path: Path | None = None) -> Settings:
    """Settings from `path` (default: the user's config.toml); defaults if it is absent."""
    path = path or locations.config_file()
    data = _read_toml(path)
    return Settings() if data is None else _from_dict(data, str(path))


def save_setting(key: str, value: Any, path: Path | None = None) -> None:
    """Persist one top-level setting, keeping the rest of the file; atomic replace."""
    path = path or locations.config_file()
    data = _read_toml(path) or {}
    data[key] = value
    _from_dict(data, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _read_toml(path: Path) -> dict[str, Any] | None:
    """The file's table, None if there is no file. Only a regular file of a sane size is
    read: a FIFO would block forever, /dev/zero would fill memory."""
    try:
        text = read_regular_file(path, max_bytes=MAX_CONFIG_BYTES).decode("utf-8")
        return tomllib.loads(text)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except UnreadableFile as exc:
        raise ConfigError(f"{exc}; {_UNREADABLE_HINT}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix or delete the file") from exc
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML (nested too deeply); fix the file") from None


_UNREADABLE_HINT = (
    "make it a readable config file (or remove it), or set QWEN_TUI_CONFIG_DIR to another folder"
)


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
    "seed": (int,),
    "thinking_budget": (int,),
    "base_url": (str,),
    "api_key": (str,),
    "temperature": (int, float),
    "top_p": (int, float),
    "top_k": (int,),
    "min_p": (int, float),
    "presence_penalty": (int, float),
    "max_attachment_bytes": (int,),
}


_SAMPLING_NAMES = {f.name for f in fields(SamplingOverrides)}
_TABLES = {"sampling", "tools", "mcp_servers"}


def _from_dict(data: dict[str, Any], where: str) -> Settings:
    sampling = data.get("sampling", {})
    if not isinstance(sampling, dict):
        raise ConfigError(f"{where}: key 'sampling' must be a table ([sampling])")
    try:
        tools = parse_tool_settings(data.get("mcp_servers"), data.get("tools"))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    top = {k: v for k, v in data.items() if k not in _TABLES}
    for prefix, table, allowed in (
        ("", top, {f.name for f in fields(Settings)} - _TABLES - {"origins"}),
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
    origins = dict.fromkeys([*top, *sampling], FROM_CONFIG)
    settings = Settings(**top, sampling=SamplingOverrides(**sampling), tools=tools, origins=origins)
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
    if settings.thinking_budget is not None and settings.thinking_budget < 1:
        raise ConfigError(
            f"{where}: {name('thinking_budget')} is {settings.thinking_budget}; give a number "
            "of thinking tokens, at least 1 (leave it out for no limit)"
        )
    if settings.max_attachment_bytes < 1:
        raise ConfigError(f"{where}: {name('max_attachment_bytes')} must be at least 1 (bytes)")
    base_url = settings.base_url
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"{where}: {name('base_url')} is {base_url!r}; give an http:// or https:// URL "
            "such as http://localhost:8000/v1"
        )
    if settings.yarn_factor is not None and not 1 < settings.yarn_factor <= MAX_YARN_FACTOR:
        raise ConfigError(
            f"{where}: {name('yarn_factor')} is {settings.yarn_factor}; it must be above 1 and "
            f"at most {MAX_YARN_FACTOR:g} (e.g. 2.0 or 4.0)"
        )
    from qwen_tui.chat.sampling import resolve_sampling

    try:
        resolve_sampling(settings.thinking, True, **settings.sampling.as_dict())
    except ValueError as exc:
        key, _, problem = str(exc).partition(" ")
        raise ConfigError(f"{where}: {sampling_name(key)} {problem}") from exc

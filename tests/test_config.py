"""Settings: defaults, config.toml, command-line flags, and one-line errors for bad files."""

from __future__ import annotations

import math
import os
import tomllib

import pytest
from typer.testing import CliRunner

from qwen_tui import locations
from qwen_tui.cli import app
from qwen_tui.commands.options import settings_from_flags
from qwen_tui.config import ConfigError, SamplingOverrides, Settings, load_settings, save_setting
from tests.config_files import write_config
from tests.forbidden import forbid


def test_defaults_without_a_file():
    settings = load_settings()
    assert settings == Settings()
    assert settings.model == "Qwen/Qwen3-30B-A3B-GPTQ-Int4"
    assert settings.thinking is True
    assert settings.max_new_tokens == 32_768
    assert settings.yarn_factor is None
    assert settings.sampling == SamplingOverrides()


def test_config_file_lives_in_the_config_dir(isolated_dirs):
    assert locations.config_file() == isolated_dirs / "config" / "config.toml"
    assert locations.sessions_dir() == isolated_dirs / "data" / "sessions"


def test_file_overrides_defaults():
    write_config(
        'model = "/models/qwen3"\nthinking = false\nyarn_factor = 2\n'
        "[sampling]\ntemperature = 0.5\npresence_penalty = 1.0\n"
    )
    settings = load_settings()
    assert (settings.model, settings.thinking, settings.yarn_factor) == ("/models/qwen3", False, 2)
    assert settings.sampling.temperature == 0.5
    assert settings.sampling.presence_penalty == 1.0
    assert settings.sampling.top_p is None
    assert settings.theme == Settings().theme


def test_the_largest_file_slash_file_attaches_is_a_setting():
    assert Settings().max_attachment_bytes == 256 * 1024
    write_config("max_attachment_bytes = 1_048_576\n")
    assert load_settings().max_attachment_bytes == 1_048_576


def test_flags_override_the_file_and_unset_flags_do_not():
    write_config('engine = "demo"\nthinking = false\n[sampling]\ntop_k = 40\n')
    settings = settings_from_flags(thinking=True, temperature=0.2, model=None, system="Be kind.")
    assert settings.thinking is True
    assert settings.engine == "demo"
    assert settings.system_prompt == "Be kind."
    assert (settings.sampling.temperature, settings.sampling.top_k) == (0.2, 40)


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        ({"engine": "gpu"}, "--engine"),
        ({"temperature": -1.0}, "--temperature"),
        ({"max_new_tokens": 0}, "--max-new-tokens"),
        ({"yarn_factor": 0.5}, "--yarn-factor"),
        ({"thinking_budget": 0}, "--thinking-budget is 0; give a number of thinking tokens"),
    ],
)
def test_bad_flag_names_the_flag(flags, named):
    with pytest.raises(ConfigError, match=named) as caught:
        settings_from_flags(**flags)
    assert str(caught.value).startswith("command line:")


def test_an_empty_model_is_refused_not_taken_as_the_current_dir():
    with pytest.raises(ConfigError) as from_flag:
        settings_from_flags(model="")
    path = write_config('model = "  "\n')
    with pytest.raises(ConfigError) as from_file:
        load_settings()
    problem = "is empty; give a model directory or hub repo id"
    assert str(from_flag.value) == f"command line: --model {problem}"
    assert str(from_file.value) == f"{path}: key 'model' {problem}"


@pytest.mark.parametrize(
    ("flags", "shown"),
    [
        ({"temperature": math.nan}, "--temperature is nan"),
        ({"temperature": math.inf}, "--temperature is inf"),
        ({"yarn_factor": math.nan}, "--yarn-factor is nan"),
        ({"yarn_factor": math.inf}, "--yarn-factor is inf"),
    ],
)
def test_nan_and_inf_flags_are_refused(flags, shown):
    with pytest.raises(ConfigError) as caught:
        settings_from_flags(**flags)
    assert str(caught.value) == f"command line: {shown}; give a finite number"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[sampling]\ntemperature = nan\n", "key 'sampling.temperature' is nan"),
        ("yarn_factor = inf\n", "key 'yarn_factor' is inf"),
    ],
)
def test_nan_and_inf_in_the_file_are_refused(text, shown):
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == f"{path}: {shown}; give a finite number"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("thinking = \n", "TOML"),
        ('colour = "red"\n', "'colour'"),
        ("[sampling]\ntemprature = 0.3\n", "'sampling.temprature'"),
        ('thinking = "yes"\n', "'thinking'"),
        ("max_new_tokens = true\n", "'max_new_tokens'"),
        ("top_k = 20\n", "'top_k'; move it under [sampling]"),
        ('engine = "gpu"\n', "'engine'"),
        ("max_new_tokens = 0\n", "'max_new_tokens'"),
        ("[sampling]\ntemperature = -1\n", "'sampling.temperature'"),
        ("[sampling]\ntop_p = 1.5\n", "'sampling.top_p'"),
        ("sampling = 3\n", "'sampling'"),
        ("thinking_budget = -5\n", "'thinking_budget' is -5; give a number of thinking tokens"),
        ('thinking_budget = "lots"\n', "'thinking_budget' must be int"),
        ("max_attachment_bytes = 0\n", "'max_attachment_bytes' must be at least 1"),
        ('max_attachment_bytes = "1 MiB"\n', "'max_attachment_bytes' must be int"),
    ],
)
def test_bad_file_gives_one_line_naming_file_and_key(text, named):
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert str(path) in message
    assert named in message
    assert "\n" not in message


def test_bad_toml_message_says_where():
    write_config('model = "x"\nthinking = \n')
    with pytest.raises(ConfigError, match="line 2"):
        load_settings()


def test_unreadable_config_is_a_config_error():
    locations.config_file().mkdir(parents=True)
    with pytest.raises(ConfigError, match="a directory, not a regular file"):
        load_settings()


def test_save_setting_keeps_the_other_keys():
    path = write_config('model = "/models/qwen3"\n\n[sampling]\ntemperature = 0.5\n')
    save_setting("theme", "qwen-light")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data == {
        "model": "/models/qwen3",
        "theme": "qwen-light",
        "sampling": {"temperature": 0.5},
    }
    assert load_settings().theme == "qwen-light"
    assert list(path.parent.iterdir()) == [path], "no temporary file is left behind"


def test_save_setting_creates_the_file():
    save_setting("thinking", False)
    assert load_settings().thinking is False


def test_save_setting_refuses_a_bad_value_and_leaves_the_file_alone():
    path = write_config('theme = "qwen-dark"\n')
    with pytest.raises(ConfigError, match="'engine'"):
        save_setting("engine", "gpu")
    assert path.read_text(encoding="utf-8") == 'theme = "qwen-dark"\n'


def test_save_setting_on_a_broken_file_is_a_config_error_not_data_loss():
    path = write_config("theme = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        save_setting("theme", "qwen-light")
    assert path.read_text(encoding="utf-8") == "theme = \n"


def test_a_config_folder_that_cannot_be_entered_is_one_line(monkeypatch):
    folder = locations.config_dir()
    folder.mkdir(parents=True)
    forbid(monkeypatch, folder)
    result = CliRunner().invoke(app, ["run", "--engine", "demo", "--no-save", "Hello"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"qwen-chat: error: {folder / 'config.toml'}: cannot read it (Permission denied); "
        "make it a readable config file (or remove it), or set QWEN_TUI_CONFIG_DIR to "
        "another folder"
    ]


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (os.mkfifo, "a named pipe (FIFO), not a regular file"),
        (lambda path: path.symlink_to("/dev/zero"), "a character device, not a regular file"),
    ],
    ids=["fifo", "dev-zero"],
)
def test_a_config_that_is_no_regular_file_is_refused_unread(make, shown):
    path = locations.config_file()
    path.parent.mkdir(parents=True)
    make(path)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{path}: {shown}; ")


def test_deeply_nested_toml_is_one_line():
    path = write_config("theme = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == f"{path}: not valid TOML (nested too deeply); fix the file"


@pytest.mark.parametrize("value", ["1e308", "9", "1e20"])
def test_a_yarn_factor_beyond_what_fits_is_refused_in_the_file_and_as_a_flag(value):
    write_config(f"yarn_factor = {value}\n")
    with pytest.raises(ConfigError, match="key 'yarn_factor' is .* at most 8"):
        load_settings()
    with pytest.raises(ConfigError, match="--yarn-factor is .* at most 8"):
        Settings().with_overrides(yarn_factor=float(value))


@pytest.mark.parametrize(
    ("flag", "value", "problem"),
    [
        ("--top-p", "1e-300", "--top-p must be at least 1e-06 and at most 1, got 1e-300"),
        (
            "--temperature",
            "1e-40",
            "--temperature must be 0 (greedy) or at least 1e-05, got 1e-40",
        ),
    ],
)
def test_sampling_values_the_sampler_cannot_compute_are_refused(flag, value, problem):
    result = CliRunner().invoke(app, ["run", "--engine", "demo", "--no-save", flag, value, "Hi"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"qwen-chat: error: command line: {problem}"]

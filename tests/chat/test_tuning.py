"""`/set`'s values: what each name takes (one line naming the range otherwise), how a set
value wins over the flags, config.toml and the mode's preset in both modes, and where the
table says each value came from."""

from __future__ import annotations

import pytest

from qwen_tui.chat.messages import Conversation
from qwen_tui.chat.tuning import Tuning, check_value, parse_value, tunable_name
from qwen_tui.chat.tuning_table import Mode, tuning_rows
from qwen_tui.chat.turn_plan import plan_turn
from qwen_tui.config import Settings, load_settings

LIMIT = 40_960


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("temperature", "0", 0.0),
        ("temperature", "1.2", 1.2),
        ("top_p", "1", 1.0),
        ("top_k", "0", 0),
        ("top_k", "64", 64),
        ("min_p", "0.05", 0.05),
        ("presence_penalty", "-2", -2.0),
        ("max_new_tokens", "40960", 40_960),
        ("thinking_budget", "512", 512),
        ("thinking_budget", "off", None),
        ("thinking_budget", "None", None),
    ],
)
def test_a_value_in_range_is_taken(name, text, value):
    assert parse_value(name, text, LIMIT) == value


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("temperature", "-0.1", "temperature takes 0 (greedy) or a number from 1e-05 up"),
        ("temperature", "1e-9", "temperature takes 0 (greedy) or a number from 1e-05 up"),
        ("temperature", "hot", "temperature takes 0 (greedy) or a number from 1e-05 up"),
        ("temperature", "nan", "temperature takes"),
        ("top_p", "0", "top_p takes a number above 0 and at most 1"),
        ("top_p", "1.5", "top_p takes a number above 0 and at most 1"),
        ("top_k", "2.5", "top_k takes a whole number, 0 or more"),
        ("top_k", "-1", "top_k takes a whole number, 0 or more"),
        ("min_p", "1", "min_p takes a number from 0 up to, not including, 1"),
        ("presence_penalty", "2.5", "presence_penalty takes a number from -2 to 2"),
        ("max_new_tokens", "0", "max_new_tokens takes a whole number from 1 to 40,960"),
        ("max_new_tokens", "50000", "max_new_tokens takes a whole number from 1 to 40,960"),
        ("thinking_budget", "0", "thinking_budget takes a whole number of thinking tokens"),
    ],
)
def test_a_value_out_of_range_is_one_line_naming_the_range(name, text, says):
    with pytest.raises(ValueError) as raised:
        parse_value(name, text, LIMIT)
    message = str(raised.value)
    assert message.startswith(says) and message.endswith(f"got {text!r}")
    assert "\n" not in message


def test_names_take_dashes_too_and_an_unknown_one_lists_the_choices():
    assert tunable_name("Top-P") == "top_p"
    with pytest.raises(ValueError, match="/set has no 'temp'; it sets temperature, top_p"):
        tunable_name("temp")


def test_a_recorded_value_of_the_wrong_kind_is_refused():
    for name, value in [("top_k", 2.5), ("top_k", True), ("temperature", "0.3")]:
        with pytest.raises(ValueError):
            check_value(name, value)
    assert check_value("max_new_tokens", 10**6) == 10**6  # no context known: any length


def test_a_set_value_holds_in_both_modes_and_an_unset_one_follows_the_mode():
    conversation = Conversation(tuning=Tuning({"temperature": 0.3, "max_new_tokens": 99}))
    thinking = plan_turn(conversation, "hi", Settings(thinking=True))
    plain = plan_turn(conversation, "hi", Settings(thinking=False))
    assert (thinking.sampling.temperature, plain.sampling.temperature) == (0.3, 0.3)
    assert (thinking.sampling.top_p, plain.sampling.top_p) == (0.95, 0.8)
    assert thinking.max_new_tokens == plain.max_new_tokens == 99


def test_a_set_value_wins_over_a_flag_and_a_thinking_budget_of_off_over_the_config():
    settings = Settings(thinking_budget=256).with_overrides(temperature=0.9)
    tuning = Tuning({"temperature": 0.2, "thinking_budget": None})
    plan = plan_turn(Conversation(tuning=tuning), "hi", settings)
    assert plan.sampling.temperature == 0.2 and plan.thinking_budget is None
    assert plan_turn(Conversation(), "hi", settings).thinking_budget == 256


def test_the_table_says_where_each_value_came_from(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("thinking_budget = 2048\n[sampling]\nmin_p = 0.05\n")
    settings = load_settings(config).with_overrides(top_k=40)
    tuning = Tuning({"temperature": 0.3})
    rows = {row.name: (row.value, row.source) for row in tuning_rows(settings, tuning, Mode(False))}
    assert rows == {
        "temperature": ("0.3", "/set"),
        "top_p": ("0.8", "preset: non-thinking mode"),
        "top_k": ("40", "flag --top-k"),
        "min_p": ("0.05", "config.toml"),
        "presence_penalty": ("1.5", "preset: quantized model"),
        "max_new_tokens": ("32,768", "model card"),
        "thinking_budget": ("2,048", "config.toml"),
    }
    thinking = {row.name: row for row in tuning_rows(Settings(), Tuning(), Mode(True, False))}
    assert (thinking["top_p"].value, thinking["top_p"].source) == ("0.95", "preset: thinking mode")
    assert thinking["presence_penalty"].value == "0"
    assert thinking["thinking_budget"].value == "off"


def test_settings_from_config_and_flags_record_no_origins_in_sessions(tmp_path):
    settings = Settings().with_overrides(temperature=0.5)
    assert settings.origins == {"temperature": "flag"}
    assert "origins" not in settings.as_record()
    assert settings == Settings(sampling=settings.sampling)  # origins never make a difference


def test_numbers_too_large_for_the_samplers_are_refused_not_overflowed():
    for name, value in [("top_k", 10**400), ("max_new_tokens", 2**40), ("temperature", 1e300)]:
        with pytest.raises(ValueError):
            check_value(name, value)
    with pytest.raises(ValueError, match="thinking_budget takes"):
        parse_value("thinking_budget", "9" * 500, LIMIT)
    assert parse_value("thinking_budget", "1,024", LIMIT) == 1024  # as the table shows it

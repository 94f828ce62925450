"""Planning a turn: the preset of the mode in effect, the user's overrides, and warnings."""

from __future__ import annotations

import pytest

from qwen_tui.chat.messages import Conversation
from qwen_tui.chat.turn_plan import plan_turn
from qwen_tui.config import SamplingOverrides, Settings
from qwen_tui.engine.base import GenerationRequest

THINKING = (0.6, 0.95, 20, 0.0)
NON_THINKING = (0.7, 0.8, 20, 0.0)


def core(plan) -> tuple[float, float, int, float]:
    s = plan.sampling
    return (s.temperature, s.top_p, s.top_k, s.min_p)


def chat(*user_turns: str) -> Conversation:
    conversation = Conversation()
    for text in user_turns:
        conversation.add_user(text)
        conversation.add_assistant("ok", thinking="thought")
    return conversation


def test_thinking_turn_gets_the_thinking_preset_and_quantized_penalty():
    plan = plan_turn(chat(), "Prove it.", Settings())
    assert plan.enable_thinking and plan.thinking
    assert core(plan) == THINKING
    assert plan.sampling.presence_penalty == 1.5
    assert plan.warnings == ()


def test_soft_switch_off_picks_the_non_thinking_preset():
    plan = plan_turn(chat(), "Quick: capital of Peru? /no_think", Settings())
    assert plan.enable_thinking and not plan.thinking
    assert core(plan) == NON_THINKING


def test_earlier_soft_switch_still_decides_the_next_turn():
    plan = plan_turn(chat("Keep it short /no_think"), "Next question", Settings())
    assert not plan.thinking
    assert plan.messages[0]["content"] == "Keep it short /no_think"


def test_hard_switch_off_ignores_think_and_says_so():
    plan = plan_turn(chat(), "Please /think", Settings(thinking=False))
    assert not plan.enable_thinking and not plan.thinking
    assert core(plan) == NON_THINKING
    assert any("/think does nothing" in w for w in plan.warnings)


def test_user_overrides_apply_on_top_of_the_mode_preset():
    settings = Settings(sampling=SamplingOverrides(temperature=0.3, presence_penalty=0.0))
    thinking = plan_turn(chat(), "q", settings)
    plain = plan_turn(chat(), "q /no_think", settings)
    assert core(thinking) == (0.3, 0.95, 20, 0.0)
    assert core(plain) == (0.3, 0.8, 20, 0.0)
    assert thinking.sampling.presence_penalty == plain.sampling.presence_penalty == 0.0


def test_greedy_in_thinking_mode_warns():
    settings = Settings(sampling=SamplingOverrides(temperature=0.0))
    plan = plan_turn(chat(), "q", settings)
    assert plan.sampling.greedy
    assert any("Greedy" in w and "loop" in w for w in plan.warnings)


def test_greedy_without_thinking_is_fine():
    settings = Settings(sampling=SamplingOverrides(temperature=0.0))
    assert plan_turn(chat(), "q /no_think", settings).warnings == ()


@pytest.mark.parametrize("thinking", [True, False])
def test_unquantized_models_get_no_presence_penalty(thinking):
    plan = plan_turn(chat(), "q", Settings(thinking=thinking), quantized=False)
    assert plan.sampling.presence_penalty == 0.0


def test_messages_end_with_the_pending_message_and_hold_no_thinking():
    plan = plan_turn(chat("first"), "second", Settings())
    assert plan.messages[-1] == {"role": "user", "content": "second"}
    assert all("thought" not in m["content"] for m in plan.messages)


def test_system_prompt_comes_from_settings_when_the_conversation_has_none():
    plan = plan_turn(Conversation(), "hi", Settings(system_prompt="Answer in French."))
    assert plan.messages[0] == {"role": "system", "content": "Answer in French."}
    own = plan_turn(Conversation(system_prompt="Be terse."), "hi", Settings(system_prompt="x"))
    assert own.messages[0]["content"] == "Be terse."


def test_turn_settings_and_request_carry_the_plan():
    plan = plan_turn(chat(), "q /no_think", Settings(max_new_tokens=512))
    recorded = plan.turn_settings()
    assert (recorded.enable_thinking, recorded.thinking) == (True, False)
    assert (recorded.sampling, recorded.max_new_tokens) == (plan.sampling, 512)
    request = GenerationRequest.from_plan(plan, request_id=7)
    assert request.messages == plan.messages
    assert request.enable_thinking and request.request_id == 7
    assert (request.sampling, request.max_new_tokens) == (plan.sampling, 512)

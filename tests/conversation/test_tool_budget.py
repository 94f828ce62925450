"""The offered tools take room in the context: the template writes their schemas into the
prompt, so the budget of a turn, of each step of the tool loop and the context shown in
use all count them.

`ManualEngine` charges each message 10 tokens plus its characters, and each tool the
characters of its JSON.
"""

from __future__ import annotations

import json

from manual_engine import ManualEngine

from qwen_tui.chat.messages import Conversation, Message, Role, ToolCallRecord
from qwen_tui.config import Settings
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.updates import BudgetQuestion, ToolLoopStopped, TurnStarted
from qwen_tui.server.offered_tools import OfferedTools

BIG_TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "x" * 2_000,
        "parameters": {"type": "object", "properties": {}},
    },
}
TOOL_TOKENS = len(json.dumps(BIG_TOOL))


def core_with(engine: ManualEngine, conversation: Conversation | None = None, **settings):
    core = ConversationCore(
        engine,
        Settings(engine="demo", **settings),
        conversation,
        tools=OfferedTools((BIG_TOOL,)),
    )
    core.handle(engine.ready())
    return core


def of(kind, updates):
    return [u for u in updates if isinstance(u, kind)]


def test_a_message_that_fits_only_without_the_tools_is_asked_about():
    engine = ManualEngine(context_limit=3_000)
    core = core_with(engine, max_new_tokens=1_500)
    [question] = of(BudgetQuestion, core.send("Hi"))
    assert question.budget.prompt_tokens == 12 + TOOL_TOKENS
    assert engine.requests == []


def test_the_turn_and_the_context_in_use_count_the_tools():
    engine = ManualEngine()
    core = core_with(engine)
    [started] = of(TurnStarted, core.send("Hi"))
    assert started.turn.prompt_tokens == 12 + TOOL_TOKENS
    assert engine.requests[-1].tools == (BIG_TOOL,)
    core.handle(engine.finished("Hello."))
    assert core.context_used() == 12 + 16 + TOOL_TOKENS


def test_a_step_whose_results_fit_only_without_the_tools_stops_the_loop():
    call = ToolCallRecord("lookup", {})
    history = Conversation(
        "",
        [
            Message(Role.USER, "Look it up"),
            Message(Role.ASSISTANT, "", tool_calls=(call,)),
            Message(Role.TOOL, "found", tool_name="lookup"),
        ],
    )
    engine = ManualEngine(context_limit=1_000)
    core = core_with(engine, history)
    [stopped] = of(ToolLoopStopped, core.answer_results())
    assert "context is full" in stopped.reason
    assert engine.requests == []

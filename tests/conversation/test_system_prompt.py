"""`/system` in the core: the next request carries the new system prompt."""

from __future__ import annotations

from manual_engine import ManualEngine

from qwen_tui.config import Settings
from qwen_tui.conversation.core import ConversationCore
from qwen_tui.conversation.updates import Notice


def ready_core(engine: ManualEngine, **settings: object) -> ConversationCore:
    core = ConversationCore(engine, Settings(engine="demo", **settings))  # type: ignore[arg-type]
    core.handle(engine.ready())
    return core


def system_of(engine: ManualEngine) -> list[str]:
    messages = engine.requests[-1].messages
    return [m["content"] for m in messages if m["role"] == "system"]


def test_the_next_request_sends_the_new_system_prompt():
    engine = ManualEngine()
    core = ready_core(engine, system_prompt="Be terse.")
    updates = core.set_system_prompt("  Answer in French.  ")
    assert any(isinstance(u, Notice) and "Answer in French." in u.text for u in updates)
    core.send("hello")
    assert system_of(engine) == ["Answer in French."]


def test_an_empty_system_prompt_sends_none():
    engine = ManualEngine()
    core = ready_core(engine, system_prompt="Be terse.")
    core.set_system_prompt("")
    core.send("hello")
    assert system_of(engine) == []
    assert core.settings.system_prompt == ""

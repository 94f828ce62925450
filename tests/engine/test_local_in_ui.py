"""The chat UI on the local engine with a tiny checkpoint, end to end: load, send, stream
the thinking and the answer into their panes."""

from __future__ import annotations

import time
from pathlib import Path

from qwen_tui.config import Settings
from qwen_tui.engine.local import LocalEngine
from qwen_tui.engine.spec import ModelSpec
from qwen_tui.ui.app import ChatApp
from qwen_tui.ui.widgets.conversation_view import ConversationView
from tests.engine.tiny_models import chain_checkpoint, special_id, token_ids


def local_chat_app(model: Path, max_new_tokens: int) -> ChatApp:
    """The chat on the local engine with `model` on the CPU, saving no session."""
    settings = Settings(
        model=str(model),
        engine="local",
        device="cpu",
        dtype="float32",
        max_new_tokens=max_new_tokens,
    )
    engine = LocalEngine(ModelSpec(settings.model, settings.device, settings.dtype))
    return ChatApp(settings, engine=engine, recorder_factory=lambda _settings, _engine: None)


async def wait_for(pilot, condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


async def test_ui_chats_with_a_tiny_checkpoint(tmp_path):
    chain = [
        special_id("<think>"),
        *token_ids("Let me think"),
        special_id("</think>"),
        *token_ids("\n\nParis is the capital."),
        special_id("<|im_end|>"),
    ]
    model = chain_checkpoint(tmp_path / "tiny", chain)
    app = local_chat_app(model, max_new_tokens=64)
    async with app.run_test(size=(120, 40)) as pilot:
        driver = app.core
        await wait_for(pilot, lambda: driver.state == "ready", 60, "the model to load")
        app.chat_screen.query_one("#prompt").text = "What is the capital of France?"
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: len(driver.conversation.messages) == 2 and not driver.busy,
            30,
            "the reply",
        )
        reply = driver.conversation.messages[-1]
        assert (reply.thinking, reply.content) == ("Let me think", "Paris is the capital.")
        turn = app.chat_screen.query_one(ConversationView).assistant_turns()[-1]
        assert turn.answer.text == "Paris is the capital."
        assert turn.thinking.text == "Let me think"


async def test_a_template_that_fails_on_a_later_turn_is_a_notice_not_a_crash(tmp_path):
    import json

    from tests.engine.test_template_sandbox import FAILS_ON_REPLIES

    chain = [*token_ids("Hi there."), special_id("<|im_end|>")]
    model = chain_checkpoint(tmp_path / "tiny", chain)
    config_file = model / "tokenizer_config.json"
    config = json.loads(config_file.read_text())
    config["chat_template"] = FAILS_ON_REPLIES
    config_file.write_text(json.dumps(config))
    app = local_chat_app(model, max_new_tokens=16)
    async with app.run_test(size=(120, 40)) as pilot:
        driver = app.core
        await wait_for(pilot, lambda: driver.state == "ready", 60, "the model to load")
        prompt = app.chat_screen.query_one("#prompt")
        prompt.text = "Hello"
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(driver.conversation.messages) == 2, 30, "the reply")
        await wait_for(pilot, lambda: not driver.busy, 30, "the reply to end")
        prompt.text = "And again?"
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and len(driver.conversation.messages) == 2
        assert prompt.text == "And again?"  # given back to edit or keep
        notices = [n.message for n in app._notifications]
        assert any("assistant turns are not supported" in n for n in notices)

"""`/model PATH` with the local engine: the chat loads the other checkpoint with the load
bar, as at start-up, and the conversation goes on with it; a path that holds no model is
one line and the loaded model stays."""

from __future__ import annotations

from qwen_tui.ui.widgets.load_bar import LoadBar
from qwen_tui.ui.widgets.status_bar import StatusBar
from tests.engine.test_local_in_ui import local_chat_app, wait_for
from tests.engine.tiny_models import chain_checkpoint, special_id, token_ids


def answering(directory, text: str):
    return chain_checkpoint(directory, [*token_ids(text), special_id("<|im_end|>")])


async def ask(pilot, app, text: str) -> str:
    core = app.core
    before = len(core.conversation.messages)
    app.chat_screen.query_one("#prompt").text = text
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: len(core.conversation.messages) == before + 2 and not core.busy,
        30,
        "the reply",
    )
    return core.conversation.messages[-1].content


async def test_model_path_loads_another_checkpoint_and_the_conversation_goes_on(tmp_path):
    first, second = answering(tmp_path / "a", "From A."), answering(tmp_path / "b", "From B.")
    app = local_chat_app(first, max_new_tokens=16)
    engine = app.core.engine
    async with app.run_test(size=(120, 40)) as pilot:
        core = app.core
        await wait_for(pilot, lambda: core.state == "ready", 60, "the first model")
        assert await ask(pilot, app, "Hello") == "From A."
        app.chat_screen.query_one("#prompt").text = f"/model {second}"
        await pilot.press("enter")
        await wait_for(pilot, lambda: core.state == "ready", 60, "the second model")
        assert app.chat_screen.query_one(StatusBar).model_name == str(second)
        assert not app.chat_screen.query_one(LoadBar).display
        assert core.engine is not engine and engine._loaded is None  # the old one was freed
        assert await ask(pilot, app, "And now?") == "From B."
        assert [m.content for m in core.conversation.messages][:2] == ["Hello", "From A."]


async def test_a_path_without_a_model_is_one_line_and_the_loaded_model_stays(tmp_path):
    first = answering(tmp_path / "a", "From A.")
    app = local_chat_app(first, max_new_tokens=16)
    engine = app.core.engine
    async with app.run_test(size=(120, 40)) as pilot:
        core = app.core
        await wait_for(pilot, lambda: core.state == "ready", 60, "the model")
        app.chat_screen.query_one("#prompt").text = f"/model {tmp_path / 'nothing'}"
        await pilot.press("enter")
        await pilot.pause()
        said = [n.message for n in app._notifications][-1]
        assert said == (
            f"Cannot switch to {tmp_path / 'nothing'}: model directory "
            f"{tmp_path / 'nothing'} does not exist."
        )
        assert core.engine is engine and core.state == "ready"
        assert await ask(pilot, app, "Hello") == "From A."

"""What the UI tests share: a demo engine that records requests, and waiting helpers."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from textual import events
from textual.pilot import Pilot

from qwen_tui.chat.messages import Conversation, GenerationStats
from qwen_tui.config import Settings
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.scripted.demo import DemoEngine
from qwen_tui.sessions import Chunk
from qwen_tui.ui.app import ChatApp
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn
from qwen_tui.ui.widgets.conversation_view import ConversationView
from tests.recording_engine import RecordingEngine

WIDE = (160, 48)
NARROW = (80, 24)


class LongReplyEngine(RecordingEngine):
    """Thinks for `words` words, then answers with `paragraphs` paragraphs and code."""

    def __init__(self, words: int = 2_000, paragraphs: int = 20, **kwargs) -> None:
        super().__init__(**kwargs)
        self.words = words
        self.paragraphs = paragraphs

    def compose_reply(self, request: GenerationRequest) -> tuple[str, str]:
        thinking = " ".join(f"thought{i}" for i in range(self.words))
        answer = [
            f"Paragraph {i} of the answer, with **bold** text." for i in range(self.paragraphs)
        ]
        answer.insert(self.paragraphs // 2, "```python\nprint('code in the middle')\n```")
        return thinking, "\n\n".join(answer)


class HeldReplyEngine(RecordingEngine):
    """Streams `hold_after` tokens, then waits for `release` (10 s at most) before going
    on, so a test can look at a reply mid-stream however slow the machine running it is.
    While held it does not look at cancellation, like a GPU busy with a long step."""

    def __init__(self, hold_after: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hold_after = hold_after
        self.release = threading.Event()
        self._streamed = 0

    def _pause(self, seconds: float, cancelled: threading.Event, until: bool = False) -> bool:
        if until:  # the wait before each streamed token
            self._streamed += 1
            if self._streamed > self.hold_after:
                self.release.wait(10)
        return super()._pause(seconds, cancelled, until)


class RecorderSpy:
    """A SessionRecorder stand-in that keeps what it was told."""

    def __init__(self) -> None:
        self.users: list[str] = []
        self.assistants: list = []
        self.timelines: list[list[Chunk]] = []
        self.sets: list[tuple[str, object]] = []
        self.closed = False

    def record_user(self, message) -> None:
        self.users.append(message.content)

    def record_assistant(self, message, timeline=()) -> None:
        self.assistants.append(message)
        self.timelines.append(list(timeline))

    def record_set(self, name: str, value: object) -> None:
        self.sets.append((name, value))

    def record_reset(self, name: str) -> None:
        self.sets.append((name, "default"))

    def close(self) -> None:
        self.closed = True


def make_app(
    engine: DemoEngine | None = None,
    *,
    settings: Settings | None = None,
    conversation: Conversation | None = None,
    queued_prompts: tuple[str, ...] = (),
    recorder: RecorderSpy | None = None,
) -> ChatApp:
    return ChatApp(
        settings or Settings(engine="demo"),
        engine=engine or RecordingEngine(),
        conversation=conversation,
        queued_prompts=queued_prompts,
        recorder_factory=lambda _settings, _engine: recorder,
    )


async def wait_for(
    pilot: Pilot, condition: Callable[[], object], timeout: float = 5.0, what: str = ""
) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.01)


async def ready(pilot: Pilot) -> None:
    """Wait until the engine has loaded."""
    await wait_for(pilot, lambda: pilot.app.core.state == "ready", what="ready")


async def press_now(pilot: Pilot, key: str) -> None:
    """Press `key` like a user would, without `Pilot.press`'s wait for an idle CPU (which
    lasts up to two seconds while a reply streams)."""
    pilot.app.post_message(events.Key(key, "\r" if key == "enter" else None))
    await asyncio.sleep(0)


async def enter(pilot: Pilot, text: str, press_enter: bool = True) -> None:
    """Put `text` in the input (typing it key by key is slow in Pilot), then press Enter."""
    prompt = pilot.app.chat_screen.query_one("#prompt")
    prompt.text = text
    prompt.move_cursor(prompt.document.end)
    await pilot.press("enter") if press_enter else await pilot.pause()


async def send(pilot: Pilot, text: str) -> None:
    """Type `text` into the input and press Enter."""
    core = pilot.app.core
    before = len(core.conversation.messages) + len(core.pending)
    pilot.app.chat_screen.query_one("#prompt").text = text
    await press_now(pilot, "enter")
    await wait_for(
        pilot,
        lambda: len(core.conversation.messages) + len(core.pending) > before,
        what=f"{text!r} sent",
    )


async def until_idle(pilot: Pilot, timeout: float = 5.0) -> None:
    """Wait until no turn streams and the engine is free."""
    core = pilot.app.core
    await wait_for(pilot, lambda: not core.busy and not core.pending, timeout, "idle")


def assistant_turns(app: ChatApp) -> list[AssistantTurn]:
    return app.chat_screen.query_one(ConversationView).assistant_turns()


def live_turn(app: ChatApp) -> AssistantTurn | None:
    """The reply widget that is streaming now, if any."""
    if app.core.live is None:
        return None
    turns = assistant_turns(app)
    return turns[-1] if turns and turns[-1].streaming else None


def sample_conversation() -> Conversation:
    """A finished two-turn conversation with fixed figures, for snapshots."""
    conversation = Conversation()
    conversation.add_user("How do I reverse a string in Python?")
    conversation.add_assistant(
        "## Reversing a string\n\nA slice with a step of `-1` walks it backwards:\n\n"
        "```python\ndef reverse(text: str) -> str:\n    return text[::-1]\n```\n\n"
        "- It works for any Unicode string.\n- It returns a new string.",
        "Okay, the user wants to reverse a string. Slicing with a negative step is the "
        "idiomatic way; I'll show a small function and mention that strings are immutable.",
        stats=GenerationStats(31, 120, 0.21, 84.5, 1.63),
    )
    conversation.add_user("And without thinking? /no_think")
    conversation.add_assistant(
        "Use `''.join(reversed(text))` when you want an explicit iterator.",
        stats=GenerationStats(92, 18, 0.12, 91.2, 0.31),
    )
    return conversation

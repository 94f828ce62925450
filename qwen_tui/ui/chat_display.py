"""What the chat screen shows of its `TurnDriver` (a mixin of `ChatScreen`).

The driver calls these as the engine loads and turns stream: the conversation's turns,
the load bar, the status line and the hint under the input saying which mode the message
being typed will run in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content

from qwen_tui.chat.messages import Conversation, GenerationStats
from qwen_tui.chat.switches import soft_switch
from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.engine.base import EngineReady, LoadProgress
from qwen_tui.ui.gpu_memory import gpu_memory_text
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn
from qwen_tui.ui.widgets.conversation_view import ConversationView
from qwen_tui.ui.widgets.load_bar import LoadBar
from qwen_tui.ui.widgets.prompt_input import PromptInput
from qwen_tui.ui.widgets.status_bar import StatusBar
from qwen_tui.ui.widgets.user_turn import UserTurn

if TYPE_CHECKING:
    from qwen_tui.ui.screens.chat_screen import ChatScreen

    _Base = ChatScreen
else:
    _Base = object


class ChatDisplay(_Base):
    """The chat screen's widgets, kept in step with the driver's state."""

    def refresh_mode_hint(self) -> None:
        """Show under the input which mode the message being typed will run in."""
        prompt = self.query_one(PromptInput)
        switch = soft_switch(prompt.text)
        if not self.driver.settings.thinking:
            ignored = " (/think is ignored)" if switch else ""
            hint = f"thinking off: Ctrl+T{ignored}"
        elif switch is not None:
            hint = f"thinking {'on' if switch else 'off'}: {'/think' if switch else '/no_think'}"
        else:
            hint = "thinking on" if self._base_thinking else "thinking off: earlier /no_think"
        queued = len(self.driver.pending)
        prompt.border_subtitle = f"▸ {hint}" + (f" · {queued} queued" if queued else "")
        prompt.border_title = "Message" + (
            " (sent when the model is ready)" if self.driver.state == "loading" else ""
        )

    async def show_conversation(self, conversation: Conversation) -> None:
        """Show `conversation` in place of the one before: its turns, its prompts for Up and
        Down, and its own last reply's speed (none yet in a new conversation)."""
        await self.query_one(ConversationView).show_conversation(conversation)
        prompts = (m.content for m in conversation.user_messages)
        self.query_one(PromptInput).replace_history(prompts)
        self.query_one(StatusBar).last_stats = None
        self.refresh_context()

    async def add_turns(self, text: str, expect_thinking: bool) -> AssistantTurn:
        view = self.query_one(ConversationView)
        await view.add_user(text)
        return await view.add_assistant(expect_thinking)

    def mark_dropped_turns(self, count: int) -> None:
        """Dim the oldest `count` user messages still in context, each with what follows it
        (failed turns too): the model no longer sees them."""
        users = 0
        for turn in self.query_one(ConversationView).query_children("UserTurn, AssistantTurn"):
            if turn.has_class("-dropped"):
                continue
            if isinstance(turn, UserTurn):
                users += 1
                if users > count:
                    break
            turn.add_class("-dropped")

    def set_generating(self, generating: bool) -> None:
        status = self.query_one(StatusBar)
        if self.driver.state == "ready":
            status.state = "generating" if generating else "ready"
        self.refresh_bindings()
        self.refresh_mode_hint()

    def show_load_progress(self, progress: LoadProgress) -> None:
        self.query_one(LoadBar).advance(progress)
        percent = 100 * progress.done // max(progress.total, 1)
        self.query_one(StatusBar).state = f"loading {percent}%"

    def show_ready(self, ready: EngineReady) -> None:
        self.query_one(LoadBar).display = False
        status = self.query_one(StatusBar)
        status.model_name = ready.model_name or self.engine.model_name
        status.state = "ready"
        self.refresh_context()

    def show_load_failed(self, message: str) -> None:
        self.query_one(LoadBar).display = False
        self.query_one(StatusBar).state = "failed to load"
        # Content, not a str: the message quotes files, brackets and control characters too.
        failed = Content(f"Engine failed: {visible_controls(message)}")
        self.query_one(PromptInput).border_title = failed

    def show_stats(self, stats: GenerationStats) -> None:
        if stats.generated_tokens:
            self.query_one(StatusBar).last_stats = stats

    def show_context_used(self, tokens: int) -> None:
        status = self.query_one(StatusBar)
        status.context_limit = self.engine.context_limit
        status.context_used = tokens

    def refresh_context(self) -> None:
        """Recount the context in use and the mode the next message runs in."""
        self._base_thinking = self.driver.base_thinking()
        status = self.query_one(StatusBar)
        last = self.driver.conversation.last_assistant
        if last is not None and last.stats is not None and status.last_stats is None:
            status.last_stats = last.stats
        if self.driver.state == "ready":
            self.show_context_used(self.driver.context_used())
        self.refresh_mode_hint()

    def _refresh_gpu(self) -> None:
        self.query_one(StatusBar).gpu_memory = gpu_memory_text()

"""`ChatView`: the chat screen's widgets, kept in step with the conversation core.

The turn driver tells it what happened (a turn started, text streamed, the engine
loaded); it knows the widgets, not the screen they sit on. It also shows, under the
input, which mode the message being typed will run in.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.content import Content

from qwen_tui.chat.messages import Conversation, GenerationStats
from qwen_tui.chat.switches import soft_switch
from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.conversation.core import ConversationCore, EngineState
from qwen_tui.conversation.tool_loop import ToolActivity
from qwen_tui.conversation.updates import ReplyShown
from qwen_tui.engine.events import EngineReady, LoadProgress
from qwen_tui.sessions.prompt_history import PromptHistory
from qwen_tui.ui.message_edit import MessageEdit
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn
from qwen_tui.ui.widgets.conversation_view import ConversationView, unanswered
from qwen_tui.ui.widgets.edit_banner import EditBanner
from qwen_tui.ui.widgets.load_bar import LoadBar
from qwen_tui.ui.widgets.prompt_input import PromptInput
from qwen_tui.ui.widgets.status_bar import StatusBar

_GIB = 1024**3


class ChatView:
    """What the chat screen shows of the conversation in use and of the engine."""

    def __init__(
        self,
        core: ConversationCore,
        turns: ConversationView,
        load_bar: LoadBar,
        prompt: PromptInput,
        status: StatusBar,
    ) -> None:
        self.core = core
        self.turns = turns
        self.load_bar = load_bar
        self.prompt = prompt
        self.status = status
        self.edit = MessageEdit(EditBanner(id="edit-banner"), prompt)
        """The past message being edited in the input, if any (E on it)."""
        self._base_thinking = True  # the next turn's mode without a soft switch
        playback = core.engine.playback
        self.playback = playback is not None
        self.clock: Callable[[], float] = playback.played_seconds if playback else time.monotonic
        """What live turns are timed by: a played-back session's clock stands still while
        it is paused."""
        self.history = None if self.playback else PromptHistory()
        """Prompts of earlier conversations and runs, for Up (none in a playback)."""
        status.engine_name = core.engine.name
        status.model_name = core.engine.model_name
        status.thinking = core.settings.thinking
        status.state = "loading"

    def remember_prompt(self, text: str) -> None:
        """A line the user sent: Up recalls it here, and in later conversations and runs."""
        self.prompt.remember(text)
        if self.history is not None:
            self.history.add(text)

    def refresh_mode_hint(self) -> None:
        """Show under the input which mode the message being typed will run in."""
        if self.playback:
            self.prompt.border_title = "Playback of a recorded session: read-only"
            self.prompt.border_subtitle = "Space pauses · Esc stops this reply · Ctrl+Q quits"
            return
        switch = soft_switch(self.prompt.text)
        edited = self.edit.editing
        base_thinking = self._base_thinking if edited is None else edited.thinking
        if not self.core.settings.thinking:
            ignored = " (/think is ignored)" if switch else ""
            hint = f"thinking off: Ctrl+T{ignored}"
        elif switch is not None:
            hint = f"thinking {'on' if switch else 'off'}: {'/think' if switch else '/no_think'}"
        else:
            hint = "thinking on" if base_thinking else "thinking off: earlier /no_think"
        queued = len(self.core.pending)
        self.prompt.border_subtitle = f"▸ {hint}" + (f" · {queued} queued" if queued else "")
        self.prompt.border_title = self._input_title()

    def _input_title(self) -> str | Content:
        if self.core.state is EngineState.FAILED:
            # Content, not a str: the message quotes files, brackets and control characters.
            return Content(f"Engine failed: {visible_controls(self.core.load_error)}")
        if self.core.state is EngineState.LOADING:
            return "Message (sent when the model is ready)"
        return "Message"

    async def show_conversation(self, conversation: Conversation) -> None:
        """Show `conversation` in place of the one before: its turns, its prompts for Up and
        Down, and its own last reply's speed (none yet in a new conversation)."""
        self.edit.drop()  # its number named a message of the conversation shown before
        await self.turns.show_conversation(conversation)
        own = [m.content for m in conversation.user_messages]
        self.prompt.replace_history(self.history.recalled_with(own) if self.history else own)
        self.status.last_stats = None
        self.refresh_context()
        if self.playback:
            return
        self.prompt.focus()  # a new or opened conversation is typed into at once
        messages = conversation.messages
        if messages and unanswered(messages, len(messages) - 1) and not self.prompt.text.strip():
            self.restore_input(messages[-1].content)
            self.prompt.notify(
                "Your last message got no reply (interrupted); it is back in the input: "
                "Enter asks again."
            )

    async def add_turn(self, text: str, prompt_tokens: int) -> AssistantTurn:
        """Show the user's message and an assistant turn to stream its reply into."""
        await self.turns.add_user(text)
        return await self.turns.add_assistant(prompt_tokens, self.clock)

    async def show_reply(self, shown: ReplyShown) -> None:
        """A user message shows another of its replies (or one made again streams)."""
        await self.turns.show_reply(shown.turns_back, shown.messages, shown.number, shown.count)
        if shown.messages is not None:
            self.refresh_context()  # the history carries the reply shown now

    def set_generating(self) -> None:
        """Show whether a reply is under way."""
        core = self.core
        if core.state is EngineState.READY:
            before = self.status.state
            if core.live is not None or core.in_engine is not None:
                self.status.state = "generating"
            elif core.tool_activity is ToolActivity.ASKING:
                self.status.state = "waiting for your approval"
            elif core.tool_activity is ToolActivity.RUNNING:
                self.status.state = "running a tool"
            else:
                self.status.state = "waiting for your choice" if core.question else "ready"
            if self.status.state != before and self.status.is_attached:
                self.status.screen.refresh_bindings()  # Esc "Stop" shows only mid-reply
        self.refresh_mode_hint()

    def show_mode(self, thinking: bool) -> None:
        self.status.thinking = thinking
        self.refresh_context()

    def show_load_progress(self, progress: LoadProgress) -> None:
        self.load_bar.display = True  # again, for a model loaded with /model
        self.load_bar.advance(progress)
        percent = 100 * progress.done // max(progress.total, 1)
        self.status.state = f"loading {percent}%"

    def show_ready(self, ready: EngineReady) -> None:
        self.load_bar.display = False
        self.status.model_name = ready.model_name or self.core.engine.model_name
        self.status.state = "ready"
        self.refresh_context()

    def show_load_failed(self) -> None:
        self.load_bar.display = False
        self.status.state = "failed to load"
        self.refresh_mode_hint()

    def show_stats(self, stats: GenerationStats | None) -> None:
        if stats is not None and stats.generated_tokens:
            self.status.last_stats = stats

    def show_context_used(self, tokens: int) -> None:
        self.status.context_limit = self.core.engine.context_limit
        self.status.context_used = tokens

    def refresh_context(self) -> None:
        """Recount the context in use and the mode the next message runs in."""
        self._base_thinking = self.core.base_thinking()
        # The mode the next message runs in: an earlier /no_think holds until a /think.
        self.status.soft_off = self.core.settings.thinking and not self._base_thinking
        last = self.core.conversation.last_assistant
        if last is not None and last.stats is not None and self.status.last_stats is None:
            self.status.last_stats = last.stats
        if self.core.state is EngineState.READY:
            self.show_context_used(self.core.context_used())
        self.refresh_mode_hint()

    def refresh_memory(self) -> None:
        """ "GPU 18.2/79.1 GiB" (memory this process holds / the card's total), if any."""
        memory = self.core.engine.memory_in_use()
        text = f"GPU {memory.held / _GIB:.1f}/{memory.total / _GIB:.1f} GiB" if memory else ""
        self.status.gpu_memory = text

    def restore_input(self, text: str) -> None:
        """Give a message that was not sent back to the input (if it is empty)."""
        if not self.prompt.text.strip():
            self.prompt.text = text
            self.prompt.move_cursor(self.prompt.document.end)

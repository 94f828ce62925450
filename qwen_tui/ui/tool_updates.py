"""`ToolUpdates`: the tool loop's updates on the chat screen, for the `TurnDriver`.

The core handles a reply's calls one at a time, in order: each call's block appears
(`ToolCallStarted`), may ask the user (`ToolApprovalNeeded`: the approval dialog, whose
answer goes back through `ConversationCore.answer_tool`), and gets its result
(`ToolCallEnded`). The loop's limit and stops are notices.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.app import App

from qwen_tui.conversation.updates import (
    ToolApprovalNeeded,
    ToolCallEnded,
    ToolCallStarted,
    ToolLoopStopped,
    ToolStepLimitReached,
)
from qwen_tui.tools.approval import Answer
from qwen_tui.ui.chat_view import ChatView
from qwen_tui.ui.screens.tool_approval_screen import ToolApprovalScreen
from qwen_tui.ui.widgets.tool_call_block import ToolCallBlock, outcome_of

ToolUpdate = (
    ToolCallStarted | ToolApprovalNeeded | ToolCallEnded | ToolStepLimitReached | ToolLoopStopped
)


class ToolUpdates:
    """Shows tool calls in `view`; `answer` hands the user's answer to the core."""

    def __init__(
        self, view: ChatView, app: App, answer: Callable[[Answer], Awaitable[None]]
    ) -> None:
        """`view.core` gives the tools' descriptions for the approval dialog."""
        self.view = view
        self.app = app
        self._answer = answer
        self._block: ToolCallBlock | None = None  # the call being handled

    async def show(self, update: ToolUpdate) -> None:
        if isinstance(update, ToolCallStarted):
            self._block = ToolCallBlock.for_call(update.call, clock=self.view.clock)
            await self.view.turns.add_tool_call(self._block)
        elif isinstance(update, ToolApprovalNeeded):
            if self._block is not None:
                self._block.wait_for_answer()
            call = update.call
            screen = ToolApprovalScreen(call.name, call.arguments, self._description(call.name))
            self.app.push_screen(screen, self._answered)
        elif isinstance(update, ToolCallEnded):
            block, self._block = self._block, None
            if block is not None:
                result = update.result_message
                seconds = update.seconds if result.ran else None
                block.finish(result.content, outcome_of(result), seconds)
        elif isinstance(update, ToolStepLimitReached):
            self.app.notify(
                f"The model asked for tools {update.limit} times in this turn, the limit "
                "(max_tool_steps in config.toml): its last calls were not run.",
                title="Tools",
                severity="warning",
                timeout=10,
            )
        else:
            self.app.notify(update.reason, title="Tools", severity="warning", markup=False)

    async def _answered(self, answer: Answer | None) -> None:
        answer = answer or Answer.DENY
        if answer is not Answer.DENY and self._block is not None:
            self._block.run()
        await self._answer(answer)

    def _description(self, name: str) -> str:
        tools = self.view.core.tool_summary().tools
        return next((tool.description for tool in tools if tool.qualified_name == name), "")

    def reset(self) -> None:
        """Another conversation is shown: no call is being handled."""
        self._block = None

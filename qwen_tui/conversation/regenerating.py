"""`Regenerating`: the last user message answered again, and which of a user message's
replies is shown; a part of `ConversationCore`, kept apart from the turn lifecycle.

Ctrl+R, `/retry` or R on the last reply run the last user message again, in the mode and
with the settings in use now: its reply (with a tool loop, the whole turn from the user
message on) is set aside among its other replies (`chat/alternatives.py`), and the new
one streams in its place and is shown. While a reply is under way this is refused with
one line, so a key never throws away a turn on its way; Esc stops it first. With a
`seed` set, the n-th version samples with seed + n - 1: it differs, and can be had again.

← and → on a reply show its others; the shown one is what the history carries from then
on. Sessions record both (`sessions/reply_records.py`), and `qwen-chat play` queues them
between its prompts (`AskAgain`, `ShowReply`) to show them as they happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from qwen_tui.chat.alternatives import reply_count, set_aside_last_reply, show_reply, user_index
from qwen_tui.chat.messages import Conversation
from qwen_tui.chat.turn_plan import TurnPlan, plan_turn
from qwen_tui.conversation.budget import accepted, judge_turn
from qwen_tui.conversation.conversation_commands import ConversationCommands
from qwen_tui.conversation.live_turn import LiveTurn
from qwen_tui.conversation.updates import ReplyShown, Severity, Update
from qwen_tui.engine.base import EngineFailure, GenerationRequest

NOTHING = "There is no reply to regenerate yet."
BUSY = "A reply is under way; regenerate once it has ended (Esc stops it)."
LOADING = "The model is still loading; regenerate once it is ready."
PLAYBACK = "This is a recorded session played back; nothing can be regenerated in it."
SWITCH_BUSY = "A reply is under way; switch between replies once it has ended."
NO_OTHERS = "This reply has no other versions; Ctrl+R on the last reply makes one."
DROPPED = "That reply has left the model's context; it can no longer be switched."


@dataclass(frozen=True)
class AskAgain:
    """A queued regeneration of the last reply (`qwen-chat play`: one the session made)."""


@dataclass(frozen=True)
class ShowReply:
    """A queued choice: the user message `turns_back` before the last one shows its reply
    at `position` (from 0)."""

    turns_back: int
    position: int


QueuedStep = str | AskAgain | ShowReply
"""What the core's queue holds: a message to send, or a regeneration or choice to make."""


class Regenerating(ConversationCommands):
    """Answering again and choosing replies; `TurnLaunch` (turn_launch.py) sends the turn."""

    _launch: Callable[[LiveTurn, GenerationRequest], None]
    _request: Callable[[TurnPlan, int], GenerationRequest]

    def _regenerate(self, *, ready: bool, busy: bool) -> list[Update]:
        """Answer the last user message again, or say in one line why not."""
        why = self._why_not_again(ready, busy)
        if why:
            self._notice(why, Severity.WARNING)
        else:
            self._answer_again()
        return self._take()

    def _show_reply(self, turns_back: int, step: int, busy: bool) -> list[Update]:
        """Show the reply `step` places after (or before) the one shown of the user message
        `turns_back` before the last; nothing past the first or the last."""
        index = user_index(self.conversation, turns_back)
        if busy:
            self._notice(SWITCH_BUSY, Severity.WARNING)
        elif index is None:
            self._notice(DROPPED, Severity.WARNING)
        elif reply_count(self.conversation.messages[index]) == 1:
            self._notice(NO_OTHERS)
        else:
            self._choose(turns_back, index, self.conversation.messages[index].shown_reply + step)
        return self._take()

    def _queued_step(self, step: AskAgain | ShowReply) -> None:
        """A regeneration or a choice that `qwen-chat play` queued between its prompts."""
        if isinstance(step, AskAgain):
            self._answer_again()
            return
        index = user_index(self.conversation, step.turns_back)
        if index is not None:
            self._choose(step.turns_back, index, step.position)

    def _why_not_again(self, ready: bool, busy: bool) -> str:
        if self.engine.playback is not None:
            return PLAYBACK
        if not ready:
            return LOADING
        if busy:
            return BUSY
        index = user_index(self.conversation, 0)
        return NOTHING if index is None or index == len(self.conversation.messages) - 1 else ""

    def _answer_again(self) -> None:
        """Plan the last user message's turn as if it were sent now and, if it fits, set
        its reply aside and launch the new one."""
        conversation = self.conversation
        index = user_index(conversation, 0)
        if index is None or index == len(conversation.messages) - 1:
            return
        text = conversation.messages[index].content
        history = Conversation(conversation.system_prompt, conversation.messages[:index])
        plan = plan_turn(history, text, self.settings, self.quantized)
        for warning in plan.warnings:
            self._notice(warning, Severity.WARNING)
        try:
            budget = judge_turn(
                self.engine, history, plan, self.short_replies_ok, self.offered_tools()
            )
        except EngineFailure as exc:  # the prompt cannot be rendered (a broken template)
            self._notice(str(exc), Severity.ERROR, "Engine error")
            return
        if not accepted(budget, short_replies_ok=True):  # it ran before: no question now
            self._notice(f"Not regenerated: {budget.message}", Severity.ERROR)
            return
        if budget.max_new_tokens < plan.max_new_tokens and not self.short_replies_ok:
            self._notice(
                f"The reply can have at most {budget.max_new_tokens:,} new tokens, "
                "all the context has room for."
            )
        user = set_aside_last_reply(conversation)
        assert user is not None  # the reply checked above
        self.recording.regenerated()
        # A seeded reply would come out the same again: the n-th version takes seed + n - 1.
        seed = None if plan.seed is None else plan.seed + reply_count(user) - 1
        plan = replace(plan, max_new_tokens=budget.max_new_tokens, seed=seed)
        live = LiveTurn(next(self._request_ids), text, plan, budget.prompt_tokens, again=True)
        self._launch(live, self._request(plan, live.request_id))
        self._post(ReplyShown(0, reply_count(user), reply_count(user)))

    def _choose(self, turns_back: int, index: int, position: int) -> None:
        user = self.conversation.messages[index]
        if position == user.shown_reply or not 0 <= position < reply_count(user):
            return
        shown = show_reply(self.conversation, index, position)
        self.recording.reply_shown(turns_back, position)
        self._post(ReplyShown(turns_back, position + 1, reply_count(user), tuple(shown)))

"""`ConversationInUse`: which conversation the core goes on with, and on which engine; a
part of `ConversationCore`.

A new conversation, a saved session continued (`opening.py`), a fork from an edited
message (`forking.py`) and another model (`model_switch.py`, through `use_engine`) each
replace what the core works on. The last reply, cut off, can also go on in place
(`continuing.py`). A switch stops the live reply first, so it is saved in the session it
belongs to, and empties the queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from qwen_tui.chat.messages import Conversation
from qwen_tui.config import Settings
from qwen_tui.conversation import continuing, forking
from qwen_tui.conversation.conversation_commands import ConversationCommands
from qwen_tui.conversation.core_state import EngineState
from qwen_tui.conversation.live_turn import LiveTurn
from qwen_tui.conversation.opening import ContinuedSession
from qwen_tui.conversation.updates import ConversationChanged, Refused, Severity, Update
from qwen_tui.engine.base import Engine, GenerationRequest
from qwen_tui.sessions import SessionRecorder


class ConversationInUse(ConversationCommands):
    """Starting over, continuing a session, forking, going on with a reply, a new engine."""

    send: Callable[[str], list[Update]]
    _launch: Callable[[LiveTurn, GenerationRequest], None]
    _stop_live: Callable[[], None]

    def new_conversation(self) -> list[Update]:
        """Stop any reply, forget the history and the queue, start a new session."""
        self._switch(Conversation(self.conversation.system_prompt), None)
        return self._take()

    def continue_session(self, continued: ContinuedSession) -> list[Update]:
        """Stop any reply and the queue, then go on with a saved session."""
        self.settings = continued.settings
        self._switch(continued.conversation, continued.recorder)
        return self._take()

    def edit_and_fork(self, number: int, text: str, dropped: int = 0) -> list[Update]:
        """Send `text` in place of user message `number` in a new session, the history
        before it copied (`forking.py`; `dropped` of the messages shown left the context)."""
        why = forking.why_not(self, number, dropped)
        if why:
            self._notice(why, Severity.WARNING)
            return [*self._take(), Refused(text, "")]
        session_id = None if self.recorder is None else self.recorder.session_id
        self._switch(forking.fork_at(self.conversation, number, session_id, dropped), None)
        self.recording.fork(self.conversation)
        return [*self._take(), *self.send(text)]

    def continue_reply(self) -> list[Update]:
        """Go on with the last reply, cut off by Esc or the length limit, in that reply."""
        ready = self.state is EngineState.READY and self.engine.playback is None
        why = continuing.why_not(self.conversation, self.engine, self.busy or not ready)
        if why:
            self._notice(why, Severity.WARNING)
            return self._take()
        plan, partial = continuing.plan_continuation(
            self.conversation, self.settings, self.quantized
        )
        self.conversation.messages.pop()  # the finished reply takes its place
        request_id = next(self._request_ids)
        tokens = self._prompt_tokens(plan)
        live = LiveTurn(request_id, plan.messages[-1]["content"], plan, tokens, partial)
        self._launch(live, continuing.continuation_request(plan, partial, request_id))
        return self._take()

    def use_engine(self, engine: Engine, settings: Settings) -> None:
        """Go on with `engine`, of `settings` (another model: `model_switch.py`), once it
        has loaded; messages sent meanwhile wait for it."""
        self.engine, self.settings = engine, settings
        self.state, self.load_error = EngineState.LOADING, ""

    def _switch(self, conversation: Conversation, recorder: SessionRecorder | None) -> None:
        self._stop_live()  # the stopped reply is saved in the session it belongs to
        self.tool_loop.reset()
        self.pending.clear()
        self.conversation = conversation
        self.short_replies_ok = False
        if recorder is None:
            self.recording.start(self.settings, self.engine)
        else:
            self.recording.adopt(recorder)
        # As it is now: a message sent right after (a budget choice) is its own update.
        self._post(ConversationChanged(replace(conversation, messages=[*conversation.messages])))

"""`qwen-chat sessions show ID [--thinking]`: a session's transcript, printed as it is read.

User turns are text, answers Markdown, tool results panels; a regenerated reply's
versions are each marked with their place.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Annotated

import typer
from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from qwen_tui.chat.alternatives import ReplyPlace
from qwen_tui.chat.messages import Message, Role
from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.commands.session_helpers import SessionIdArg, load_session, session_errors
from qwen_tui.commands.terminal import markdown_for_terminal, text_for_terminal
from qwen_tui.sessions import Session, SessionStore
from qwen_tui.sessions.export import tuned_text, turn_summary
from qwen_tui.sessions.tool_export import call_text, result_title


def show(
    session_id: SessionIdArg,
    thinking: Annotated[
        bool, typer.Option("--thinking", help="Include the model's thinking.")
    ] = False,
) -> None:
    """Print a session's transcript."""
    store = SessionStore()
    with session_errors():
        session = load_session(store, session_id, whole=False)
        console = Console()
        # Printed as it is read: a session of any length needs the memory of one message.
        with store.read(session.id) as reading:
            replies = reading.session.replies  # where the reading is, for the marks
            messages = ((m, session.replies.place_of(replies)) for m, _ in reading)
            for part in render_transcript(session, messages, thinking=thinking):
                console.print(part)


def render_transcript(
    session: Session, messages: Iterable[tuple[Message, ReplyPlace | None]], *, thinking: bool
) -> Iterator[RenderableType]:
    """The conversation as Rich renderables, as `messages` come: user turns as text,
    answers as Markdown (each of a regenerated reply's marked with its place), everything
    with its control characters as marks. `session` gives the heading."""
    heading = text_for_terminal(session.title, style="bold")
    heading.append(
        visible_controls(f"  {session.id} · {session.model} · {session.engine}"), style="dim"
    )
    yield heading
    if session.replay_of:
        yield text_for_terminal(f"replay of session {session.replay_of}", style="dim")
    if session.forked_from is not None:
        yield text_for_terminal(session.forked_from.describe(), style="dim")
    if session.conversation.system_prompt:
        yield Rule("System", align="left")
        yield text_for_terminal(session.conversation.system_prompt)
    if session.conversation.tuning.values:
        yield Text(f"set with /set: {tuned_text(session.conversation.tuning)}", style="dim")
    for message, place in messages:
        if message.role is Role.USER:
            yield Rule("You", align="left", style="cyan")
            yield text_for_terminal(message.content)
            continue
        if message.role is Role.TOOL:
            yield tool_result(message)
            continue
        yield Rule("Qwen" + (f" · {place.label}" if place else ""), align="left", style="magenta")
        if thinking and message.thinking:
            title = "thinking" if message.thinking_finished else "thinking (cut off)"
            yield Panel(text_for_terminal(message.thinking, style="dim italic"), title=title)
        yield markdown_for_terminal(message.content)
        for call in message.tool_calls:
            yield text_for_terminal(f"▸ {call_text(call)}", style="bold")
        summary = turn_summary(message)
        if summary:
            yield Text(summary, style="dim")


def tool_result(message: Message) -> RenderableType:
    """A tool call's result, in a panel titled with the tool and how it ended."""
    style = "red" if message.is_error else "dim"
    title = Text(visible_controls(result_title(message)))  # a Text: never read as markup
    return Panel(text_for_terminal(message.content), title=title, title_align="left", style=style)

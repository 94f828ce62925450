"""Tools outside the UI (`run`, `replay --print`): the configured MCP servers for one
command, the answer to every approval question (these commands never ask), and one line
per call for the terminal.

Without `--yes` a call is denied unless its tool is allowed in config, and each denial is
one line on stderr saying how to allow it: a script never hangs on a question, and never
runs a tool nobody allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from qwen_tui.chat.messages import Message, ToolCallRecord
from qwen_tui.chat.terminal_text import visible_controls
from qwen_tui.conversation.hub_runner import HubToolRunner
from qwen_tui.conversation.tool_runner import ToolSink
from qwen_tui.sessions.tool_export import call_text as exported_call_text
from qwen_tui.tool_settings import ToolSettings
from qwen_tui.tools.approval import Answer

YesOpt = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Run the model's tool calls without asking; without it they are denied, "
        "unless allowed in config ([tools] allow).",
    ),
]
ARGUMENTS_SHOWN = 200
"""Characters of a call's arguments shown in its line; the session keeps them all."""


@contextmanager
def command_tools(
    settings: ToolSettings, sink: ToolSink, warn: Callable[[str], None]
) -> Iterator[HubToolRunner | None]:
    """The runner over the configured servers, started now and stopped at the end; None
    when none is configured. A server that fails to start is a warning."""
    if not settings.servers:
        yield None
        return
    from qwen_tui.tools.hub import ToolHub  # the MCP SDK loads only when servers are set

    with ToolHub(settings) as hub:
        for failure in hub.failures:
            warn(f"MCP server {failure.name} did not start: {failure.reason}")
        yield HubToolRunner(hub, sink)


def approver(yes: bool, say: Callable[[str], None]) -> Callable[[ToolCallRecord], Answer]:
    """The answer of a command that cannot ask: yes to all with `--yes`, else no (said)."""

    def answer(call: ToolCallRecord) -> Answer:
        if yes:
            return Answer.ALWAYS
        say(
            f"qwen-chat: denied tool call {call_text(call)}; "
            f"pass --yes, or allow {call.name} in config ([tools] allow)"
        )
        return Answer.DENY

    return answer


def call_text(call: ToolCallRecord) -> str:
    """`server.tool {"arg": ...}` (a malformed block: its text), shortened, no controls."""
    return visible_controls(" ".join(_shortened(exported_call_text(call)).split()))


def call_line(call: ToolCallRecord, result: Message) -> str:
    """`▸ time.get_current_time {"timezone": "UTC"} · 0.2 s`; a call that failed or never
    ran (denied, malformed, unknown) ends with the first line of what the model was told."""
    line = f"▸ {call_text(call)}"
    if result.ran:
        line += f" · {result.seconds:.1f} s"
    if result.is_error:
        said = visible_controls(result.content.strip().split("\n")[0])
        line += f" · {_shortened(said)}"
    return line


def _shortened(text: str) -> str:
    return text if len(text) <= ARGUMENTS_SHOWN else text[: ARGUMENTS_SHOWN - 1] + "…"


def call_report(call: ToolCallRecord, result: Message) -> dict[str, object]:
    """A call and its result, for `--json`."""
    return {
        "name": call.name,
        "arguments": call.arguments,
        "raw": call.raw or None,
        "result": result.content,
        "is_error": result.is_error,
        "ran": result.ran,
        "seconds": round(result.seconds, 3),
    }

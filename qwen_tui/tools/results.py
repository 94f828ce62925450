"""What a tool call gave back, as the model and the user see it: text, capped in size.

An error result (the tool failed, timed out, was unknown or denied) is text too: it goes
back to the model as the call's result, so the model can recover. MCP's content blocks
become text in `mcp_client.content_text`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ToolResult:
    """One call's outcome. `text` is capped; `full_chars` is its length before the cap."""

    text: str
    is_error: bool = False
    seconds: float = 0.0
    full_chars: int = 0

    @property
    def was_cut(self) -> bool:
        return self.full_chars > len(self.text)


def error_result(message: str, seconds: float = 0.0) -> ToolResult:
    """A result saying the call failed and why (one line)."""
    text = f"Error: {message}"
    return ToolResult(text, is_error=True, seconds=seconds, full_chars=len(text))


def capped_result(text: str, *, is_error: bool, seconds: float, max_chars: int) -> ToolResult:
    """`text` cut to `max_chars`, with a note the model can read saying it was cut."""
    if len(text) <= max_chars:
        return ToolResult(text, is_error, seconds, len(text))
    note = f"\n[result cut to {max_chars:,} of {len(text):,} characters]"
    return ToolResult(text[:max_chars] + note, is_error, seconds, len(text))

"""What the configured MCP servers offer, and how one fails: plain data, apart from the
`mcp` SDK, so the chat, `run` and `serve` import the SDK only when servers are configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qwen_tui.tools.messages import function_spec


@dataclass(frozen=True)
class McpTool:
    """A tool a server offers; the model knows it as `server.tool`."""

    server: str
    name: str
    description: str
    input_schema: dict[str, Any]

    @property
    def qualified_name(self) -> str:
        return f"{self.server}.{self.name}"

    def spec(self) -> dict[str, Any]:
        """The tool as the chat template's `tools` lists it."""
        return function_spec(self.qualified_name, self.description, self.input_schema)


@dataclass(frozen=True)
class ServerFailure:
    """A server that did not start (or stopped), and why, in one line."""

    name: str
    reason: str

"""Tools for the model: Qwen3's `<tool_call>` protocol, MCP servers, and their settings.

No Textual and no torch here: the conversation core and every front-end use these parts.
"""

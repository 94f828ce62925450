"""Qwen3's soft switches: `/think` and `/no_think` in a user or system message.

With thinking on (the hard switch, `enable_thinking=True`), the latest switch in the
conversation decides whether the next turn thinks. With thinking off they do nothing. The
switches are the model's own protocol, so they stay in the text the model sees; this module
only works out which mode is in effect, so the UI can show it and pick the sampling preset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from qwen_tui.chat.messages import Message, Role

# A switch is a word of its own: "/think" in "see /thinking" or "a/think" is not one.
_SWITCH = re.compile(r"(?<!\S)/(think|no_think)(?![\w/-])")

_SWITCHING_ROLES = (Role.USER, Role.SYSTEM)


def soft_switch(text: str) -> bool | None:
    """True for `/think`, False for `/no_think`, None if neither; the last one in `text` wins."""
    last = None
    for match in _SWITCH.finditer(text):
        last = match.group(1) == "think"
    return last


def thinking_mode(messages: Iterable[Message | Mapping[str, str]], enable_thinking: bool) -> bool:
    """Whether the next assistant turn thinks, given the conversation so far including the
    pending user message: the latest switch in a user or system message wins, thinking is the
    default, and it is always False when the hard switch is off."""
    if not enable_thinking:
        return False
    mode = True
    for message in messages:
        role, content = _role_and_content(message)
        if role in _SWITCHING_ROLES:
            switch = soft_switch(content)
            if switch is not None:
                mode = switch
    return mode


def _role_and_content(message: Message | Mapping[str, str]) -> tuple[str, str]:
    if isinstance(message, Message):
        return message.role, message.content
    return message["role"], message["content"]

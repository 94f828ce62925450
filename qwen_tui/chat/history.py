"""The conversation as the chat template takes it: role and content, never the thinking.

The model card is firm that past assistant turns carry only their final answer. The shipped
template strips thinking itself, but an engine that builds prompts another way must not see
it at all, so it never leaves the conversation.
"""

from __future__ import annotations

from qwen_tui.chat.messages import Conversation, Role


def template_messages(
    conversation: Conversation, pending_user: str | None = None
) -> tuple[dict[str, str], ...]:
    """`{"role", "content"}` dicts: the system prompt first when it is not empty, then every
    message (assistant turns with their answer only), then `pending_user` if given.

    `pending_user` is the message about to be sent; it must not already be in `conversation`.
    Soft switches (`/think`, `/no_think`) stay in the text: they are the model's protocol.
    """
    messages: list[dict[str, str]] = []
    if conversation.system_prompt:
        messages.append({"role": str(Role.SYSTEM), "content": conversation.system_prompt})
    for message in conversation.messages:
        # For an assistant turn `content` is the answer alone; `thinking` is kept apart.
        messages.append({"role": str(message.role), "content": message.content})
    if pending_user is not None:
        messages.append({"role": str(Role.USER), "content": pending_user})
    return tuple(messages)

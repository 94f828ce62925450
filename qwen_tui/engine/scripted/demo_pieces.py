"""The raw text the demo "model" writes for a request, cut into token-like pieces: the
think block as the switches and the thinking budget shape it, then the answer; and, for a
continued reply, the pieces that come after what it wrote already."""

from __future__ import annotations

from qwen_tui.chat.switches import thinking_mode
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.scripted import demo_replies
from qwen_tui.engine.thinking_budget import STOP_THINKING_TEXT


def split_reply(thinking: str, answer: str, request: GenerationRequest) -> list[str]:
    """The raw text the model would write, cut into token-like pieces.

    Thinking on: `<think>` thinking `</think>` answer; a `/no_think` turn gets an empty
    think block. Thinking off: the template already closed the block, so only the answer.
    """
    if not request.enable_thinking:
        return demo_replies.split_tokens(answer)
    if not thinking_mode(request.messages, request.enable_thinking):
        return ["<think>", "\n\n", "</think>", "\n\n", *demo_replies.split_tokens(answer)]
    thought, answered = demo_replies.split_tokens(thinking), demo_replies.split_tokens(answer)
    if over_budget(thinking, request):
        assert request.thinking_budget is not None
        return ["<think>", "\n", *thought[: request.thinking_budget - 1], *_STOP_PIECES, *answered]
    return ["<think>", "\n", *thought, "\n", "</think>", "\n\n", *answered]


def over_budget(thinking: str, request: GenerationRequest) -> bool:
    """Whether the thinking ("\n" and its pieces) runs past the request's budget."""
    budget = request.thinking_budget
    return budget is not None and demo_replies.count_tokens(thinking) + 1 > budget


# The stop-thinking text as the demo "writes" it at the budget; like the local engine, the
# ".\n\n" after `</think>` is for the model only and is left out of the answer shown.
_STOP_PIECES = [
    *demo_replies.split_tokens(STOP_THINKING_TEXT.partition("</think>")[0]),
    "</think>",
    "\n\n",
]


def after_prefill(pieces: list[str], prefill: str) -> list[str]:
    """The pieces left once those that make up `prefill` (a cut-off reply) are written."""
    written, start = "", 0
    while start < len(pieces) and prefill.startswith(written + pieces[start]):
        written += pieces[start]
        start += 1
    return pieces[start:]

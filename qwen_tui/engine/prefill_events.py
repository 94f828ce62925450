"""The event an engine sends when it starts reading a prompt.

A long prompt takes a while to prefill (a 30k-token history is seconds on a GPU and much
longer on a CPU) before the first token comes; this event lets a front-end say so,
"reading the prompt… N tokens", instead of looking frozen. Front-ends that do not know it
ignore it, as they ignore any event they do not handle.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrefillStarted:
    """The engine began the prefill of request `request_id`, a prompt of `prompt_tokens`
    tokens; the reply's first delta follows when it is done."""

    request_id: int
    prompt_tokens: int

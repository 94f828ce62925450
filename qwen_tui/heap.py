"""Python's garbage collector, kept from pausing the engine in the middle of a reply.

A full collection walks every object the process holds, and once torch, transformers,
the tokenizer and Textual are loaded that is millions of them: while a reply streamed in
the chat, each full collection took 0.2-0.5 s (benchmarks/ui_host_pace.py, on this
project's CPU machine), and all that time the engine's thread waited for the GIL and
the GPU ran dry; on the H200 the engine decoded 385.8 tok/s inside the chat against
421.8 alone. `settle()` collects once at a moment nobody waits on (the model has just
loaded, a reply has just ended) and freezes what is left, so later collections walk only
what came after; it also makes full collections ten times rarer, since the settle after
each reply collects what the reply made anyway (over 6,000 tokens in that benchmark, the
full collections of what a long reply itself made still took 30-116 ms each, at the
default of one every 10 middle-generation ones; at one in 100, none came mid-reply).
`renew()` thaws and settles everything again, when much of what was frozen has become
garbage (a conversation's widgets, once it is closed).
"""

from __future__ import annotations

import gc

FULL_COLLECTION_EVERY = 100
"""Middle-generation collections between two full ones (Python's default: 10)."""


def settle() -> None:
    """Collect what is garbage now, then leave every live object out of later collections."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


def renew() -> None:
    """`settle()` over everything, the objects frozen before included."""
    gc.unfreeze()
    settle()

"""The collector kept from pausing the engine mid-reply: settling collects the garbage there
is, then leaves what lives out of later collections; renewing does so over everything."""

from __future__ import annotations

import gc
import weakref

from qwen_tui import heap


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def a_cycle() -> weakref.ref:
    first, second = Node(), Node()
    first.other, second.other = second, first  # only a collection frees a cycle
    return weakref.ref(first)


def test_settling_frees_the_garbage_then_freezes_what_lives():
    dead = a_cycle()
    kept = Node()
    heap.settle()
    assert dead() is None
    assert gc.get_freeze_count() > 0 and gc.is_tracked(kept)
    # What a reply makes is collected by the settle after it: full collections can wait.
    assert gc.get_threshold()[2] == heap.FULL_COLLECTION_EVERY


def test_renewing_frees_what_became_garbage_after_it_was_frozen():
    holder = [Node()]
    holder[0].other = holder[0]
    was = weakref.ref(holder[0])
    heap.settle()
    holder.clear()  # garbage now, but frozen: a plain collection leaves it
    gc.collect()
    assert was() is not None
    heap.renew()
    assert was() is None

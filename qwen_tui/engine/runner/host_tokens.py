"""Token ids from the device to the host without stalling the device.

Streaming needs the new tokens on the host, but a blocking copy (`.item()`) leaves the GPU
idle while the host takes them, checks for stops and queues the next replay. Instead each
replay's tokens are copied into one of two pinned host slots behind an event: the host
queues the next replay first, then waits for the copy of the one before it, so the GPU
always has a replay of work queued while the host detokenizes.
"""

from __future__ import annotations

import torch


class HostTokens:
    def __init__(self, device: torch.device, capacity: int) -> None:
        """`capacity`: the most tokens one copy carries (the steps of a replay)."""
        self.on_cuda = device.type == "cuda"
        self.slots = torch.zeros(2, capacity, dtype=torch.int64, pin_memory=self.on_cuda)
        self.events = [torch.cuda.Event() for _ in range(2)] if self.on_cuda else []

    def send(self, index: int, tokens: torch.Tensor) -> None:
        """Queue a copy of tokens [n] (the `index`-th copy of the reply) behind the work
        so far."""
        slot = index % 2
        self.slots[slot, : tokens.shape[0]].copy_(tokens, non_blocking=self.on_cuda)
        if self.on_cuda:
            self.events[slot].record()

    def receive(self, index: int, count: int) -> list[int]:
        """The first `count` tokens of the `index`-th copy, once it has landed. Its slot is
        free again after this, for copy index + 2. The wait releases the GIL."""
        slot = index % 2
        if self.on_cuda:
            self.events[slot].synchronize()
        return self.slots[slot, :count].tolist()

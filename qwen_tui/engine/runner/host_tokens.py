"""Token ids from the device to the host without stalling the device.

Streaming needs each new token on the host, but a blocking copy (`.item()`) leaves the GPU
idle while the host takes the token, checks for stops and replays the next step. Instead
each token is copied into one of two pinned host slots behind an event: the host queues the
next decode step first, then waits for the copy of the token before it.
"""

from __future__ import annotations

import torch


class HostTokens:
    def __init__(self, device: torch.device) -> None:
        self.on_cuda = device.type == "cuda"
        self.slots = torch.zeros(2, dtype=torch.int64, pin_memory=self.on_cuda)
        self.events = [torch.cuda.Event() for _ in range(2)] if self.on_cuda else []

    def send(self, index: int, token: torch.Tensor) -> None:
        """Queue a copy of token [1] (the `index`-th of the reply) behind the work so far."""
        slot = index % 2
        self.slots[slot : slot + 1].copy_(token, non_blocking=self.on_cuda)
        if self.on_cuda:
            self.events[slot].record()

    def receive(self, index: int) -> int:
        """The `index`-th token, once its copy has landed. Slot `index % 2` is free again
        after this, for token index + 2."""
        slot = index % 2
        if self.on_cuda:
            self.events[slot].synchronize()
        return int(self.slots[slot])

"""Streaming tensors into safetensors shards as published checkpoints lay them out, without
holding the whole model in memory (the synthetic 30B checkpoint is 17 GB)."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file


class ShardWriter:
    """Writes tensors into shards of about `shard_bytes`, then the index when there are
    several (`model-00001-of-00003.safetensors`), or one `model.safetensors`."""

    def __init__(self, directory: Path, shard_bytes: int = 2 * 2**30) -> None:
        self.directory, self.shard_bytes = directory, shard_bytes
        self._pending: dict[str, torch.Tensor] = {}
        self._pending_bytes = 0
        self._written: list[tuple[Path, list[str]]] = []

    def add(self, name: str, tensor: torch.Tensor) -> None:
        self._pending[name] = tensor.contiguous()
        self._pending_bytes += tensor.numel() * tensor.element_size()
        if self._pending_bytes >= self.shard_bytes:
            self._flush()

    def close(self) -> None:
        self._flush()
        count = len(self._written)
        if count == 1:
            self._written[0][0].rename(self.directory / "model.safetensors")
            return
        weight_map = {}
        for number, (path, names) in enumerate(self._written, start=1):
            final = f"model-{number:05d}-of-{count:05d}.safetensors"
            path.rename(self.directory / final)
            weight_map.update(dict.fromkeys(names, final))
        index = {"metadata": {}, "weight_map": weight_map}
        (self.directory / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))

    def _flush(self) -> None:
        if not self._pending:
            return
        path = self.directory / f"shard-{len(self._written):05d}.tmp"
        save_file(self._pending, str(path), metadata={"format": "pt"})
        self._written.append((path, list(self._pending)))
        self._pending, self._pending_bytes = {}, 0

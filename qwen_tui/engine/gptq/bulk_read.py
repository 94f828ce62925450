"""Reading a checkpoint's tensors in large blocks, straight to the device.

The published checkpoint holds about 75,000 tensors (128 experts in each of 48 layers,
each projection as codes, zeros, scales and group indices). Read one at a time (a
`safe_open` tensor, then a copy to the GPU), each pays tens of microseconds of Python and a
synchronous copy from pageable memory: about 6 s for the 17 GB on an H200 box, with the
files already in the page cache. Here each file is read as blocks of neighbouring tensors:
reader threads fill pinned host buffers (file reads release the GIL), each buffer goes to
the device in one asynchronous copy, and a tensor is a view of its block on the device.

The headers were checked when the `Shards` were opened (`safe_open`); this module only
needs each tensor's byte range, which the format puts in the JSON header after an 8-byte
little-endian length.
"""

from __future__ import annotations

import json
import os
import struct
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch

BLOCK_BYTES = 256 << 20  # neighbouring tensors read as one block (a larger one alone)
PIECE_BYTES = 32 << 20  # one read and one host-to-device copy
BUFFERS = 8  # pinned pieces in flight: reads run this far ahead of the copies
READERS = 4

_TORCH_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


@dataclass(frozen=True)
class StoredTensor:
    """Where a tensor's bytes are in its file, and what they hold."""

    name: str
    begin: int  # absolute file offsets
    end: int
    dtype: torch.dtype
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Block:
    """Neighbouring tensors of one file, read together."""

    file: Path
    begin: int
    end: int
    tensors: tuple[StoredTensor, ...]


class TruncatedShard(Exception):
    """A file ended before a tensor the header promised."""

    def __init__(self, file: Path) -> None:
        super().__init__(f"{file} ends before its last tensor")
        self.file = file


def stored_tensors(file: Path) -> dict[str, StoredTensor]:
    """Every tensor of the safetensors `file` with its absolute byte range."""
    with file.open("rb") as handle:
        (header_bytes,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_bytes))
    data_start = 8 + header_bytes
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = _TORCH_DTYPES.get(entry["dtype"])
        if dtype is None:  # an exotic dtype: the loader's checks refuse it by name
            dtype = torch.uint8
        tensors[name] = StoredTensor(
            name, data_start + begin, data_start + end, dtype, tuple(entry["shape"])
        )
    return tensors


def plan_blocks(file: Path, tensors: Iterable[StoredTensor]) -> list[Block]:
    """`tensors` (of `file`) in file order, grouped into blocks of at most BLOCK_BYTES
    (a larger tensor is a block of its own)."""
    blocks: list[Block] = []
    group: list[StoredTensor] = []
    for tensor in sorted(tensors, key=lambda t: t.begin):
        if group and tensor.end - group[0].begin > BLOCK_BYTES:
            blocks.append(Block(file, group[0].begin, group[-1].end, tuple(group)))
            group = []
        group.append(tensor)
    if group:
        blocks.append(Block(file, group[0].begin, group[-1].end, tuple(group)))
    return blocks


def read_blocks(blocks: list[Block], device: torch.device) -> Iterator[tuple[str, torch.Tensor]]:
    """(name, tensor on `device`) for every tensor of `blocks`, block by block. A tensor
    is a view of its block: copy it before the next block is asked for."""
    pieces = [
        (block, offset, min(PIECE_BYTES, block.end - offset))
        for block in blocks
        for offset in range(block.begin, block.end, PIECE_BYTES)
    ]
    with _PieceReader(pieces, device) as reader:
        for block in blocks:
            data = torch.empty(block.end - block.begin, dtype=torch.uint8, device=device)
            for offset in range(block.begin, block.end, PIECE_BYTES):
                buffer, size = reader.next_piece()
                start = offset - block.begin
                data[start : start + size].copy_(buffer[:size], non_blocking=True)
                reader.release(buffer)
            for tensor in block.tensors:
                yield tensor.name, _view(data, block, tensor)


def _view(data: torch.Tensor, block: Block, tensor: StoredTensor) -> torch.Tensor:
    raw = data[tensor.begin - block.begin : tensor.end - block.begin]
    if raw.numel() % tensor.dtype.itemsize or raw.storage_offset() % tensor.dtype.itemsize:
        raw = raw.clone()  # not aligned to its dtype in the file: a copy of its own is
    return raw.view(tensor.dtype).view(tensor.shape)


class _PieceReader:
    """Reads pieces in order into a ring of (pinned, on a GPU) host buffers, ahead of use."""

    def __init__(self, pieces: list[tuple[Block, int, int]], device: torch.device) -> None:
        self._pieces = deque(pieces)
        self._cuda = device.type == "cuda"
        count = min(BUFFERS, len(pieces))
        self._free = [
            torch.empty(PIECE_BYTES, dtype=torch.uint8, pin_memory=self._cuda) for _ in range(count)
        ]
        self._pool = ThreadPoolExecutor(READERS, thread_name_prefix="qwen-tui-read")
        self._reads: deque[Future[tuple[torch.Tensor, int]]] = deque()
        self._files: dict[Path, int] = {}

    def __enter__(self) -> _PieceReader:
        while self._free and self._pieces:
            self._start(self._free.pop(), None)
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._cuda:
            torch.cuda.current_stream().synchronize()  # the last copies out of the buffers
        for fd in self._files.values():
            os.close(fd)

    def next_piece(self) -> tuple[torch.Tensor, int]:
        return self._reads.popleft().result()

    def release(self, buffer: torch.Tensor) -> None:
        """`buffer`'s copy is queued: it may be read into again once the copy is done."""
        done = None
        if self._cuda:
            done = torch.cuda.Event()
            done.record()
        if self._pieces:
            self._start(buffer, done)

    def _start(self, buffer: torch.Tensor, copied: torch.cuda.Event | None) -> None:
        block, offset, size = self._pieces.popleft()
        fd = self._files.get(block.file)
        if fd is None:
            fd = self._files[block.file] = os.open(block.file, os.O_RDONLY)
        read = self._pool.submit(_read_piece, fd, block.file, offset, size, buffer, copied)
        self._reads.append(read)


def _read_piece(
    fd: int,
    file: Path,
    offset: int,
    size: int,
    buffer: torch.Tensor,
    copied: torch.cuda.Event | None,
) -> tuple[torch.Tensor, int]:
    if copied is not None:
        copied.synchronize()  # the buffer's previous copy to the device is done
    view = memoryview(buffer.numpy()).cast("B")[:size]  # type: ignore[arg-type]
    done = 0
    while done < size:
        got = os.preadv(fd, [view[done:]], offset + done)
        if got == 0:
            raise TruncatedShard(file)
        done += got
    return buffer, size

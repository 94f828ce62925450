"""Write a checkpoint of the full Qwen3-30B-A3B-GPTQ-Int4 shape, in the published format.

    python -m benchmarks.make_synthetic_checkpoint DIR [--shard-gib 4]

Random int4 codes packed by the project's packer (group 128, sym, desc_act off, as
published), 16-bit embeddings, lm_head and norms, the synthetic tokenizer padded to the real
vocabulary and the project's chat template: what the published model directory holds, with
random numbers. About 17 GB.
"""

from __future__ import annotations

import sys
import time

from qwen_tui.engine.synthetic import checkpoint


def main() -> None:
    started = time.perf_counter()
    checkpoint.main([*sys.argv[1:], "--full"])
    print(f"in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

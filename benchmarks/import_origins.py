"""Who imports the modules that weigh on a start: the stack of the first import of each,
during a load as the chat's engine does it.

    python -m benchmarks.import_origins [--model DIR] [--device cuda]

On the H200 (2026-12-03, `load_profile.py --as-started`), a warm start still spent about
6 s of "preparing the model" importing torch._dynamo, torch.distributed (tensor, fsdp) and
transformers' generation code (which brings scikit-learn where it is installed), although
the GPU path no longer imports transformers' modeling code; on the CPU the same load
imports none of them. This prints, for each such module, the stack of its first import,
so the CUDA-only step that pulls them in can be named. Without `--model` it loads a tiny
checkpoint written for the purpose (the tests' own, so run it from the repository root).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from importlib.abc import MetaPathFinder
from pathlib import Path

WATCHED = (
    "torch._dynamo",
    "torch.distributed.tensor",
    "torch.distributed.fsdp",
    "transformers.generation.utils",
    "transformers.generation.candidate_generator",
    "transformers.modeling_utils",
    "sklearn",
)


class FirstImports(MetaPathFinder):
    """Records the stack of the first import of each WATCHED module; finds nothing itself."""

    def __init__(self) -> None:
        self.stacks: dict[str, list[str]] = {}

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name in WATCHED and name not in self.stacks and name not in sys.modules:
            frames = traceback.extract_stack()[:-1]
            self.stacks[name] = [
                f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno} {frame.name}"
                for frame in frames
                if "importlib._bootstrap" not in frame.filename
            ][-25:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a checkpoint folder (default: a tiny one)")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    import torch  # noqa: F401  (what the app has imported when the engine starts)

    import qwen_tui.engine.local  # noqa: F401

    watcher = FirstImports()
    already = [name for name in WATCHED if name in sys.modules]
    sys.meta_path.insert(0, watcher)
    from qwen_tui.engine.loading import load_model

    with tempfile.TemporaryDirectory() as scratch:
        model = args.model
        if model is None:
            from tests.engine.tiny_models import chain_checkpoint, token_ids

            model = str(chain_checkpoint(Path(scratch) / "tiny", token_ids("hi")))
        loaded = load_model(model, device=args.device, dtype="bfloat16")
    print(f"tree: {type(loaded.model).__name__}; imported before the load: {already}")
    for name, stack in watcher.stacks.items():
        print(f"== {name}, first imported from:")
        print("\n".join(f"   {line}" for line in stack))


if __name__ == "__main__":
    main()

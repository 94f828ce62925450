"""Checkpoints with random weights in the published GPTQ format, for tests and benchmarks.

Nothing a user runs imports this package: the tests build tiny checkpoints with it, and
`benchmarks/make_synthetic_checkpoint.py` one of the full Qwen3-30B-A3B shape.
"""

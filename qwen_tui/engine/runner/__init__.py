"""The fast decode path: a compact Qwen3 / Qwen3-MoE forward over the loaded weights, a
static KV cache, GPU sampling and a CUDA-graph decode step. On the CPU (or without Triton)
the same forward runs on torch reference ops, so its logic is tested in CI."""

"""GPTQ int4 checkpoints: the packed format, the int4 modules with their reference
dequantize-then-matmul path, and the exact loader (plan, shards, fill).

- `format`: pack / unpack / quantize / dequantize in the published layout.
- `modules`: `QuantLinear`, `QuantRouter`, `QuantExperts` (stacked `StackedInt4` per
  projection), whose buffers carry the checkpoint's names.
- `quant_config`: which quantization configs are accepted.
- `skeleton`, `plan`, `shards`, `loader`: build the model on the meta device, map every
  checkpoint tensor to its slot, check, and fill.
- `runner_skeleton`, `rotary`: the project's own module tree of transformers' tensors (no
  forward, no modeling code imported) for the fast runner, and its rotary tables.
"""

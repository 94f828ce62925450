#!/usr/bin/env bash
# The candidates of 2026-12-08 in one device call (under 10 minutes, no checkpoint to
# build): GPU parity with both decode candidates switched on, the runner's sweep of the
# decode variants that hold them (each apart, then both) at 1k and 32k, and the prefill
# sweep of the long prompts' two candidates (attention on flash instead of the chunk
# kernel, 256-row MoE tiles) at 1k to 4k tokens, on random weights of the real shape;
# last, if the call has time left, the GPU kernels of a 64-token prompt (what a chat
# turn's short-prefill graph holds: 15 ms of GPU for 47 tokens on the H100).
# Which of them become defaults follows from this; `gpu_quick.sh` then measures what
# users get with them.
#
#     bash benchmarks/gpu_candidates.sh [OUT_DIR]
set -u
out=${1:-$(mktemp -d)}
mkdir -p "$out"
source "$(dirname "$0")/gpu_steps.sh"
carry_wheels typing_extensions  # the config's platformdirs and tomli-w (not the UI's)
export PYTHONPATH=.:/tmp/site PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
kernels=qwen_tui.engine.kernels
TRITON_CACHE_DIR=$work/tiny TRITON_F32_DEFAULT=ieee step parity_candidates 110 \
    python3 -m benchmarks.gpu_parity --set "$kernels.residual_input.NORM_INPUT=True" \
    --set "$kernels.merged_o_gemv.FOLD_MERGE=True" moe_sym_g32
step runner_variants 250 python3 benchmarks/runner_speed.py --variants --only \
    norm_in_qkv_gemv merge_in_o_gemv norm_in_qkv_merge_in_o attention_128_keys_at_512
step prefill_variants 200 python3 -m benchmarks.prefill_speed --lengths 1024 2048 4096 \
    --sweep --only flash_attention moe_256_rows_from_256
step prefill_profile_64 60 python3 -m benchmarks.prefill_speed --lengths 64 --profile

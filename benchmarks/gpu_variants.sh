#!/usr/bin/env bash
# Which decode kernel variants become defaults, in one device call (about 9 minutes on an
# H200): GPU parity with the candidate switched on, the runner's sweep of every variant in
# `runner_speed.DECODE_VARIANTS` at 1k and 32k on random weights of the real shape, then the
# engine end to end (`decode.py`) on the full-shape synthetic checkpoint with the candidate;
# and the decode attention alone at the model's shape against float32, at two depths.
#
#     CANDIDATE="--set MODULE.CONSTANT=VALUE ..." [VARIANTS_ONLY="name ..."] \
#         bash benchmarks/gpu_variants.sh [OUT_DIR]
#
# VARIANTS_ONLY times only those `DECODE_VARIANTS` (and the defaults), to stay in one call.
#
# (2026-12-04: the candidate was moe_route.FUSE_NORM=True; 2026-12-07, with no CANDIDATE,
# sampler.FUSED_TOP_K=True as the default; 2026-12-08 moe_route.PREFETCH_NEXT=True lost.
# Next: CANDIDATE="--set qwen_tui.engine.kernels.residual_input.NORM_INPUT=True --set
# qwen_tui.engine.kernels.merged_o_gemv.FOLD_MERGE=True", the sweep timing each apart.)
set -u
out=${1:-$(mktemp -d)}
mkdir -p "$out"
step_err_lines=6
source "$(dirname "$0")/gpu_steps.sh"
carry_wheels typing_extensions  # the config's platformdirs and tomli-w (not the UI's)
export PYTHONPATH=.:/tmp/site PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -m benchmarks.make_synthetic_checkpoint /tmp/q30 > "$work/checkpoint.log" 2>&1 &
checkpoint=$!
candidate=${CANDIDATE:-}
# shellcheck disable=SC2086
TRITON_CACHE_DIR=$work/tiny TRITON_F32_DEFAULT=ieee step parity_candidate 110 \
    python3 -m benchmarks.gpu_parity $candidate moe_sym_g32 moe_asym_g128_qrouter
step decode_attention 60 python3 -m benchmarks.decode_attention_check
# shellcheck disable=SC2086
step runner_speed 280 python3 benchmarks/runner_speed.py --variants ${VARIANTS_ONLY:+--only $VARIANTS_ONLY} --profile
wait "$checkpoint"
echo "== checkpoint: exit $? ($(tail -1 "$work/checkpoint.log")) at $SECONDS s"
# shellcheck disable=SC2086
step decode_candidate 170 python3 -m benchmarks.decode --model /tmp/q30 --contexts 1024 32768 \
    --prompts 4096 --fresh-prompts --steps 256 $candidate

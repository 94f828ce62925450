#!/usr/bin/env bash
# The decode GEMVs' and MoE kernels' tiling, and where a step's time goes now, in one device
# call (about 6 minutes on an H200): runner_speed.py --tiles (each TILE_VARIANTS entry at 1k,
# graphs captured again for each) with a profile of the defaults, then the top kernels of a
# 4,096-token prefill (prefill_speed.py --profile).
#
#     bash benchmarks/gpu_tiles.sh [OUT_DIR]
set -u
out=${1:-$(mktemp -d)}
mkdir -p "$out"
step_err_lines=14
step_errs=$out  # each variant's figure, printed as it comes
source "$(dirname "$0")/gpu_steps.sh"
carry_wheels typing_extensions  # the config's platformdirs and tomli-w
export PYTHONPATH=.:/tmp/site PYTHONUNBUFFERED=1

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
step runner_tiles 360 python3 benchmarks/runner_speed.py --tiles${TILES_PROFILE- --profile}
[ -n "${TILES_ONLY-}" ] && exit 0
step_err_lines=3 step prefill_profile 150 python3 -m benchmarks.prefill_speed --lengths 4096 --profile

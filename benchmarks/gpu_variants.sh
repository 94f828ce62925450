#!/usr/bin/env bash
# Which decode kernel variants become defaults, and where start-up goes, in one device call
# (about 8 minutes on an H200): GPU parity with the fusions (FUSE_QK, the fused sampler) and
# then with the overlapped launches (PDL) switched on, each in its own process; the
# runner's sweep of every variant at 1k and 32k with a profile of the defaults; and a cold
# and a warm start of the full-shape synthetic checkpoint, step by step, with the prefill
# autotuners' choices.
#
#     bash benchmarks/gpu_variants.sh [OUT_DIR]
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
fusions="--set qwen_tui.engine.kernels.decode_attention.FUSE_QK=True \
--set qwen_tui.engine.runner.sampler.FUSED=True"
pdl="--set qwen_tui.engine.kernels.launch_overlap.PDL=True"
export TRITON_F32_DEFAULT=ieee
# shellcheck disable=SC2086
TRITON_CACHE_DIR=$work/tiny step parity_fusions 110 \
    python3 -m benchmarks.gpu_parity $fusions moe_sym_g32 moe_asym_g128_qrouter
# shellcheck disable=SC2086
TRITON_CACHE_DIR=$work/tiny step parity_pdl 90 python3 -m benchmarks.gpu_parity $fusions $pdl moe_sym_g32
unset TRITON_F32_DEFAULT
step runner_speed 220 python3 benchmarks/runner_speed.py --variants --pdl --profile
wait "$checkpoint"
echo "== checkpoint: exit $? ($(tail -1 "$work/checkpoint.log")) at $SECONDS s"
TRITON_CACHE_DIR=$work/cold step startup_cold 130 python3 -m benchmarks.startup_time --model /tmp/q30
TRITON_CACHE_DIR=$work/cold step startup_warm 60 python3 -m benchmarks.startup_time --model /tmp/q30
echo "== autotune choices (cold start)"
python3 -c "import json, pathlib, sys
for p in pathlib.Path(sys.argv[1]).rglob('*.autotune.json'):
    d = json.loads(p.read_text())
    best = min(d['configs_timings'], key=lambda c: c[1][0] if isinstance(c[1], list) else c[1])
    print(p.name[:40], d.get('key'), best, len(d['configs_timings']))" "$work/cold"

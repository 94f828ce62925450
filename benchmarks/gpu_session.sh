#!/usr/bin/env bash
# Every GPU figure the Performance section and benchmarks/NOTES.md quote, in one run
# (about 8 minutes on an H200, estimated from its parts), most important first:
#
#     bash benchmarks/gpu_session.sh OUT_DIR
#
# The synthetic checkpoint is written while the GPU parity check and the runner's sweeps
# run on random weights (they need no checkpoint). Each part prints its JSON to stdout as
# it ends, so a run cut short keeps what it measured; OUT_DIR/session.tgz holds every file.
# Triton's cache starts empty for the first start of the app (a cold start) and is kept
# for everything after it; the sweeps and the parity check use caches of their own.
set -u
out=${1:?usage: bash benchmarks/gpu_session.sh OUT_DIR}
mkdir -p "$out/files"
files=$out/files
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}. PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
caches=$(mktemp -d)
export TRITON_CACHE_DIR=$caches/app QWEN_TUI_CONFIG_DIR=$caches/config QWEN_TUI_DATA_DIR=$caches/data

step() {  # step NAME COMMAND...: run it, keep its output, print its JSON and exit status
    local name=$1
    shift
    local started=$SECONDS
    "$@" > "$files/$name.json" 2> "$files/$name.err"
    echo "== $name: exit $? in $((SECONDS - started)) s"
    cat "$files/$name.json"
    tail -3 "$files/$name.err"
}

python -m benchmarks.make_synthetic_checkpoint /tmp/q30 > "$files/checkpoint.log" 2>&1 &
checkpoint=$!
TRITON_CACHE_DIR=$caches/tiny TRITON_F32_DEFAULT=ieee step gpu_parity python -m benchmarks.gpu_parity
TRITON_CACHE_DIR=$caches/bench step runner_speed \
    python benchmarks/runner_speed.py --steps --variants --profile
wait "$checkpoint"
echo "== checkpoint: exit $? ($(tail -1 "$files/checkpoint.log"))"
step startup_cold python -m benchmarks.startup_time --model /tmp/q30
# decode.py runs with the decode variant that was fastest at 1k (none when the defaults were).
best=$(python -c "import json, sys
d = json.load(open(sys.argv[1]))['decode_tok_s_by_variant']
print(' '.join('--set ' + s for s in d['best_settings']))" "$files/runner_speed.json")
echo "== decode with: ${best:-defaults}"
step decode python -m benchmarks.decode --model /tmp/q30 --profile $best
step ui_speed python -m benchmarks.ui_speed --model /tmp/q30 --tokens 2000 --run-turns 1
step startup_warm python -m benchmarks.startup_time --model /tmp/q30
step prefill_shapes_cudnn python -m benchmarks.prefill_shapes \
    --set 'qwen_tui.engine.runner.ops.PREFILL_SDPA_BACKENDS=("CUDNN_ATTENTION", "FLASH_ATTENTION", "EFFICIENT_ATTENTION", "MATH")'
tar czf "$out/session.tgz" -C "$files" .

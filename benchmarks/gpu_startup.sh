#!/usr/bin/env bash
# A cold and a warm start step by step, then decode.py on the cache they filled (about 3
# minutes on an H200):  bash benchmarks/gpu_startup.sh [OUT_DIR]
set -u
out=${1:-$(mktemp -d)}
mkdir -p "$out"
source benchmarks/gpu_steps.sh
carry_wheels typing_extensions
export PYTHONPATH=.:/tmp/site PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
python3 -m benchmarks.make_synthetic_checkpoint /tmp/q30 > $work/checkpoint.log 2>&1
export TRITON_CACHE_DIR=$work/cold
step startup_cold 120 python3 -m benchmarks.startup_time --model /tmp/q30
step startup_warm 60 python3 -m benchmarks.startup_time --model /tmp/q30
echo "autotune files: $(find $work/cold -name '*.autotune.json' | wc -l)"
step decode 100 python3 -m benchmarks.decode --model /tmp/q30 --contexts 1024 --prompts 4096 --fresh-prompts 1001 --steps 256
step_err_lines=3 step load_profile 150 python3 -m benchmarks.load_profile --model /tmp/q30

#!/usr/bin/env bash
# The figures users get, in one short device call (about 9 minutes on an H200), the most
# wanted first: GPU parity of the decode paths (multi-token replays and prefill graphs
# included), short prefills as graph replays against eager ones (prefill_graphs.py), the
# engine's decode and time to first token (decode.py, up to 16k-token prompts), the chat UI
# against the engine's own figures in the same process and against `run`, with the engine's
# first token in the chat split at its prefill (ui_speed.py), a cold and a warm start step
# by step (startup_time.py: an empty Triton cache, then the same one) and where the heavy
# imports left in a start come from (import_origins.py), a later prefill chunk's flash
# attention against a float32 reference, long chunks' attention kernels timed
# (prefill_attention.py), and the host's time in an eager prefill of a short
# prompt (prefill_host.py). The full set, sweeps included, is gpu_session.sh; the variants
# and their parity, gpu_variants.sh. STEP_SKIP="name ..." leaves steps out.
#
#     bash benchmarks/gpu_quick.sh [OUT_DIR]
#
# Each part has a time limit and prints its JSON as it ends, so a run cut short keeps
# what it measured. Textual and the other packages the GPU image lacks travel as wheels
# in .whl (see benchmarks/README.md) and go to /tmp/site.
set -u
out=${1:-$(mktemp -d)}
mkdir -p "$out"
source "$(dirname "$0")/gpu_steps.sh"
carry_wheels typing_extensions  # the image's own is newer (its anyio needs it)
export PYTHONPATH=.:/tmp/site PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -m benchmarks.make_synthetic_checkpoint /tmp/q30 > "$work/checkpoint.log" 2>&1 &
checkpoint=$!
TRITON_CACHE_DIR=$work/tiny TRITON_F32_DEFAULT=ieee step gpu_parity 75 \
    python3 -m benchmarks.gpu_parity moe_sym_g32
wait "$checkpoint"
echo "== checkpoint: exit $? ($(tail -1 "$work/checkpoint.log")) at $SECONDS s"
# Short prefills as graph replays against the eager prefill (random weights, no checkpoint).
step prefill_graphs 120 python3 -m benchmarks.prefill_graphs
step decode 170 python3 -m benchmarks.decode --model /tmp/q30 --contexts 1024 32768 \
    --prompts 4096 8192 16384 --fresh-prompts 4000 --steps 256
# The chat against `run`, the engine's first token in the chat split at its prefill.
step ui_speed 170 python3 -m benchmarks.ui_speed --model /tmp/q30 --tokens 2000 \
    --long-prompt 4000 --run-turns 1 --split-first-token
export TRITON_CACHE_DIR=$work/cold  # empty: the first start compiles and tunes; the second reuses it
step startup_cold 120 python3 -m benchmarks.startup_time --model /tmp/q30
step startup_warm 60 python3 -m benchmarks.startup_time --model /tmp/q30
# The short checks go to one file (the device returns 8 a call); each prints as it ends.
quick_out=$out
out=$work
step_err_lines=1 step import_origins 60 python3 -m benchmarks.import_origins  # of a warm start's
step chunk_attention 60 python3 -m benchmarks.chunk_attention_check
step prefill_attention 60 python3 -m benchmarks.prefill_attention --cases 0:4096 4096:4096
step prefill_host_47 60 python3 -m benchmarks.prefill_host --length 47 --top 25
gather "$quick_out/checks.json" import_origins chunk_attention prefill_attention prefill_host_47

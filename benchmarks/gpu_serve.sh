#!/usr/bin/env bash
# `qwen-chat serve` and `qwen-chat run` as their users get them, in one short device call
# (about 3 minutes on an H200): serve_speed.py (the openai client's figures against the
# engine's own, in the same run), then `run --json` with a short and a 4k-token prompt
# (its time to first token is the user's, from a fresh process).
#
#     bash benchmarks/serve_wheels.sh        # here, first: the server's and client's wheels
#     bash benchmarks/gpu_serve.sh [OUT_DIR] # there, with .whl carried
set -u
out=${1:-$(mktemp -d)}
mkdir -p "$out"
source "$(dirname "$0")/gpu_steps.sh"
# Not typing_extensions: the image's own is newer, and its anyio needs that one (on
# 2026-12-02 a carried 4.15 broke serve_speed's import of anyio).
carry_wheels typing_extensions
export PYTHONPATH=.:/tmp/site PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
mkdir -p "$work/bin" && printf '#!/bin/sh\nexec python3 "$@"\n' > "$work/bin/python" \
    && chmod +x "$work/bin/python" && export PATH=$work/bin:$PATH

python3 -m benchmarks.make_synthetic_checkpoint /tmp/q30 > "$work/checkpoint.log" 2>&1
echo "== checkpoint: exit $? ($(tail -1 "$work/checkpoint.log")) at $SECONDS s"
step serve_speed 110 python3 -m benchmarks.serve_speed --model /tmp/q30 --runs 3
prompt4k=$(python3 -c "from benchmarks.ui_speed import long_prompt; print(long_prompt(1500))")
for name in short:"Say hello in three words." long:"$prompt4k"; do
    step "run_${name%%:*}" 100 python3 -m qwen_tui run --model /tmp/q30 --no-save --json \
        --max-new-tokens 256 "${name#*:}"
done

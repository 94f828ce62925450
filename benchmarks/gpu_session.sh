#!/usr/bin/env bash
# Every GPU figure the Performance section and benchmarks/NOTES.md quote, in one run
# (about 6-7 minutes on an H100, estimated from its parts' earlier runs, plus about a
# minute for serve_speed, so it should fit one 10-minute device call):
#
#     bash benchmarks/gpu_session.sh OUT_DIR
#
# The synthetic checkpoint is written while the GPU parity check runs (neither is timed);
# the timed benchmarks then run one at a time, so none disturbs another's figures, and the
# end-to-end run takes the decode variant (runner_speed --variants) that won at 1k.
# serve_speed needs the server's and the client's wheels, which the GPU image lacks: run
# `bash benchmarks/serve_wheels.sh` here first and carry `.whl` (they go to /tmp/site).
set -u
out=${1:?usage: bash benchmarks/gpu_session.sh OUT_DIR}
mkdir -p "$out"
export PYTHONPATH=. PYTHONUNBUFFERED=1

python -m benchmarks.make_synthetic_checkpoint /tmp/q30 > "$out/checkpoint.log" 2>&1 &
checkpoint=$!
TRITON_F32_DEFAULT=ieee python -m benchmarks.gpu_parity > "$out/gpu_parity.json" 2> "$out/gpu_parity.err"
echo "gpu_parity: exit $?"
wait "$checkpoint"
echo "checkpoint: exit $? ($(tail -1 "$out/checkpoint.log"))"

python benchmarks/runner_speed.py --variants --profile > "$out/runner_speed.json" 2> "$out/runner_speed.err"
echo "runner_speed: exit $?"
python -m benchmarks.prefill_speed --sweep --profile > "$out/prefill_speed.json" 2> "$out/prefill_speed.err"
echo "prefill_speed: exit $?"
# decode.py runs with the decode variant that was fastest at 1k (none when the defaults were).
best=$(python -c "import json, sys
d = json.load(open(sys.argv[1]))['decode_tok_s_by_variant']
print(' '.join('--set ' + s for s in d['best_settings']))" "$out/runner_speed.json")
echo "decode: ${best:-defaults}"
python -m benchmarks.decode --model /tmp/q30 --peer --profile $best --json-out "$out/decode.json" \
    > "$out/decode.log" 2>&1
echo "decode: exit $?"

# qwen-chat serve streamed to the openai client, against the engine's own figures.
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl > "$out/serve_wheels.log" 2>&1
fi
PYTHONPATH=.:/tmp/site python -m benchmarks.serve_speed --model /tmp/q30 \
    > "$out/serve_speed.json" 2> "$out/serve_speed.err"
echo "serve_speed: exit $?"

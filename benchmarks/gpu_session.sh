#!/usr/bin/env bash
# Every GPU figure the Performance section and benchmarks/NOTES.md quote, in one run
# (about 7 minutes on an H200), most important first:
#
#     bash benchmarks/gpu_session.sh 2>&1 | tee LOG
#
# Everything goes to stdout (each part's JSON as it ends), so a run cut short keeps what
# it measured; each part has a time limit, so one that hangs cannot take the rest with it.
# The synthetic checkpoint is written while the GPU parity check and the runner's sweeps
# on random weights run. The cold start gets an empty Triton cache of its own; the rest
# share one, which the sweeps fill (same shapes as the checkpoint's). serve_speed needs
# the server's and the client's wheels, which the GPU image lacks: run
# `bash benchmarks/serve_wheels.sh` here first and carry `.whl` (they go to /tmp/site).
set -u
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}. PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
step_err_lines=4
source "$(dirname "$0")/gpu_steps.sh"

python -m benchmarks.make_synthetic_checkpoint /tmp/q30 > "$work/checkpoint.log" 2>&1 &
checkpoint=$!
TRITON_CACHE_DIR=$work/tiny TRITON_F32_DEFAULT=ieee step gpu_parity 150 \
    python -m benchmarks.gpu_parity
step runner_speed 200 python benchmarks/runner_speed.py --steps --variants --profile
wait "$checkpoint"
echo "== checkpoint: exit $? ($(tail -1 "$work/checkpoint.log")) at $SECONDS s"
TRITON_CACHE_DIR=$work/cold step startup_cold 150 python -m benchmarks.startup_time --model /tmp/q30
echo "== autotune choices (cold start)"
python -c "import json, pathlib, sys
for p in pathlib.Path(sys.argv[1]).rglob('*.autotune.json'):
    d = json.loads(p.read_text())
    best = min(d['configs_timings'], key=lambda c: c[1][0] if isinstance(c[1], list) else c[1])
    print(p.name, d['key'], best)" "$work/cold"
# decode.py runs with the decode variant that was fastest at 1k (none when the defaults were).
best=$(python -c "import json, sys
d = json.load(open(sys.argv[1]))['decode_tok_s_by_variant']
print(' '.join('--set ' + s for s in d['best_settings']))" "$work/runner_speed.json")
echo "== decode with: ${best:-defaults}"
step decode 150 python -m benchmarks.decode --model /tmp/q30 --profile $best
step ui_speed 200 python -m benchmarks.ui_speed --model /tmp/q30 --tokens 2000 --run-turns 1
step serve_speed 150 python -m benchmarks.serve_speed --model /tmp/q30
step startup_warm 60 python -m benchmarks.startup_time --model /tmp/q30

# Sourced by the gpu_*.sh scripts: the wheels carried in .whl, the run's own Triton cache,
# config and data folders, and `step`. Set `out` first to keep each step's JSON there
# (default: the run's scratch folder); each step's stderr stays in the scratch folder
# unless `step_errs` names another (the device returns 8 files a call); `step_err_lines`
# stderr lines are shown (3); steps named in `STEP_SKIP` (space-separated) are skipped.

work=$(mktemp -d)
out=${out:-$work}
export TRITON_CACHE_DIR=$work/triton QWEN_TUI_CONFIG_DIR=$work/config QWEN_TUI_DATA_DIR=$work/data

carry_wheels() {  # carry_wheels [EXCLUDE]: .whl/*.whl (but names matching EXCLUDE) to /tmp/site
    [ -d .whl ] || return 0
    local wheels
    wheels=$(ls .whl/*.whl | grep -v "${1:-^$}")
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site $wheels > "$work/wheels.log" 2>&1 || tail -3 "$work/wheels.log"
}

step() {  # step NAME SECONDS COMMAND...: run it with a time limit, print its output and status
    local name=$1 limit=$2
    shift 2
    case " ${STEP_SKIP:-} " in *" $name "*) echo "== $name: skipped"; return 0;; esac
    local started=$SECONDS
    local errs=${step_errs:-$work}
    timeout "$limit" "$@" > "$out/$name.json" 2> "$errs/$name.err"
    echo "== $name: exit $? in $((SECONDS - started)) s (at $SECONDS s)"
    cat "$out/$name.json"
    tail -"${step_err_lines:-3}" "$errs/$name.err"
}

gather() {  # gather FILE NAME...: the named steps' JSON (in the scratch folder) as one object
    local file=$1
    shift
    python3 - "$work" "$@" > "$file" <<'PY'
import json, pathlib, sys
folder, names = pathlib.Path(sys.argv[1]), sys.argv[2:]
found = {}
for name in names:
    text = (folder / f"{name}.json").read_text() if (folder / f"{name}.json").exists() else ""
    try:
        found[name] = json.loads(text)
    except ValueError:  # cut short, or printed more than one object: keep the text
        found[name] = text[-4000:]
print(json.dumps(found, indent=1))
PY
}

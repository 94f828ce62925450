"""The domain packages must be usable without the UI (and the chat core without torch);
the UI, the demo engine and sessions must work without the gpu extra (a light install)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

DOMAIN_MODULES = [
    "qwen_tui.chat",
    "qwen_tui.conversation",
    "qwen_tui.sessions",
    "qwen_tui.engine",
    "qwen_tui.engine.base",
    "qwen_tui.engine.worker",
    "qwen_tui.engine.remote",
    "qwen_tui.server",
    "qwen_tui.tools",
]


def _imported_after(module: str) -> set[str]:
    code = f"import sys, importlib, pkgutil\nimport {module} as m\n" + (
        "for info in pkgutil.walk_packages(getattr(m, '__path__', []), m.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_packages_import_no_textual(module):
    loaded = _imported_after(module)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}
    assert not {m for m in loaded if m.startswith("qwen_tui.ui")}


@pytest.mark.parametrize(
    "module",
    [
        "qwen_tui.chat",
        "qwen_tui.conversation",
        "qwen_tui.sessions",
        "qwen_tui.server",  # `serve --engine demo` and `--engine openai` run without torch
        "qwen_tui.engine.remote",
        "qwen_tui.tools",
    ],
)
def test_chat_core_imports_no_torch(module):
    loaded = _imported_after(module)
    assert "torch" not in loaded and "transformers" not in loaded


# transformers' modeling code (6.3 s to import after torch on an H200, measured for issue 13)
# and the torch parts it drags in; the fast GPU path needs none of it.
MODELING_CODE = (
    "transformers.modeling_utils",
    "transformers.activations",
    "transformers.models.qwen3.modeling_qwen3",
    "transformers.models.qwen3_moe.modeling_qwen3_moe",
    "torch._dynamo",
    "torch.distributed.tensor",
    # transformers' auto-model tables: with transformers 5.17 they import its generation
    # code, and torch._dynamo and fsdp with it (a config class or AutoTokenizer pulls them in)
    "transformers.models.auto.modeling_auto",
    "transformers.generation.utils",
)
GPU_PATH_MODULES = [
    "qwen_tui.engine.local",
    "qwen_tui.engine.loading",
    "qwen_tui.engine.fast_path",
    "qwen_tui.engine.generation",
    "qwen_tui.engine.token_sources",
    "qwen_tui.engine.runner",
]


@pytest.mark.parametrize("module", GPU_PATH_MODULES)
def test_the_gpu_path_imports_no_modeling_code(module):
    assert _imported_after(module) & set(MODELING_CODE) == set()


FAST_PATH_REPLY = """
import json, queue, sys
from qwen_tui.chat.sampling import SamplingParams
from qwen_tui.engine import loading, local
from qwen_tui.engine.base import GenerationRequest
from qwen_tui.engine.events import EngineReady, GenerationFinished
from qwen_tui.engine.runner.extract import weights_from_model
from qwen_tui.engine.runner.generate import Runner
from qwen_tui.engine.spec import ModelSpec

# The GPU's choices, on the CPU: the own tree, and the runner (on its reference ops).
loading.runner_will_take = lambda *args: True
local.fast_path_blockers = lambda loaded: []
local.build_runner = lambda loaded, sink: Runner(
    weights_from_model(loaded.model), 256, use_triton=False, use_graph=False
)
events = queue.Queue()
engine = local.LocalEngine(ModelSpec(model=sys.argv[1], device="cpu", dtype="float32"), seed=0)
engine.start(events.put)
ready = events.get(timeout=120)
while not isinstance(ready, EngineReady):
    ready = events.get(timeout=120)
at_ready = set(sys.modules)
greedy = SamplingParams(temperature=0, top_p=1, top_k=0, min_p=0, presence_penalty=0)
engine.submit(GenerationRequest(({"role": "user", "content": "Hi"},), False, greedy, 5, 1))
finished = events.get(timeout=120)
while not isinstance(finished, GenerationFinished):
    finished = events.get(timeout=120)
tree = type(engine._loaded.model).__name__
engine.close()
in_reply = sorted(set(sys.modules) - at_ready)
print(json.dumps({"tree": tree, "tokens": len(finished.token_ids), "modules": list(sys.modules),
                  "imported_in_reply": in_reply}))
"""


def test_a_reply_on_the_own_tree_imports_no_modeling_code(tmp_path):
    from qwen_tui.engine.synthetic.checkpoint import QuantSpec, tiny_config, write_checkpoint

    model_dir = write_checkpoint(tmp_path / "moe", tiny_config(), QuantSpec(group_size=32))
    command = [sys.executable, "-c", FAST_PATH_REPLY, str(model_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.splitlines()[-1])
    assert outcome["tree"] == "RunnerCausalLM" and outcome["tokens"] == 5
    assert set(outcome["modules"]) & set(MODELING_CODE) == set()
    assert "transformers.models.qwen3_moe.configuration_qwen3_moe" not in outcome["modules"]
    # The engine's modules and transformers' are imported while the model loads, not in
    # the first reply's time to its first token (the decode loop's module took 2.4 ms).
    # (Triton's interpreter imports its code generator at its first kernel: on a GPU the
    # warm-up runs every kernel before the first reply.)
    ours = [m for m in outcome["imported_in_reply"] if m.split(".")[0] != "triton"]
    assert ours == []


# The light install (`pip install qwen-tui`, no extras) has none of these.
GPU_EXTRA = ("torch", "torchgen", "functorch", "transformers", "tokenizers", "safetensors")
GPU_EXTRA += ("triton", "jinja2")
LIGHT_SESSION = """
import asyncio, json, sys
from typer.testing import CliRunner
from qwen_tui.cli import app
from qwen_tui.ui import app as ui_app
from qwen_tui.ui.widgets.assistant_turn import AssistantTurn
import qwen_tui.commands.terminal as terminal

terminal._is_terminal = lambda stream: True  # the chat UI checks for one first

outcome = {}

def command(*args):
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return {"exit": result.exit_code, "output": result.output}

async def chat(screen_app):
    async with screen_app.run_test(size=(120, 40)) as pilot:
        screen_app.query_one("#prompt").text = "How do I reverse a string?"
        await pilot.press("enter")
        for _ in range(600):
            turns = screen_app.query(AssistantTurn)
            if turns and not turns.last().streaming:
                break
            await pilot.pause(0.05)
        outcome["ui_answer"] = turns.last().answer.text if turns else ""

ui_app.ChatApp.run = lambda self: asyncio.run(chat(self))
for name, args in {
    "help": ["--help"],
    "sessions": ["sessions", "list"],
    "doctor": ["doctor"],
    "local": [],
    "run": ["run", "--engine", "demo", "--no-save", "Hi"],
    "ui": ["--engine", "demo"],
}.items():
    outcome[name] = command(*args)
outcome["modules"] = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps(outcome))
"""


@pytest.fixture(scope="module")
def light_session(tmp_path_factory) -> dict:
    """The CLI and the demo chat run in a Python that sees this one's packages less the gpu
    extra's, as a light install would: what each command printed and the modules loaded."""
    root = tmp_path_factory.mktemp("light")
    site = root / "site-packages"
    site.mkdir()
    for folder in {p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)}:
        for entry in Path(folder).iterdir():
            top = entry.name.split("-")[0].split(".")[0].lower()
            if top not in GPU_EXTRA and not (site / entry.name).exists():
                (site / entry.name).symlink_to(entry)
    env = {
        **{k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"},
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(site)]),
        "QWEN_TUI_DATA_DIR": str(root / "data"),
        "QWEN_TUI_CONFIG_DIR": str(root / "config"),
    }
    command = [sys.executable, "-S", "-c", LIGHT_SESSION]  # -S: no site-packages but ours
    done = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_the_light_install_imports_nothing_of_the_gpu_extra(light_session):
    assert set(light_session["modules"]) & set(GPU_EXTRA) == set()


def test_the_light_install_runs_the_demo_chat_sessions_and_run(light_session):
    assert light_session["help"]["exit"] == 0
    assert light_session["sessions"]["exit"] == 0
    assert light_session["run"]["exit"] == 0 and "Demo engine" in light_session["run"]["output"]
    assert light_session["ui"]["exit"] == 0 and "Demo engine" in light_session["ui_answer"]


def test_the_light_install_names_the_gpu_extra_for_the_local_engine(light_session):
    local, doctor = light_session["local"], light_session["doctor"]
    [line] = local["output"].strip().splitlines()
    assert local["exit"] == 2 and "the local engine needs torch, transformers" in line
    assert "pip install 'qwen-tui[gpu]'" in line and "--engine demo" in line
    assert doctor["exit"] == 1 and "Traceback" not in doctor["output"]
    assert "missing torch, transformers, tokenizers, safetensors, jinja2" in doctor["output"]


def test_the_check_before_the_chat_opens_imports_no_torch(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "qwen3"}')
    (tmp_path / "model.safetensors").write_bytes(b"")
    code = (
        "import sys\n"
        "from qwen_tui.cli import app\n"
        "from qwen_tui.commands.engine_check import require_startable_engine\n"
        "from qwen_tui.config import Settings\n"
        f"require_startable_engine(Settings(model={str(tmp_path)!r}))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "'torch'" not in done.stdout and "'transformers'" not in done.stdout


def test_without_mcp_servers_the_chat_and_run_never_load_the_mcp_sdk(light_session):
    # The SDK takes most of a second to import: a chat without tools starts without it.
    assert light_session["ui"]["exit"] == 0 and light_session["run"]["exit"] == 0
    assert "mcp" not in light_session["modules"]

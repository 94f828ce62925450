"""`qwen-chat serve` on a tiny checkpoint with the local engine: a greedy reply through the
API is the one `qwen-chat run --json` gives, and Ctrl+C stops the server cleanly."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from qwen_tui.cli import app
from tests.server.serve_process import ServeProcess

CPU = ["--device", "cpu", "--dtype", "float32"]
PROMPT = "Why is the sky blue?"


def test_greedy_tokens_through_serve_equal_run_json(tiny, tmp_path):
    model = str(tiny["moe_asym_desc_g64_qrouter"])
    greedy = ["--temperature", "0", "--presence-penalty", "0", "--max-new-tokens", "12"]
    result = CliRunner().invoke(app, ["run", "--model", model, *CPU, *greedy, "--json", PROMPT])
    assert result.exit_code == 0, result.stderr
    local = json.loads(result.stdout)
    server = ServeProcess(tmp_path, "--model", model, *CPU)
    try:
        client = server.client()
        fields = {"temperature": 0, "presence_penalty": 0, "max_tokens": 12}
        messages = [{"role": "user", "content": PROMPT}]
        reply = client.chat.completions.create(model=model, messages=messages, **fields)
        chunks = list(
            client.chat.completions.create(model=model, messages=messages, stream=True, **fields)
        )
        sampled = [
            client.chat.completions.create(
                model=model, messages=messages, temperature=1.5, max_tokens=12, seed=seed
            )
            .choices[0]
            .message
            for seed in (11, 11, 12)
        ]
    finally:
        status = server.stop()
    message = reply.choices[0].message
    assert (message.reasoning_content or "", message.content) == (
        local["thinking"],
        local["answer"],
    )
    assert reply.usage.completion_tokens == len(local["token_ids"])
    assert reply.usage.prompt_tokens == len(local["prompt_ids"])
    assert reply.choices[0].finish_reason == local["finish_reason"]
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == local["answer"]
    texts = [(m.reasoning_content, m.content) for m in sampled]
    assert texts[0] == texts[1] != texts[2]  # the seed reaches the engine's sampler
    assert status == 0 and "stopped" in server.stderr()

"""Qwen-Agent, as the model card deploys it, with `model_server` pointed at `qwen-chat serve`."""

from __future__ import annotations

from tests.server.test_serve_demo import ANSWER, QUESTION, THINKING


def test_qwen_agents_assistant_gets_the_thinking_and_the_answer(demo_server):
    from qwen_agent.agents import Assistant

    bot = Assistant(
        llm={"model": demo_server.model, "model_server": demo_server.url, "api_key": "EMPTY"}
    )
    *_, final = bot.run(messages=[{"role": "user", "content": QUESTION}])
    assert [m["role"] for m in final] == ["assistant", "assistant"]
    assert final[0]["reasoning_content"] == THINKING  # Qwen-Agent keeps the thinking apart
    assert final[-1]["content"] == ANSWER

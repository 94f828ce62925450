"""Markdown and JSON exports keep the thinking apart from the answer."""

from __future__ import annotations

import json

from qwen_tui.sessions.export import to_json, to_markdown
from tests.sessions.helpers import record, sample_conversation


def test_markdown_puts_thinking_in_details_blocks(store):
    session = store.load(record(store, sample_conversation()))
    text = to_markdown(session)
    assert text.startswith("# What is 6 × 7? /think\n")
    block = text.index("<details>")
    assert text.index("Six sevens: 7+7=14, ×3 = 42. 好.") > block
    assert text.index("</details>") < text.index("**42**")
    assert text.count("<details>") == 1  # the second reply had no thinking
    assert "## System\n\nBe brief." in text
    assert "cut off at the token limit" in text


def test_markdown_thinking_cannot_close_its_block_early(store):
    conversation = sample_conversation()
    conversation.messages[1].thinking = "tricky </details> text"
    text = to_markdown(store.load(record(store, conversation)))
    assert text.count("</details>") == 1


def test_json_export_is_one_document_with_thinking_apart(store):
    session = store.load(record(store, sample_conversation()))
    document = json.loads(to_json(session))
    assert document["id"] == session.id
    roles = [m["role"] for m in document["messages"]]
    assert roles == ["user", "assistant", "user", "assistant"]
    first_reply = document["messages"][1]
    assert first_reply["thinking"] == "Six sevens: 7+7=14, ×3 = 42. 好."
    assert first_reply["content"] == "**42**"
    assert first_reply["stats"]["generated_tokens"] == 30


def test_markdown_headings_of_a_message_sit_under_its_turn_heading(store):
    conversation = sample_conversation()
    conversation.messages[
        1
    ].content = (
        "# Answer\n\n## Details\n\n```python\n# a comment, not a heading\n```\n\n###### deep"
    )
    text = to_markdown(store.load(record(store, conversation)))
    assert "\n## Assistant\n" in text
    assert "\n### Answer\n" in text and "\n#### Details\n" in text
    assert "\n# a comment, not a heading\n" in text  # code stays as it is
    assert "\n###### deep\n" in text  # Markdown has no seventh level
    assert text.index("\n## Assistant\n") < text.index("\n### Answer\n")

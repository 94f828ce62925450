"""`/file PATH`: a text file attached to the message in the input, as a fenced block (see
`conversation.attachment`), for the user to write around and send with Enter.

Lines typed after the `/file PATH` line stay in the input above the block. When the file
is refused, the command comes back in the input to be put right.
"""

from __future__ import annotations

from textual.app import App

from qwen_tui.conversation.attachment import AttachmentRefused, attach_file
from qwen_tui.conversation.core import ConversationCore, EngineState
from qwen_tui.ui.widgets.prompt_input import PromptInput


def attach_to_input(app: App, core: ConversationCore, prompt: PromptInput, argument: str) -> None:
    """Run `/file` with `argument`: its first line the path, the rest the message."""
    typed_path, _, message = argument.partition("\n")
    # Counting needs the model's tokenizer; while it loads, sending checks the context.
    counts = core.state is EngineState.READY
    try:
        text, attachment = attach_file(
            message,
            typed_path,
            max_bytes=core.settings.max_attachment_bytes,
            prompt_tokens=core.prompt_tokens_with if counts else None,
            limit=core.engine.context_limit,
        )
    except AttachmentRefused as exc:
        app.notify(str(exc), severity="warning", markup=False)
        _show(prompt, f"/file {argument}")
        return
    _show(prompt, text)  # its control characters shown, and sent, as marks
    lines = f"{attachment.lines:,} line{'' if attachment.lines == 1 else 's'}"
    app.notify(f"Attached {attachment.name} ({lines}); Enter sends it.", markup=False)


def start_file_command(prompt: PromptInput) -> None:
    """The palette's "Attach a file": `/file ` in the input, above what is typed there,
    the cursor after it for the path."""
    typed = prompt.text
    prompt.text = f"/file \n{typed}" if typed.strip() else "/file "
    prompt.move_cursor((0, len("/file ")))
    prompt.focus()


def _show(prompt: PromptInput, text: str) -> None:
    prompt.text = text
    prompt.move_cursor(prompt.document.end)
    prompt.focus()

"""A model's chat template, rendered in a sandbox with limits on time and size.

The template is code from the model directory. Jinja's immutable sandbox keeps it from
reaching Python's internals; on top of that every render stops with one EngineFailure
line, naming the template, when it raises, runs past its time (a loop that never ends is
stopped on its next line), or produces more text than the conversation can explain
(output is checked piece by piece, and `*` is checked before it builds a huge string).

The names a template sees are those transformers' `apply_chat_template` gives it:
`messages`, `tools`, `documents`, `add_generation_prompt`, the tokenizer's special tokens,
the keyword arguments, `raise_exception`, `strftime_now` and a `tojson` that does not
escape HTML; loop controls and the `{% generation %}` tag work as there.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from types import FrameType
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.parser import Parser
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from qwen_tui.engine.base import EngineFailure
from qwen_tui.engine.events import ErrorKind
from qwen_tui.regular_files import MIB, size_text

BASE_SECONDS = 5.0
"""A render may take this long, plus `SECONDS_PER_MESSAGE` for each message."""
SECONDS_PER_MESSAGE = 0.002
BASE_CHARS = 16 * MIB
"""A render may produce this much text, plus `CHARS_PER_INPUT_CHAR` per character given."""
CHARS_PER_INPUT_CHAR = 4
_TEMPLATE_FILE = "<template>"  # the file name Jinja gives compiled templates' code


class _TimeUp(BaseException):
    """Raised inside the template's own code; a BaseException so no handler takes it."""


class _TooLarge(BaseException):
    """The template built more text than it may."""


_max_chars: ContextVar[int] = ContextVar("max_chars", default=BASE_CHARS)


class ChatTemplate:
    """The template `source` from `origin` (named in errors), compiled once."""

    def __init__(self, source: str, origin: str, special_tokens: Mapping[str, str]) -> None:
        self.origin = origin
        self._special_tokens = dict(special_tokens)
        try:
            self._template = _environment().from_string(source)
        except TemplateSyntaxError as exc:
            raise self._failure(f"is not valid Jinja (line {exc.lineno}: {exc.message})") from None

    def render(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        add_generation_prompt: bool,
        tools: Sequence[Mapping[str, Any]] | None = None,
        **kwargs: Any,
    ) -> str:
        """The prompt text; EngineFailure (one line) when the template fails or overruns.
        `tools` are the functions offered, in the OpenAI shape the template lists."""
        given = sum(len(str(v)) for m in messages for v in m.values())
        given += sum(len(str(t)) for t in tools or ())
        max_chars = BASE_CHARS + CHARS_PER_INPUT_CHAR * given
        seconds = BASE_SECONDS + SECONDS_PER_MESSAGE * len(messages)
        context = self._special_tokens | kwargs
        offered = [dict(t) for t in tools] if tools else None
        context |= {"messages": [dict(m) for m in messages], "tools": offered, "documents": None}
        context["add_generation_prompt"] = add_generation_prompt
        parts: list[str] = []
        produced = 0
        token = _max_chars.set(max_chars)
        try:
            with _time_limit(seconds):
                for part in self._template.generate(**context):
                    produced += len(part)
                    if produced > max_chars:
                        raise _TooLarge
                    parts.append(part)
        except _TimeUp:
            raise self._failure(f"took over {seconds:g} s to render; it may never end") from None
        except _TooLarge:
            raise self._failure(f"produced over {size_text(max_chars)} of text") from None
        except RecursionError:
            raise self._failure("failed: it recursed too deeply") from None
        except Exception as exc:  # anything the template's code raises is its failure
            raise self._failure(f"failed: {_reason(exc)}") from None
        finally:
            _max_chars.reset(token)
        return "".join(parts)

    def _failure(self, what: str) -> EngineFailure:
        return EngineFailure(
            f"the chat template in {self.origin} {what}; use the model's original template",
            ErrorKind.BAD_REQUEST,
        )


Tracer = Callable[[FrameType, str, object], Any]
"""A `sys.settrace` function: it returns the tracer for the frame's lines, or None."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop the template's code once `seconds` have passed: a tracer on its frames only
    (this thread's; other code runs untraced) checks the clock every 128 lines."""
    deadline = time.monotonic() + seconds
    lines = 0

    def on_line(frame: FrameType, event: str, arg: object) -> Tracer:
        nonlocal lines
        lines += 1
        if not lines % 128 and time.monotonic() > deadline:
            raise _TimeUp
        return on_line

    def on_call(frame: FrameType, event: str, arg: object) -> Tracer | None:
        return on_line if frame.f_code.co_filename == _TEMPLATE_FILE else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        yield
    finally:
        sys.settrace(previous)


class _LimitedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with `*` and `**` checked before they compute."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                sized = isinstance(sequence, str | list | tuple) and isinstance(count, int)
                if sized and len(sequence) * count > _max_chars.get():
                    raise _TooLarge
        elif isinstance(left, int) and isinstance(right, int) and abs(right) > 256:
            if abs(left) > 1:
                raise TemplateError(f"{left} ** {right} is too large to compute")
        return super().call_binop(context, operator, left, right)


class _GenerationTag(Extension):
    """`{% generation %}...{% endgeneration %}` (marks the assistant's part in training
    templates): here its body renders as it is."""

    tags = {"generation"}

    def parse(self, parser: Parser) -> list[nodes.Node]:
        next(parser.stream)
        return list(parser.parse_statements(("name:endgeneration",), drop_needle=True))


def _environment() -> _LimitedSandbox:
    environment = _LimitedSandbox(
        trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols, _GenerationTag]
    )
    environment.filters["tojson"] = _tojson
    environment.globals["raise_exception"] = _raise_exception
    environment.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return environment


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | str | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _raise_exception(message: str) -> None:
    raise TemplateError(message)


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"

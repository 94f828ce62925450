"""Library noise out of the terminal: the warnings and log records of transformers,
tokenizers, torch, Triton and the hub client go to a log file in the data directory
(`qwen-chat doctor` names it); `--verbose` shows them on stderr too.

The project's own one-line messages are printed, never logged, so they stay where they
are. Python `warnings` become log records; torch, transformers and the hub client send
theirs to stderr through handlers of their own, set up when they are imported, so those
handlers are taken out each time one may have appeared (`adopt_library_loggers`, which the
local engine calls once it has imported them).
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler

from qwen_tui import locations

# Libraries whose loggers may print to stderr by themselves instead of propagating.
LIBRARIES = ("torch", "transformers", "huggingface_hub", "tokenizers", "safetensors", "triton")
LOG_BYTES = 1_000_000  # then one older file is kept beside it
HELD_RECORDS = 1_000
_OURS = "_qwen_tui_route"


class HeldForStderr(logging.Handler):
    """Keeps records while a UI owns the terminal; prints them to stderr when closed
    (logging closes every handler at exit, after the UI has given the terminal back)."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.held) < HELD_RECORDS:
            self.held.append(self.format(record))

    def close(self) -> None:
        held, self.held = self.held, []
        if held and sys.stderr is not None:
            sys.stderr.write("".join(f"{line}\n" for line in held))
        super().close()


def route_library_output(verbose: bool = False, *, ui: bool = False) -> None:
    """Send every log record and Python warning to the log file, and with `verbose` to
    stderr too (when the UI has closed, for `ui`). Calling it again replaces the routes."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
        handler.close()
    handlers: list[logging.Handler] = [_log_file_handler()]
    if verbose:
        to_terminal = HeldForStderr() if ui else logging.StreamHandler(sys.stderr)
        to_terminal.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
        handlers.append(to_terminal)
    for handler in handlers:
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    logging.captureWarnings(True)
    adopt_library_loggers()


def _log_file_handler() -> logging.Handler:
    """The log file's handler; where the data directory cannot be written (the command says
    so itself when it needs it), one that drops the records instead of printing them."""
    path = locations.log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=1, encoding="utf-8")
    except OSError:
        return logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(name)s: %(message)s"))
    return handler


def adopt_library_loggers() -> None:
    """Take the stderr handlers out of the libraries' loggers created so far, and let their
    records propagate to the routes above; loggers created later are not touched."""
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger) or name.split(".")[0] not in LIBRARIES:
            continue
        for handler in list(logger.handlers):
            if _prints_to_stderr(handler):
                logger.removeHandler(handler)
        logger.propagate = True


def _prints_to_stderr(handler: logging.Handler) -> bool:
    # torch's handler is no StreamHandler, but has a `stream` that is stderr too.
    stream = getattr(handler, "stream", None)
    return stream is not None and stream in (sys.stderr, sys.__stderr__)

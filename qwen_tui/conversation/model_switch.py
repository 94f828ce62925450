"""`ModelSwitch`: `/model NAME`, the conversation going on with another model.

The engine of the settings with NAME as their model takes the old one's place and loads
as the first one did: its progress is shown, and messages sent meanwhile wait for it. The
old engine is closed first (a GPU holds one model). If the new one fails to load, the old
model is loaded again, so the chat goes on where it can; a local model's files are checked
before anything is closed, so a wrong path costs nothing. The session records the switch,
and `qwen-chat resume` goes on with the new model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from qwen_tui.config import Settings
from qwen_tui.conversation.core import ConversationCore, EngineState
from qwen_tui.conversation.opening import engine_identity
from qwen_tui.conversation.tool_runner import CoreEvent
from qwen_tui.conversation.updates import Loading, Notice, Severity, Update
from qwen_tui.engine.base import Engine, EngineFailure
from qwen_tui.engine.events import EngineError, EngineReady, LoadProgress

EngineMaker = Callable[[Settings], Engine]
EngineStarter = Callable[[Engine], None]


def switched_engine(settings: Settings) -> Engine:
    """The engine `settings` ask for, not loaded yet; a local model's files are checked
    first (EngineFailure, one line, when they are not a checkpoint it loads)."""
    if settings.engine == "local":
        from qwen_tui.engine.model_files import loadable_model_dir

        loadable_model_dir(settings.model)
    from qwen_tui.engine.factory import create_engine

    return create_engine(settings)


@dataclass(frozen=True)
class _Switch:
    """A switch under way: the model asked for, and the settings to load again if it fails
    (None when the old engine had failed too)."""

    model: str
    back_to: Settings | None


class ModelSwitch:
    """Switches `core` to another model; `start` starts an engine with the front-end's
    sink. Pass every engine event through `handle` (it hands the core what is not the
    switch's)."""

    def __init__(
        self, core: ConversationCore, start: EngineStarter, make: EngineMaker = switched_engine
    ) -> None:
        self.core = core
        self._start = start
        self._make = make
        self._switch: _Switch | None = None

    def in_use(self) -> str:
        """`/model` alone, for an engine that runs its own model: which one, and its state."""
        core = self.core
        if core.settings.engine == "demo" or core.engine.playback is not None:
            return self._one_model()
        name = core.engine.model_name or core.settings.model
        return f"Model: {name} ({core.engine.name}, {core.state}). /model NAME loads another."

    def switch(self, name: str) -> list[Update]:
        """Load model `name` in place of the one in use; a Notice saying why not if it
        cannot be now."""
        core, model = self.core, name.strip()
        why = self._why_not(model)
        if why:
            return [Notice(why, Severity.WARNING)]
        settings = replace(core.settings, model=model)
        try:
            engine = self._make(settings)
        except EngineFailure as exc:
            return [Notice(f"Cannot switch to {model}: {exc}.", Severity.ERROR)]
        back_to = core.settings if core.state is EngineState.READY else None
        self._switch = _Switch(model, back_to)
        return self._load(engine, settings)

    def handle(self, event: CoreEvent) -> list[Update]:
        """Apply an engine event: the new engine's readiness or failure end the switch."""
        switch, core = self._switch, self.core
        if switch is None or core.state is not EngineState.LOADING:
            return core.handle(event)
        if isinstance(event, EngineReady):
            self._switch = None
            updates = core.handle(event)
            engine_name, model_name = engine_identity(core.settings, core.engine)
            core.recording.model(core.settings, engine_name, model_name)
            return [*updates, Notice(f"Now chatting with {model_name}.")]
        if isinstance(event, EngineError) and switch.back_to is not None:
            self._switch = None
            back_to = switch.back_to
            try:
                engine = self._make(back_to)
            except EngineFailure:  # the old model is gone too: the load failed, as any does
                return core.handle(event)
            failed = Notice(
                f"Could not load {switch.model}: {event.message}; loading {back_to.model} again.",
                Severity.ERROR,
            )
            return [failed, *self._load(engine, back_to)]
        return core.handle(event)

    def _why_not(self, model: str) -> str:
        core = self.core
        if core.settings.engine == "demo" or core.engine.playback is not None:
            return self._one_model()
        if not model:
            return "Usage: /model NAME (a model directory or hub repo id, or a server's model)."
        if core.state is EngineState.LOADING:
            return "A model is still loading; /model NAME again once it is ready."
        if core.busy:
            return "A reply is under way; /model NAME again once it ends (Esc stops it)."
        if core.state is EngineState.READY and model == core.engine.model_name:
            return f"{model} is the model in use."
        return ""

    def _one_model(self) -> str:
        if self.core.engine.playback is not None:
            return "A played-back session runs no model; qwen-chat resume goes on with one."
        return f"The demo engine has one model ({self.core.engine.model_name}); nothing to switch."

    def _load(self, engine: Engine, settings: Settings) -> list[Update]:
        core = self.core
        core.engine.close()
        core.use_engine(engine, settings)
        updates: list[Update] = [Loading(LoadProgress(0, 1, "steps", f"Loading {settings.model}"))]
        try:
            self._start(engine)
        except Exception as exc:  # noqa: BLE001 - an engine that cannot start is a notice
            return [*updates, *self.handle(EngineError(str(exc)))]
        return updates

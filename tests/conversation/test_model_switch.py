"""`/model NAME` in the conversation core: the new engine takes the old one's place and
loads, messages wait for it, the session records the switch, and a model that fails to
load gives the chat its old model back."""

from __future__ import annotations

from manual_engine import ManualEngine

from qwen_tui.config import Settings
from qwen_tui.conversation.core import ConversationCore, EngineState
from qwen_tui.conversation.model_switch import ModelSwitch
from qwen_tui.conversation.updates import Loading, Notice, Queued, Ready, Severity, TurnStarted
from qwen_tui.engine.base import Engine, EngineFailure
from qwen_tui.engine.events import EngineError


class NamedEngine(ManualEngine):
    name = "local"

    def __init__(self, model: str) -> None:
        super().__init__()
        self.model_name = model


class SwitchRecorder:
    """A session recorder that keeps the switches it was told of."""

    def __init__(self) -> None:
        self.models: list[str] = []
        self.users: list[str] = []

    def record_model(self, *, settings: Settings, engine_name: str, model_name: str) -> None:
        self.models.append(f"{engine_name}:{model_name}:{settings.model}")

    def record_user(self, message) -> None:
        self.users.append(message.content)

    def record_assistant(self, message, timeline=()) -> None:
        pass

    def close(self) -> None:
        pass


def switching(model: str = "/models/a"):
    """A ready core on `model`, its model switch, what it started, and its recorder."""
    recorder = SwitchRecorder()
    first = NamedEngine(model)
    settings = Settings(engine="local", model=model)
    core = ConversationCore(first, settings, recorder_factory=lambda _s, _e: recorder)
    core.handle(first.ready())
    started: list[Engine] = []

    def make(settings: Settings) -> Engine:
        if settings.model == "/models/missing":
            raise EngineFailure("model directory /models/missing does not exist")
        return NamedEngine(settings.model)

    return core, ModelSwitch(core, started.append, make), started, recorder


def texts(updates) -> list[str]:
    return [u.text for u in updates if isinstance(u, Notice)]


def test_the_new_model_loads_in_place_of_the_old_and_messages_wait_for_it():
    core, models, started, recorder = switching()
    old = core.engine
    updates = models.switch("/models/b")
    assert old.closed and started == [core.engine] and core.engine is not old
    assert core.state is EngineState.LOADING and core.settings.model == "/models/b"
    assert isinstance(updates[0], Loading) and updates[0].progress.message == "Loading /models/b"
    assert isinstance(core.send("Hello")[0], Queued)
    updates = models.handle(core.engine.ready())
    assert any(isinstance(u, Ready) for u in updates)
    assert any(isinstance(u, TurnStarted) for u in updates)  # the waiting message goes out
    assert texts(updates)[-1] == "Now chatting with /models/b."
    assert core.engine.requests[-1].messages[-1]["content"] == "Hello"
    assert recorder.models == ["local:/models/b:/models/b"]


def test_a_model_that_fails_to_load_gives_the_chat_its_old_model_back():
    core, models, started, recorder = switching()
    models.switch("/models/b")
    failed = core.engine
    updates = models.handle(EngineError("out of memory"))
    assert failed.closed and core.engine is started[-1] and core.engine.model_name == "/models/a"
    assert texts(updates)[0] == (
        "Could not load /models/b: out of memory; loading /models/a again."
    )
    assert core.state is EngineState.LOADING
    models.handle(core.engine.ready())
    assert core.state is EngineState.READY and core.settings.model == "/models/a"
    assert recorder.models == []  # the session goes on with the model it had


def test_a_name_that_cannot_load_is_one_line_and_the_old_model_stays():
    core, models, started, _ = switching()
    old = core.engine
    (notice,) = models.switch("/models/missing")
    assert notice.severity is Severity.ERROR
    assert notice.text == (
        "Cannot switch to /models/missing: model directory /models/missing does not exist."
    )
    assert core.engine is old and not old.closed and started == []


def test_no_switch_while_a_reply_runs_or_a_model_loads_nor_to_the_model_in_use():
    core, models, _, _ = switching()
    assert texts(models.switch("/models/a")) == ["/models/a is the model in use."]
    core.send("Hello")
    assert texts(models.switch("/models/b")) == [
        "A reply is under way; /model NAME again once it ends (Esc stops it)."
    ]
    core.cancel()
    core.handle(core.engine.finished("", reason="cancelled"))
    models.switch("/models/b")
    assert texts(models.switch("/models/c")) == [
        "A model is still loading; /model NAME again once it is ready."
    ]


def test_after_a_failed_start_another_model_can_be_tried_and_nothing_to_go_back_to():
    first = NamedEngine("/models/broken")
    core = ConversationCore(first, Settings(engine="local", model="/models/broken"))
    core.handle(EngineError("no such model"))
    started: list[Engine] = []
    models = ModelSwitch(core, started.append, lambda s: NamedEngine(s.model))
    models.switch("/models/b")
    models.handle(EngineError("still broken"))
    assert core.state is EngineState.FAILED and core.load_error == "still broken"
    assert len(started) == 1  # no old model to load again

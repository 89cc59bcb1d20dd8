"""The engine's retry loop with a scripted model: what is discarded, what is kept, when it stops."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from infercode.config.settings import Settings
from infercode.engine.agent import INTERRUPTED_REPLY_NOTE, Agent, AgentOptions
from infercode.engine.approval import DenyAll
from infercode.engine.events import Event, Retrying, TextDelta, TurnFinished
from infercode.engine.history import History, message_text, unanswered_calls, user_message
from infercode.engine.retry import RetryPolicy
from infercode.errors import ModelError
from infercode.tools.registry import build_tools
from infercode.tools.workspace import Workspace
from tests.support.scripted_model import ScriptedModel, Step, call, done, message, reasoning


def dropped() -> ModelError:
    return ModelError("the stream ended", kind="stream", retry="connection dropped")


def make_agent(tmp_path: Path, steps: Sequence[Step], policy: RetryPolicy) -> Agent:
    return Agent(
        model=ScriptedModel(list(steps)),
        tools=build_tools(Workspace(tmp_path), Settings()),
        approver=DenyAll(),
        history=History(),
        options=AgentOptions(model="m", retry=policy),
    )


def test_a_retried_attempt_leaves_no_trace(tmp_path: Path) -> None:
    steps: list[Step] = [
        [
            *reasoning("first try"),
            *call("read_file", {"path": "x"}, "c1"),
            TextDelta("bro"),
            dropped(),
        ],
        [*message("the answer"), *done()],
    ]
    agent = make_agent(tmp_path, steps, RetryPolicy(base_delay_s=0))
    events: list[Event] = list(agent.run_turn("hi"))
    retries = [e for e in events if isinstance(e, Retrying)]
    assert [(r.attempt, r.max_attempts, r.reason) for r in retries] == [
        (1, 4, "connection dropped")
    ]
    finished = events[-1]
    assert isinstance(finished, TurnFinished)
    assert (finished.status, finished.final_text) == ("done", "the answer")
    items = agent.history.items
    assert items[0] == user_message("hi") and len(items) == 2
    assert message_text(items[1]) == "the answer"
    model = agent.model
    assert isinstance(model, ScriptedModel) and model.requests[0] == model.requests[1]


@pytest.mark.parametrize(
    "policy", [RetryPolicy(max_retries=0), RetryPolicy(base_delay_s=5, deadline_s=1)]
)
def test_no_retry_past_the_budget_or_the_deadline(tmp_path: Path, policy: RetryPolicy) -> None:
    agent = make_agent(tmp_path, [[TextDelta("half"), dropped()]], policy)
    events = list(agent.run_turn("hi"))
    assert not any(isinstance(e, Retrying) for e in events)
    finished = events[-1]
    assert isinstance(finished, TurnFinished) and finished.status == "failed"
    assert agent.history.items == [user_message("hi")]


def test_retry_turn_sends_the_history_again_without_a_new_message(tmp_path: Path) -> None:
    steps: list[Step] = [[dropped()], [*message("second time"), *done()]]
    agent = make_agent(tmp_path, steps, RetryPolicy(max_retries=0))
    assert list(agent.run_turn("hi"))[-1].status == "failed"  # type: ignore[union-attr]
    finished = list(agent.retry_turn())[-1]
    assert isinstance(finished, TurnFinished) and finished.final_text == "second time"
    assert [i.get("role") for i in agent.history.items] == ["user", "assistant"]


def test_ctrl_c_during_the_backoff_interrupts_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("infercode.engine.streaming.time.sleep", interrupted)
    steps: list[Step] = [[*call("read_file", {"path": "x"}, "c1"), dropped()]]
    agent = make_agent(tmp_path, steps, RetryPolicy())
    finished = list(agent.run_turn("hi"))[-1]
    assert isinstance(finished, TurnFinished) and finished.status == "interrupted"
    assert agent.history.items == [user_message("hi")]  # the dropped attempt left nothing


def test_an_interrupted_reply_is_kept_with_a_note(tmp_path: Path) -> None:
    steps: list[Step] = [[*reasoning("hmm"), TextDelta("half an"), KeyboardInterrupt()]]
    agent = make_agent(tmp_path, steps, RetryPolicy())
    finished = list(agent.run_turn("hi"))[-1]
    assert isinstance(finished, TurnFinished) and finished.status == "interrupted"
    items = agent.history.items
    assert [i["type"] for i in items] == ["message", "reasoning", "message"]
    assert message_text(items[-1]) == f"half an\n\n{INTERRUPTED_REPLY_NOTE}"
    assert unanswered_calls(items) == []

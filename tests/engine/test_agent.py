"""The turn loop against the scripted model: ordering, approval, failures, cancellation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from infercode.config.settings import Settings
from infercode.engine.agent import CANCELLED_OUTPUT, FAILED_OUTPUT, Agent, AgentOptions
from infercode.engine.approval import (
    ApprovalRequest,
    Approver,
    Decision,
    DenyAll,
    Rule,
    SessionRules,
)
from infercode.engine.events import (
    Event,
    MessageDone,
    RequestStarted,
    TextDelta,
    ToolDecided,
    ToolFinished,
    ToolOutputDelta,
    ToolRequested,
    TurnFinished,
)
from infercode.engine.history import History, unanswered_calls, user_message
from infercode.errors import ModelError
from infercode.tools.registry import build_tools
from infercode.tools.workspace import Workspace
from infercode.ui.drive import drive
from tests.support.scripted_model import ScriptedModel, Step, call, done, message, reasoning


class Recorder:
    """An approver that answers from a list and remembers what it was asked."""

    def __init__(self, *answers: Decision) -> None:
        self.answers = list(answers)
        self.asked: list[ApprovalRequest] = []

    def decide(self, request: ApprovalRequest) -> Decision:
        self.asked.append(request)
        return self.answers.pop(0)


def make_agent(
    tmp_path: Path,
    steps: Sequence[Step],
    approver: Approver | None = None,
    rules: SessionRules | None = None,
    max_turns: int = 50,
) -> tuple[Agent, ScriptedModel]:
    (tmp_path / "x").write_text("a file to read\n")
    model = ScriptedModel(list(steps))
    agent = Agent(
        model=model,
        tools=build_tools(Workspace(tmp_path), Settings()),
        approver=approver or Recorder(),
        history=History(),
        options=AgentOptions(model="m", max_turns=max_turns),
        rules=rules,
    )
    return agent, model


def run(agent: Agent, text: str) -> list[Event]:
    return list(agent.run_turn(text))


def test_plain_answer_streams_then_finishes(tmp_path: Path) -> None:
    agent, _ = make_agent(tmp_path, [[*reasoning("think"), *message("hello there"), *done()]])
    events = run(agent, "hi")
    assert isinstance(events[0], RequestStarted)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "hello there"
    finished = events[-1]
    assert isinstance(finished, TurnFinished)
    assert (finished.status, finished.final_text, finished.steps) == ("done", "hello there", 1)
    kinds = [i["type"] for i in agent.history.items]
    assert kinds == ["message", "reasoning", "message"]
    assert "id" not in agent.history.items[1]  # no id without encrypted content
    assert agent.history.items[1]["content"] == [{"type": "reasoning_text", "text": "think"}]


def test_read_edit_shell_in_order_with_outputs(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\ntwo\n")
    steps = [
        [*call("read_file", {"path": "a.txt"}, "c1"), *done()],
        [
            *call("edit_file", {"path": "a.txt", "old_string": "two", "new_string": "2"}, "c2"),
            *call("shell", {"command": "echo ran; cat a.txt"}, "c3"),
            *done(),
        ],
        [*message("all done"), *done()],
    ]
    approver = Recorder(Decision(True), Decision(True), Decision(True))
    agent, model = make_agent(tmp_path, steps, approver)
    events = run(agent, "go")
    assert (tmp_path / "a.txt").read_text() == "one\n2\n"
    assert [r.kind for r in approver.asked] == ["read", "edit", "shell"]
    assert "-two" in approver.asked[1].detail and "+2" in approver.asked[1].detail
    finished = [e for e in events if isinstance(e, ToolFinished)]
    assert [f.ok for f in finished] == [True, True, True]
    assert "ran" in "".join(e.text for e in events if isinstance(e, ToolOutputDelta))
    items = model.requests[-1].input
    types = [(i["type"], i.get("call_id")) for i in items]
    assert types == [
        ("message", None),
        ("function_call", "c1"),
        ("function_call_output", "c1"),
        ("function_call", "c2"),
        ("function_call", "c3"),
        ("function_call_output", "c2"),
        ("function_call_output", "c3"),
    ]
    assert events[-1] == TurnFinished("done", "all done", steps=3, usage=events[-1].usage)  # type: ignore[union-attr]


def test_denial_with_message_reaches_the_model(tmp_path: Path) -> None:
    steps = [
        [*call("shell", {"command": "rm -rf build"}, "c1"), *done()],
        [*message("ok, I won't"), *done()],
    ]
    agent, model = make_agent(tmp_path, steps, Recorder(Decision(False, "use make clean")))
    events = run(agent, "clean")
    output = model.requests[1].input[-1]
    assert output["type"] == "function_call_output"
    assert "denied" in str(output["output"]) and "use make clean" in str(output["output"])
    finished = events[-1]
    assert isinstance(finished, TurnFinished) and finished.denied_calls == 1


def test_deny_all_names_the_flag(tmp_path: Path) -> None:
    steps = [[*call("read_file", {"path": "x"}, "c1"), *done()], [*message("ok"), *done()]]
    agent, model = make_agent(tmp_path, steps, DenyAll())
    events = run(agent, "read")
    decided = [e for e in events if isinstance(e, ToolDecided)]
    assert decided[0].decision == "denied_no_approver"
    assert "--allow read" in str(model.requests[1].input[-1]["output"])


def test_always_rule_sticks_for_reads_not_edits(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x\n")
    steps = [
        [*call("read_file", {"path": "f"}, "c1"), *done()],
        [*call("read_file", {"path": "f"}, "c2"), *done()],
        [*call("edit_file", {"path": "f", "old_string": "x", "new_string": "y"}, "c3"), *done()],
        [*message("done"), *done()],
    ]
    approver = Recorder(Decision(True, remember=Rule("read")), Decision(True))
    agent, _ = make_agent(tmp_path, steps, approver)
    events = run(agent, "go")
    assert [r.kind for r in approver.asked] == ["read", "edit"]
    assert [e.decision for e in events if isinstance(e, ToolDecided)] == [
        "approved",
        "approved_by_rule",
        "approved",
    ]


def test_edited_shell_command_runs_and_model_is_told(tmp_path: Path) -> None:
    steps = [[*call("shell", {"command": "echo one"}, "c1"), *done()], [*message("k"), *done()]]
    agent, model = make_agent(tmp_path, steps, Recorder(Decision(True, edited_command="echo two")))
    run(agent, "go")
    output = str(model.requests[1].input[-1]["output"])
    assert "two" in output and "edited the command" in output and "one\n" not in output


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"offset": 3}', "'path'"),
    ],
)
def test_bad_arguments_become_tool_errors(tmp_path: Path, arguments: str, expected: str) -> None:
    steps = [[*call("read_file", arguments, "c1"), *done()], [*message("sorry"), *done()]]
    approver = Recorder()
    agent, model = make_agent(tmp_path, steps, approver)
    events = run(agent, "go")
    assert approver.asked == []  # nothing to approve: nothing can run
    assert expected in str(model.requests[1].input[-1]["output"])
    assert isinstance(events[-1], TurnFinished) and events[-1].status == "done"


def test_unknown_tool_is_an_error_for_the_model(tmp_path: Path) -> None:
    steps = [[*call("delete_repo", {}, "c1"), *done()], [*message("ok"), *done()]]
    agent, model = make_agent(tmp_path, steps)
    run(agent, "go")
    output = str(model.requests[1].input[-1]["output"])
    assert "Unknown tool 'delete_repo'" in output and "read_file" in output


def test_stream_failure_after_a_call_leaves_history_valid(tmp_path: Path) -> None:
    steps = [[*call("read_file", {"path": "x"}, "c1"), ModelError("boom", kind="stream")]]
    agent, _ = make_agent(tmp_path, steps)
    events = run(agent, "go")
    finished = events[-1]
    assert isinstance(finished, TurnFinished)
    assert (finished.status, finished.error, finished.error_kind) == ("failed", "boom", "stream")
    # The failed response's call never ran and is not kept: the history is as before the request.
    assert [i["type"] for i in agent.history.items] == ["message"]


def test_a_failed_request_leaves_nothing_so_it_can_be_sent_again(tmp_path: Path) -> None:
    steps: list[Step] = [
        [TextDelta("half an "), TextDelta("answer"), ModelError("cut", kind="stream")],
        [*call("read_file", {"path": "x"}, "c1"), *done()],
        [TextDelta("half"), ModelError("cut", kind="stream")],
    ]
    agent, _ = make_agent(tmp_path, steps, DenyAll())
    run(agent, "go")
    assert agent.history.items == [user_message("go")]
    run(agent, "again")
    kinds = [i["type"] for i in agent.history.items]
    assert kinds == ["message", "message", "function_call", "function_call_output"]
    assert "half" not in str(agent.history.items) and FAILED_OUTPUT not in str(agent.history.items)


def test_max_turns_stops_with_a_clear_message(tmp_path: Path) -> None:
    steps = [[*call("read_file", {"path": "x"}, f"c{i}"), *done()] for i in range(3)]
    agent, model = make_agent(tmp_path, steps, DenyAll(), max_turns=2)
    events = run(agent, "loop")
    finished = events[-1]
    assert isinstance(finished, TurnFinished) and finished.status == "max_turns"
    assert "--max-turns 2" in str(finished.error)
    assert len(model.requests) == 2 and unanswered_calls(agent.history.items) == []


def test_ctrl_c_mid_stream_closes_and_repairs(tmp_path: Path) -> None:
    steps = [[*call("read_file", {"path": "x"}, "c1"), TextDelta("partial"), KeyboardInterrupt()]]
    agent, model = make_agent(tmp_path, steps)
    events = run(agent, "go")
    assert isinstance(events[-1], TurnFinished) and events[-1].status == "interrupted"
    assert model.streams[0].closed
    assert agent.history.items[-1]["output"] == CANCELLED_OUTPUT
    assert unanswered_calls(agent.history.items) == []


def test_ctrl_c_in_the_consumer_is_thrown_into_the_engine(tmp_path: Path) -> None:
    steps = [[*message("one two three four"), *done()]]
    agent, model = make_agent(tmp_path, steps)
    seen: list[Event] = []

    def handle(event: Event) -> None:
        seen.append(event)
        if isinstance(event, TextDelta) and len(seen) == 3:
            raise KeyboardInterrupt

    finished = drive(agent.run_turn("go"), handle)
    assert finished.status == "interrupted"
    assert model.streams[0].closed
    assert not any(isinstance(e, MessageDone) for e in seen)


def test_ctrl_c_at_confirmation_denies_and_repairs(tmp_path: Path) -> None:
    class Interrupting:
        def decide(self, request: ApprovalRequest) -> Decision:
            raise KeyboardInterrupt

    steps = [[*call("shell", {"command": "true"}, "c1"), *done()]]
    agent, _ = make_agent(tmp_path, steps, Interrupting())
    events = run(agent, "go")
    assert isinstance(events[-1], TurnFinished) and events[-1].status == "interrupted"
    assert unanswered_calls(agent.history.items) == []


def test_ctrl_c_during_shell_kills_and_reports(tmp_path: Path) -> None:
    steps = [[*call("shell", {"command": "echo started; sleep 30"}, "c1"), *done()]]
    agent, _ = make_agent(tmp_path, steps, Recorder(Decision(True)))
    gen = agent.run_turn("go")
    events: Iterator[Event] = iter(gen)
    for event in events:
        if isinstance(event, ToolOutputDelta) and "started" in event.text:
            break
    rest = [gen.throw(KeyboardInterrupt())]
    rest.extend(gen)
    assert isinstance(rest[-1], TurnFinished) and rest[-1].status == "interrupted"
    output = str(agent.history.items[-1]["output"])
    assert "interrupted by user" in output and "started" in output


def test_closing_the_generator_keeps_history_valid(tmp_path: Path) -> None:
    steps = [[*call("read_file", {"path": "x"}, "c1"), *done()]]
    agent, _ = make_agent(tmp_path, steps, Recorder(Decision(True)))
    gen = agent.run_turn("go")
    for event in gen:
        if isinstance(event, ToolRequested):
            break
    gen.close()
    assert unanswered_calls(agent.history.items) == []

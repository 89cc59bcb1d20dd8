"""Approval modes: each mode's decision for reads, edits, shell, MCP and outside paths, and the
engine applying them (refusals without asking, the plan-mode instructions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infercode.config.settings import APPROVAL_MODES as SETTINGS_MODES
from infercode.config.settings import Settings
from infercode.engine.agent import Agent, AgentOptions
from infercode.engine.approval import ApprovalRequest, Decision
from infercode.engine.events import ToolCall, ToolDecided
from infercode.engine.history import History
from infercode.engine.modes import (
    APPROVAL_MODES,
    PLAN_MODE_REFUSAL,
    ApprovalMode,
    mode_verdict,
    next_mode,
)
from infercode.tools.registry import build_tools
from infercode.tools.workspace import Workspace
from tests.support.scripted_model import ScriptedModel, call, done, message


def request(kind: str, outside: bool = False) -> ApprovalRequest:
    return ApprovalRequest(ToolCall("c", "t", "{}"), kind, "s", "d", outside_workspace=outside)


@pytest.mark.parametrize(
    ("mode", "read", "edit", "shell", "mcp", "outside_read", "outside_edit"),
    [
        ("ask", "rules", "rules", "rules", "rules", "rules", "rules"),
        ("auto-edit", "allow", "allow", "rules", "rules", "rules", "rules"),
        ("plan", "rules", "refuse", "refuse", "refuse", "rules", "refuse"),
        ("full", "allow", "allow", "allow", "allow", "rules", "rules"),
    ],
)
def test_each_modes_verdicts(
    mode: ApprovalMode,
    read: str,
    edit: str,
    shell: str,
    mcp: str,
    outside_read: str,
    outside_edit: str,
) -> None:
    assert mode_verdict(mode, request("read")) == read
    assert mode_verdict(mode, request("edit")) == edit
    assert mode_verdict(mode, request("shell")) == shell
    assert mode_verdict(mode, request("mcp")) == mcp
    # "rules" for an outside path means asked: the session rules never approve one
    assert mode_verdict(mode, request("read", outside=True)) == outside_read
    assert mode_verdict(mode, request("edit", outside=True)) == outside_edit


def test_modes_agree_with_settings_and_cycle_without_full() -> None:
    assert SETTINGS_MODES == APPROVAL_MODES
    assert [next_mode(m) for m in APPROVAL_MODES] == ["auto-edit", "plan", "ask", "ask"]


class Recorder:
    def __init__(self) -> None:
        self.asked: list[ApprovalRequest] = []

    def decide(self, request: ApprovalRequest) -> Decision:
        self.asked.append(request)
        return Decision(allow=True)


def make(tmp_path: Path, model: ScriptedModel, mode: ApprovalMode) -> tuple[Agent, Recorder]:
    approver = Recorder()
    workspace = Workspace(tmp_path / "ws")  # one object, as the wiring builds it: grants shared
    agent = Agent(
        model=model,
        tools=build_tools(workspace, Settings()),
        approver=approver,
        history=History(),
        options=AgentOptions(model="m", instructions="BASE"),
        workspace=workspace,
        approval_mode=mode,
    )
    return agent, approver


def script() -> ScriptedModel:
    edit: dict[str, object] = {"path": "a.txt", "old_string": "one", "new_string": "two"}
    return ScriptedModel(
        [
            [
                *call("read_file", {"path": "a.txt"}, "r"),
                *call("edit_file", edit, "e"),
                *call("shell", {"command": "touch made"}, "s"),
                *call("read_file", {"path": "../outside.txt"}, "o"),
                *done(),
            ],
            [*message("ok"), *done()],
        ]
    )


@pytest.mark.parametrize(
    ("mode", "asked", "content", "made"),
    [
        ("ask", ["read", "edit", "shell", "read"], "two\n", True),
        ("auto-edit", ["shell", "read"], "two\n", True),
        ("plan", ["read", "read"], "one\n", False),
        ("full", ["read"], "two\n", True),
    ],
)
def test_the_engine_applies_the_mode(
    tmp_path: Path, mode: ApprovalMode, asked: list[str], content: str, made: bool
) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "a.txt").write_text("one\n")
    (tmp_path / "outside.txt").write_text("outside\n")
    model = script()
    agent, approver = make(tmp_path, model, mode)
    events = list(agent.run_turn("go"))
    assert [r.kind for r in approver.asked] == asked
    assert approver.asked[-1].outside_workspace  # the outside path: asked in every mode
    assert (tmp_path / "ws" / "a.txt").read_text() == content
    assert (tmp_path / "ws" / "made").exists() == made
    refused = [e for e in events if isinstance(e, ToolDecided) and e.decision == "denied_by_mode"]
    assert len(refused) == (2 if mode == "plan" else 0)
    outputs = [i["output"] for i in agent.history.items if i["type"] == "function_call_output"]
    assert (PLAN_MODE_REFUSAL in outputs) == (mode == "plan")
    instructions = model.requests[0].instructions or ""
    assert ("PLAN MODE" in instructions) == (mode == "plan") and instructions.startswith("BASE")


def test_switching_modes_changes_the_next_request(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    model = ScriptedModel([[*message("a"), *done()], [*message("b"), *done()]])
    agent, _ = make(tmp_path, model, "plan")
    list(agent.run_turn("first"))
    agent.set_approval_mode("auto-edit")
    list(agent.run_turn("second"))
    assert "PLAN MODE" in (model.requests[0].instructions or "")
    assert model.requests[1].instructions == "BASE"


@pytest.mark.parametrize("mode", ["auto-edit", "full"])
def test_an_outside_path_granted_for_a_read_is_still_asked_before_an_edit(
    tmp_path: Path, mode: ApprovalMode
) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "outside.txt").write_text("one\n")
    edit: dict[str, object] = {"path": "../outside.txt", "old_string": "one", "new_string": "two"}
    model = ScriptedModel(
        [
            [*call("read_file", {"path": "../outside.txt"}, "r1"), *done()],
            [*call("read_file", {"path": "../outside.txt"}, "r2"), *done()],
            [*call("edit_file", edit, "e"), *done()],
            [*message("ok"), *done()],
        ]
    )
    agent, approver = make(tmp_path, model, mode)
    list(agent.run_turn("go"))
    # the path once for the first read (then granted for reads only); for the edit, its path
    # and then its diff (a read grant is never an edit grant)
    assert [(r.kind, r.outside_workspace) for r in approver.asked] == [
        ("read", True),
        ("edit", True),
        ("edit", True),
    ]
    assert (tmp_path / "outside.txt").read_text() == "two\n"

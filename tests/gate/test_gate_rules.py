"""The engine never turns an outside or protected call's "always" into a rule (issue 10, 3 and 6).

Whatever an approver sends back (a front-end bug, a future key), a yes with ``remember`` on a
one-by-one question stays a yes for that one call.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from infercode.config.settings import Settings
from infercode.engine.agent import Agent, AgentOptions
from infercode.engine.approval import ApprovalRequest, Decision, Rule, SessionRules
from infercode.engine.history import History
from infercode.tools.registry import build_tools
from infercode.tools.workspace import Workspace
from tests.support.scripted_model import ScriptedModel, Step, call, done, message


class Recorder:
    def __init__(self, *answers: Decision) -> None:
        self.answers = list(answers)
        self.asked: list[ApprovalRequest] = []

    def decide(self, request: ApprovalRequest) -> Decision:
        self.asked.append(request)
        return self.answers.pop(0)


def edit(path: str, old: str, new: str, call_id: str) -> Step:
    return call("edit_file", {"path": path, "old_string": old, "new_string": new}, call_id)


def agent_for(root: Path, steps: Sequence[Step], approver: Recorder) -> Agent:
    workspace = Workspace(root)
    return Agent(
        model=ScriptedModel(list(steps)),
        tools=build_tools(workspace, Settings()),
        approver=approver,
        history=History(),
        options=AgentOptions(model="m"),
        rules=SessionRules(),
        workspace=workspace,
    )


def test_always_on_a_protected_edit_is_not_remembered(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / ".husky").mkdir(parents=True)
    (root / ".husky" / "pre-commit").write_text("exit 0\n")
    (root / "a.txt").write_text("a\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "config", "core.hooksPath", ".husky"], check=True)
    steps = [
        [*edit(".husky/pre-commit", "exit 0", "exit 1", "c1"), *done()],
        [*edit("a.txt", "a", "b", "c2"), *done()],
        [*message("ok"), *done()],
    ]
    approver = Recorder(Decision(True, remember=Rule("edit")), Decision(False))
    agent = agent_for(root, steps, approver)
    list(agent.run_turn("go"))
    assert [r.protected for r in approver.asked] == [True, False]
    assert "PROTECTED" in approver.asked[0].summary
    assert agent.rules.kinds == set()
    assert (root / "a.txt").read_text() == "a\n"  # asked, and denied: no rule let it through


def test_always_on_an_outside_edit_is_not_remembered(tmp_path: Path) -> None:
    root, outside = tmp_path / "ws", tmp_path / "out"
    root.mkdir()
    outside.mkdir()
    (outside / "f.txt").write_text("1\n")
    steps = [
        [*edit(str(outside / "f.txt"), "1", "2", "c1"), *done()],
        [*edit(str(outside / "f.txt"), "2", "3", "c2"), *done()],
        [*message("ok"), *done()],
    ]
    always = Decision(True, remember=Rule("edit"))
    approver = Recorder(always, always, Decision(False))
    agent = agent_for(root, steps, approver)
    list(agent.run_turn("go"))
    # First edit: the path, then the diff. Second edit: asked again (and denied here).
    assert [r.outside_workspace for r in approver.asked] == [True, True, True]
    assert "-1" in approver.asked[1].detail
    assert agent.rules.kinds == set()
    assert (outside / "f.txt").read_text() == "2\n"

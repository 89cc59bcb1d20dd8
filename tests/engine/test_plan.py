"""update_plan: handled by the engine, never asked about, never run; part of the history."""

from __future__ import annotations

from pathlib import Path

from infercode.config.settings import Settings
from infercode.engine.agent import Agent, AgentOptions
from infercode.engine.approval import ApprovalRequest, Decision
from infercode.engine.events import JSON, PlanStep, PlanUpdated, ToolDecided, ToolFinished
from infercode.engine.history import History
from infercode.engine.plan import ACKNOWLEDGED, plan_markdown
from infercode.tools.registry import build_tools
from infercode.tools.workspace import Workspace
from tests.support.scripted_model import ScriptedModel, call, done, message

PLAN: JSON = {
    "explanation": "two steps",
    "plan": [
        {"step": "read the code", "status": "completed"},
        {"step": "fix the bug", "status": "in_progress"},
    ],
}


class NeverAsk:
    def decide(self, request: ApprovalRequest) -> Decision:
        raise AssertionError(f"asked about {request.call.name}")


def agent_for(tmp_path: Path, model: ScriptedModel, history: History | None = None) -> Agent:
    return Agent(
        model=model,
        tools=build_tools(Workspace(tmp_path), Settings()),
        approver=NeverAsk(),
        history=history or History(),
        options=AgentOptions(model="m"),
    )


def test_plan_calls_are_events_and_history_without_approval(tmp_path: Path) -> None:
    model = ScriptedModel(
        [
            [*call("update_plan", PLAN, "p1"), *done()],
            [*call("update_plan", PLAN, "p2"), *done()],  # the same plan again
            [*call("update_plan", {"plan": [{"step": "x", "status": "doing"}]}, "p3"), *done()],
            [*message("done"), *done()],
        ]
    )
    agent = agent_for(tmp_path, model)
    events = list(agent.run_turn("fix it"))
    plans = [e for e in events if isinstance(e, PlanUpdated)]
    steps = (PlanStep("read the code", "completed"), PlanStep("fix the bug", "in_progress"))
    assert [(p.explanation, p.steps, p.changed) for p in plans] == [
        ("two steps", steps, True),
        ("two steps", steps, False),
    ]
    invalid = [e for e in events if isinstance(e, ToolFinished)]
    assert len(invalid) == 1 and "status" in invalid[0].output and not invalid[0].ok
    assert [e.decision for e in events if isinstance(e, ToolDecided)] == ["invalid"]
    outputs = [i for i in agent.history.items if i["type"] == "function_call_output"]
    assert [o["output"] for o in outputs[:2]] == [ACKNOWLEDGED, ACKNOWLEDGED]
    assert [t["name"] for t in model.requests[0].tools][-1] == "update_plan"
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_a_resumed_session_knows_its_plan(tmp_path: Path) -> None:
    first = agent_for(
        tmp_path,
        ScriptedModel([[*call("update_plan", PLAN, "p1"), *done()], [*message("ok"), *done()]]),
    )
    list(first.run_turn("plan"))
    resumed = agent_for(
        tmp_path,
        ScriptedModel([[*call("update_plan", PLAN, "p2"), *done()], [*message("ok"), *done()]]),
        History(list(first.history.items)),
    )
    events = list(resumed.run_turn("go on"))
    assert [e.changed for e in events if isinstance(e, PlanUpdated)] == [False]
    resumed.reset([])
    assert resumed.plan is None


def test_plan_markdown() -> None:
    steps = (PlanStep("a", "completed"), PlanStep("b", "in_progress"), PlanStep("c", "pending"))
    assert plan_markdown("why", steps) == "why\n\n- [x] a\n- [~] b\n- [ ] c"

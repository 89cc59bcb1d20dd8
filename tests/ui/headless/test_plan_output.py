"""update_plan headless: a checklist on stderr when the plan changed, a ``plan`` line in
stream-json, and no approval needed even with nothing allowed."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

PLAN = {
    "explanation": "small fix",
    "plan": [
        {"step": "find the bug", "status": "completed"},
        {"step": "fix it", "status": "in_progress"},
        {"step": "run the tests", "status": "pending"},
    ],
}


def script(server: ResponsesServer) -> None:
    server.enqueue(
        call_reply(FunctionCall("update_plan", PLAN, "call_p1")),
        call_reply(FunctionCall("update_plan", PLAN, "call_p2")),  # unchanged: not shown again
        text_reply("Planned."),
    )


def test_stderr_shows_the_plan_once_per_change(server: ResponsesServer, workspace: Path) -> None:
    script(server)
    result = run_infercode(["--base-url", server.url, "-p", "plan it"], cwd=workspace)
    assert result.returncode == 0, result.stderr  # no approval was needed
    assert result.stdout == "Planned.\n"
    assert (
        "plan:\n  small fix\n\n  - [x] find the bug\n  - [~] fix it\n  - [ ] run the tests\n"
        in (result.stderr)
    )
    assert result.stderr.count("plan:") == 1
    body = server.posts()[-1]
    outputs = [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]
    assert outputs == ["Plan updated.", "Plan updated."]
    calls = [i["name"] for i in body["input"] if i.get("type") == "function_call"]
    assert calls == ["update_plan", "update_plan"]


def test_stream_json_has_a_plan_line(server: ResponsesServer, workspace: Path) -> None:
    script(server)
    result = run_infercode(
        ["--base-url", server.url, "--output-format", "stream-json", "-p", "plan it"],
        cwd=workspace,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    plans = [r for r in records if r["type"] == "plan"]
    assert plans[0] == {
        "type": "plan",
        "call_id": "call_p1",
        "explanation": "small fix",
        "plan": PLAN["plan"],
        "changed": True,
    }
    assert plans[1]["changed"] is False
    assert records[-1]["type"] == "result" and records[-1]["result"] == "Planned."

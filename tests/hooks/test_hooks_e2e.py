"""Hooks through the real ``infercode``, headless, against the local Responses server."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import Result, run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply


def user_config(text: str) -> None:
    config = Path(os.environ["INFERCODE_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(text)


def outputs(server: ResponsesServer, index: int) -> list[str]:
    body = server.posts()[index]
    return [str(i["output"]) for i in body["input"] if i.get("type") == "function_call_output"]


def last_user_text(body: dict[str, object]) -> str:
    items = body["input"]
    assert isinstance(items, list)
    users = [i for i in items if i.get("role") == "user"]
    content = users[-1]["content"]
    return content if isinstance(content, str) else "".join(p["text"] for p in content)


def run(
    server: ResponsesServer, workspace: Path, *args: str, env: dict[str, str] | None = None
) -> Result:
    return run_infercode(["--base-url", server.url, *args], cwd=workspace, env=env)


def test_pre_tool_use_blocks_rm_and_post_tool_use_logs(
    server: ResponsesServer, workspace: Path
) -> None:
    (workspace / "victim.txt").write_text("keep me\n")
    user_config(
        "[[hooks.PreToolUse]]\n"
        'matcher = "shell"\n'
        "command = \"grep -q '\\\"rm ' && { echo 'rm is not allowed here' >&2; exit 2; }; true\"\n"
        "[[hooks.PostToolUse]]\n"
        'command = "cat >> post.log; echo >> post.log"\n'
    )
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": "rm victim.txt"})),
        call_reply(FunctionCall("shell", {"command": "echo hello"})),
        text_reply("done"),
    )
    result = run(server, workspace, "--yes", "-p", "clean up")
    assert result.returncode == 0, result.stderr
    assert (workspace / "victim.txt").read_text() == "keep me\n"
    refused = outputs(server, 1)[0]
    assert "PreToolUse hook" in refused and "rm is not allowed here" in refused
    assert "hook PreToolUse" in result.stderr and "blocked" in result.stderr
    assert "exit status" not in result.stderr  # the second call passed the hook cleanly
    logged = [json.loads(line) for line in (workspace / "post.log").read_text().splitlines()]
    assert len(logged) == 1  # the refused call never ran, so it has no PostToolUse
    assert logged[0]["hook_event_name"] == "PostToolUse"
    assert logged[0]["tool_name"] == "shell"
    assert logged[0]["tool_input"] == {"command": "echo hello"}
    assert "hello" in logged[0]["tool_response"]["output"]
    assert logged[0]["cwd"] == str(workspace)


def test_prompt_hooks_add_context_and_see_no_api_key(
    server: ResponsesServer, workspace: Path
) -> None:
    user_config(
        "[[hooks.SessionStart]]\n"
        'command = "echo SESSION-CONTEXT"\n'
        "[[hooks.UserPromptSubmit]]\n"
        'command = "cat > prompt.json; env > env.txt; echo PROMPT-CONTEXT"\n'
    )
    server.enqueue(text_reply("ok"))
    key = "sk-test-hook-secret-1234567890"
    result = run(server, workspace, "-p", "hello there", env={"INFERCOM_API_KEY": key})
    assert result.returncode == 0, result.stderr
    sent = last_user_text(server.posts()[0])
    assert sent.startswith("hello there")
    assert "SESSION-CONTEXT" in sent and "PROMPT-CONTEXT" in sent
    payload = json.loads((workspace / "prompt.json").read_text())
    assert payload["prompt"] == "hello there"
    assert payload["hook_event_name"] == "UserPromptSubmit"
    assert "session_id" in payload
    assert key not in (workspace / "env.txt").read_text()


def test_user_prompt_submit_exit_2_drops_the_prompt(
    server: ResponsesServer, workspace: Path
) -> None:
    user_config('[[hooks.UserPromptSubmit]]\ncommand = "echo no secrets in prompts >&2; exit 2"\n')
    result = run(server, workspace, "-p", "my password is hunter2")
    assert server.posts() == []
    assert "no secrets in prompts" in result.stderr


def test_stop_hook_makes_the_model_continue_once(server: ResponsesServer, workspace: Path) -> None:
    user_config('[[hooks.Stop]]\ncommand = "echo run the tests too >&2; exit 2"\n')
    server.enqueue(text_reply("first answer"), text_reply("second answer"))
    result = run(server, workspace, "-p", "do it")
    assert result.returncode == 0, result.stderr
    assert len(server.posts()) == 2  # once: the second block does not loop
    assert last_user_text(server.posts()[1]) == "run the tests too"
    assert result.stdout == "second answer\n"


def test_a_hanging_hook_times_out_and_the_run_goes_on(
    server: ResponsesServer, workspace: Path
) -> None:
    user_config('[[hooks.UserPromptSubmit]]\ncommand = "sleep 30"\ntimeout_s = 1\n')
    server.enqueue(text_reply("still here"))
    result = run(server, workspace, "-p", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "still here\n"
    assert "timeout" in result.stderr and "timed out after 1 s" in result.stderr


def test_approve_never_bypasses_the_approval_gate(server: ResponsesServer, workspace: Path) -> None:
    user_config(
        "[[hooks.PreToolUse]]\n"
        """command = "echo '{\\"decision\\": \\"approve\\", \\"reason\\": \\"fine\\"}'"\n"""
    )
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": "touch made.txt"})), text_reply("ok")
    )
    result = run(server, workspace, "-p", "go", "--output-format", "stream-json")
    assert not (workspace / "made.txt").exists()  # nobody approved it: no terminal
    records = [json.loads(line) for line in result.stdout.splitlines()]
    hooks = [r for r in records if r["type"] == "hook"]
    assert hooks and hooks[0]["event"] == "PreToolUse" and hooks[0]["outcome"] == "ok"
    assert "Not run" in outputs(server, 1)[0] or "denied" in outputs(server, 1)[0].lower()

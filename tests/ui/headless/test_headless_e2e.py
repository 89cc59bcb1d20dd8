"""The installed ``infercode`` command, headless, against the local Responses server."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_infercode
from tests.support.responses_server import (
    FunctionCall,
    HttpError,
    Message,
    Reasoning,
    Reply,
    ResponsesServer,
    call_reply,
    text_reply,
)

MENU = "\\^C stop"  # the end of the approval menu's one line (a regex)


def base(server: ResponsesServer) -> list[str]:
    return ["--base-url", server.url]


def assert_all_valid(server: ResponsesServer) -> None:
    rejected = [r.rejected for r in server.requests if r.rejected]
    assert rejected == [], rejected


def outputs(server: ResponsesServer, index: int) -> list[str]:
    body = server.requests[index].body
    assert body is not None
    return [str(i["output"]) for i in body["input"] if i.get("type") == "function_call_output"]


def script_read_edit_shell(server: ResponsesServer) -> None:
    server.enqueue(
        Reply([Reasoning("look first"), FunctionCall("read_file", {"path": "app.py"})]),
        call_reply(
            FunctionCall(
                "edit_file",
                {"path": "app.py", "old_string": "print('hi')", "new_string": "print('hello')"},
            )
        ),
        call_reply(FunctionCall("shell", {"command": "python3 app.py > out.txt; cat out.txt"})),
        text_reply("Changed the greeting to hello.", reasoning="done"),
    )


def test_read_edit_shell_session_with_yes(server: ResponsesServer, workspace: Path) -> None:
    (workspace / "app.py").write_text("print('hi')\n")
    script_read_edit_shell(server)
    result = run_infercode([*base(server), "--yes", "-p", "greet with hello"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Changed the greeting to hello.\n"
    assert (workspace / "app.py").read_text() == "print('hello')\n"
    assert (workspace / "out.txt").read_text() == "hello\n"
    # One connection for the four requests: each stream is read to its end, so it is reused.
    assert len({r.client_port for r in server.requests}) == 1
    assert "edit_file" in result.stderr and "Traceback" not in result.stderr
    assert len(server.requests) == 4
    assert_all_valid(server)
    body = server.requests[3].body
    assert body is not None
    assert body["store"] is False and "include" not in body
    assert [t["name"] for t in body["tools"]] == [
        "read_file",
        "glob",
        "grep",
        "edit_file",
        "shell",
        "update_plan",
    ]
    kinds = [i["type"] for i in body["input"]]
    assert kinds == [
        "message",
        "reasoning",
        "function_call",
        "function_call_output",
        "function_call",
        "function_call_output",
        "function_call",
        "function_call_output",
    ]
    reasoning = body["input"][1]
    assert "id" not in reasoning and reasoning["content"][0]["text"] == "look first"
    assert "1\tprint('hi')" in outputs(server, 3)[0]
    assert "[exit code: 0]" in outputs(server, 3)[2]


def test_without_approval_and_terminal_nothing_changes(
    server: ResponsesServer, workspace: Path
) -> None:
    (workspace / "app.py").write_text("print('hi')\n")
    script_read_edit_shell(server)
    result = run_infercode([*base(server), "-p", "greet with hello"], cwd=workspace)
    assert result.returncode == 3, result.stderr
    assert (workspace / "app.py").read_text() == "print('hi')\n"
    assert not (workspace / "out.txt").exists()
    assert "--allow" in result.stderr and "--yes" in result.stderr
    assert all("--allow" in o for o in outputs(server, 3))
    assert_all_valid(server)


def test_allow_read_only_runs_reads(server: ResponsesServer, workspace: Path) -> None:
    (workspace / "app.py").write_text("print('hi')\n")
    script_read_edit_shell(server)
    result = run_infercode([*base(server), "--allow", "read", "-p", "go"], cwd=workspace)
    assert result.returncode == 3
    read_out, edit_out, shell_out = outputs(server, 3)
    assert "print('hi')" in read_out
    assert "--allow edit" in edit_out and "--allow shell" in shell_out
    assert (workspace / "app.py").read_text() == "print('hi')\n"


def test_piped_stdin_is_the_prompt_and_demo_done_when(workspace: Path) -> None:
    from tests.support.responses_server import demo_responder

    with ResponsesServer(responder=demo_responder) as demo:
        result = run_infercode(
            ["--base-url", demo.url, "--yes"], cwd=workspace, stdin="create hello.txt saying hi\n"
        )
    assert result.returncode == 0, result.stderr
    assert (workspace / "hello.txt").read_text() == "hi\n"
    assert result.stdout.startswith("Done:")


def test_prompt_and_piped_stdin_become_a_fenced_block(
    server: ResponsesServer, workspace: Path
) -> None:
    server.enqueue(text_reply("Looks fine."))
    result = run_infercode(
        [*base(server), "-p", "review this"], cwd=workspace, stdin="diff --git a/x b/x\n+new\n"
    )
    assert result.returncode == 0
    body = server.requests[0].body
    assert body is not None
    text = body["input"][0]["content"][0]["text"]
    assert text == "review this\n\n```\ndiff --git a/x b/x\n+new\n```"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (HttpError(401, "Incorrect API key provided"), "HTTP 401"),
        (HttpError(404, "The model `nope` does not exist"), "HTTP 404"),
        (HttpError(429, "Rate limit reached"), "HTTP 429"),
        (HttpError(500, "internal error"), "HTTP 500"),
        (Reply([Message("partial answer " * 20)], ending="cut", cut_after_deltas=3), "broke"),
        (Reply([Message("x")], ending="error_event", error_message="overloaded"), "overloaded"),
        (Reply([Message("x")], ending="failed", error_message="model crashed"), "model crashed"),
        (Reply([Message("x")], ending="incomplete"), "max_output_tokens"),
    ],
)
def test_faults_are_one_line_errors_with_exit_1(
    server: ResponsesServer, workspace: Path, reply: Reply | HttpError, expected: str
) -> None:
    # Retries are tested in test_stream_retries.py; here the fault is the last word.
    server.enqueue(reply)
    env = {"INFERCODE_STREAM_MAX_RETRIES": "0"}
    result = run_infercode([*base(server), "-p", "hi"], cwd=workspace, env=env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    error_lines = [
        line for line in result.stderr.splitlines() if line.startswith("infercode: error")
    ]
    assert len(error_lines) == 1 and expected in error_lines[0], result.stderr


def test_the_key_is_sent_as_a_bearer_token(workspace: Path) -> None:
    with ResponsesServer(api_key="sk-right") as keyed:
        keyed.enqueue(text_reply("in"))
        args = ["--base-url", keyed.url, "-p", "hi"]
        good = run_infercode(args, cwd=workspace, env={"INFERCOM_API_KEY": "sk-right"})
        bad = run_infercode(args, cwd=workspace, env={"INFERCOM_API_KEY": "sk-wrong"})
        assert keyed.requests[0].headers["authorization"] == "Bearer sk-right"
    assert (good.returncode, good.stdout) == (0, "in\n")
    assert bad.returncode == 1 and "Incorrect API key" in bad.stderr


def test_stall_hits_the_request_timeout(workspace: Path) -> None:
    with ResponsesServer() as slow:
        slow.enqueue(Reply([Message("x")], ending="stall", stall_s=30))
        env = {"INFERCODE_REQUEST_TIMEOUT_S": "1", "INFERCODE_STREAM_MAX_RETRIES": "0"}
        result = run_infercode(["--base-url", slow.url, "-p", "hi"], cwd=workspace, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "infercode: error" in result.stderr


def test_missing_key_for_the_hosted_endpoint(workspace: Path) -> None:
    result = run_infercode(["-p", "hi"], cwd=workspace)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "INFERCOM_API_KEY" in result.stderr and "Traceback" not in result.stderr


def test_bad_allow_kind_is_a_usage_error(workspace: Path, server: ResponsesServer) -> None:
    result = run_infercode([*base(server), "--allow", "write", "-p", "hi"], cwd=workspace)
    assert result.returncode == 2
    assert "read, edit, shell" in result.stderr
    assert server.requests == []


def test_no_prompt_is_a_usage_error(workspace: Path, server: ResponsesServer) -> None:
    result = run_infercode([*base(server)], cwd=workspace, stdin="")
    assert result.returncode == 2 and "no prompt" in result.stderr


def test_version_and_help_do_not_import_openai(workspace: Path) -> None:
    for flag in ("--version", "--help"):
        result = run_infercode(
            [flag], cwd=workspace, env={"PYTHONVERBOSE": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        )
        assert result.returncode == 0
        assert "import 'openai'" not in result.stderr
    help_text = run_infercode(["--help"], cwd=workspace).stdout
    for needle in ("--print", "--allow", "--yes", "--max-turns", "Exit status", "130"):
        assert needle in help_text


def test_max_turns_stops_with_exit_1(server: ResponsesServer, workspace: Path) -> None:
    (workspace / "f").write_text("x\n")
    for _ in range(3):
        server.enqueue(call_reply(FunctionCall("read_file", {"path": "f"})))
    result = run_infercode([*base(server), "--yes", "--max-turns", "2", "-p", "go"], cwd=workspace)
    assert result.returncode == 1 and "--max-turns 2" in result.stderr
    assert len(server.requests) == 2


def test_bad_tool_inputs_go_back_to_the_model(server: ResponsesServer, workspace: Path) -> None:
    (workspace / "bin.dat").write_bytes(b"\x00\x01\x02")
    (workspace / "dir").mkdir()
    calls = [
        FunctionCall("read_file", "{not json"),
        FunctionCall("read_file", {}),
        FunctionCall("read_file", {"path": "../../etc/passwd"}),
        FunctionCall("read_file", {"path": "bin.dat"}),
        FunctionCall("read_file", {"path": "dir"}),
        FunctionCall("edit_file", {"path": "missing.py", "old_string": "a", "new_string": "b"}),
        FunctionCall("edit_file", {"path": ".git/config", "old_string": "", "new_string": "x"}),
        FunctionCall("shell", {"command": "true", "timeout_s": 100000}),
        FunctionCall("no_such_tool", {}),
    ]
    server.enqueue(call_reply(*calls), text_reply("I see."))
    result = run_infercode([*base(server), "--yes", "-p", "go"], cwd=workspace)
    # --yes does not cover paths outside the workspace: with no terminal to confirm, denied.
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    got = outputs(server, 1)
    assert len(got) == len(calls)
    expectations = [
        "JSON",
        "path",
        "outside",
        "binary",
        "directory",
        "not",
        ".git",
        "600",
        "Unknown",
    ]
    for output, needle in zip(got, expectations, strict=True):
        assert needle.lower() in output.lower(), (needle, output)
    assert_all_valid(server)


def test_encrypted_reasoning_is_sent_back_for_openai(
    server: ResponsesServer, workspace: Path
) -> None:
    server.enqueue(
        Reply([Reasoning("", summary="plan", encrypted=True), FunctionCall("read_file", {})]),
        text_reply("ok"),
    )
    env = {"INFERCODE_INCLUDE_ENCRYPTED_REASONING": "1"}
    result = run_infercode([*base(server), "--yes", "-p", "go"], cwd=workspace, env=env)
    assert result.returncode == 0, result.stderr
    first, second = (r.body for r in server.requests)
    assert first is not None and second is not None
    assert first["include"] == ["reasoning.encrypted_content"]
    reasoning = second["input"][1]
    assert reasoning["encrypted_content"] and reasoning["id"].startswith("rs_")
    assert_all_valid(server)


def test_usage_without_details_is_fine(server: ResponsesServer, workspace: Path) -> None:
    server.enqueue(Reply([Message("ok")], include_usage_details=False))
    result = run_infercode([*base(server), "-p", "hi"], cwd=workspace)
    assert result.returncode == 0 and result.stdout == "ok\n"


def test_request_body_is_json_with_instructions(server: ResponsesServer, workspace: Path) -> None:
    server.enqueue(text_reply("ok"))
    run_infercode([*base(server), "--model", "MiniMax-M2.7", "-p", "hi"], cwd=workspace)
    body = server.requests[0].body
    assert body is not None
    assert body["model"] == "MiniMax-M2.7" and body["stream"] is True
    assert str(os.path.realpath(workspace)) in body["instructions"]
    json.dumps(body)


def test_piped_prompt_asks_on_the_terminal(server: ResponsesServer, workspace: Path) -> None:
    import shlex

    import pexpect

    from tests.conftest import INFERCODE

    (workspace / "a.txt").write_text("old\n")
    edit = {"path": "a.txt", "old_string": "old", "new_string": "new"}
    server.enqueue(
        call_reply(FunctionCall("edit_file", edit)),
        call_reply(FunctionCall("shell", {"command": "echo nope"})),
        text_reply("Edited; skipped the shell command."),
    )
    command = " ".join(shlex.quote(part) for part in [*INFERCODE, "--base-url", server.url])
    child = pexpect.spawn(
        "bash",
        ["-c", f"echo 'change it' | {command}"],
        cwd=str(workspace),
        env=dict(os.environ),
        encoding="utf-8",
        timeout=30,
    )
    child.expect("-old")
    child.expect(r"\+new")
    child.expect(MENU)
    child.send("y")
    child.expect("echo nope")
    child.expect(MENU)
    child.send("n")
    child.expect("Message to the model")
    child.sendline("not now")
    child.expect("Edited; skipped the shell command.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    assert (workspace / "a.txt").read_text() == "new\n"
    assert "not now" in outputs(server, 2)[1]
    assert_all_valid(server)


def test_ctrl_c_mid_stream_exits_130_and_leaves_history_valid(
    server: ResponsesServer, workspace: Path
) -> None:
    import signal
    import subprocess
    import time

    from tests.conftest import INFERCODE

    server.enqueue(
        Reply(
            [FunctionCall("read_file", {"path": "x"}), Message("word " * 400)], delta_delay_s=0.01
        )
    )
    child = subprocess.Popen(
        [*INFERCODE, *base(server), "--yes", "-p", "go"],
        cwd=workspace,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    server.wait_for_requests(1, timeout=30)
    time.sleep(1.0)  # well into the slow stream
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=30)
    assert child.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert stdout == ""
    server.enqueue(text_reply("continuing"))
    result = run_infercode([*base(server), "--continue", "-p", "go on"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert_all_valid(server)

"""MCP servers through the real ``infercode``, headless, against the local Responses server:
third-party servers from PyPI (mcp-server-time, mcp-server-git) and a fake one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply
from tests.tools.mcp.support import (
    PYTHON,
    fake_server_args,
    pypi_server,
    server_table,
    write_config,
)

BUILTIN = ["read_file", "glob", "grep", "edit_file", "shell"]
#: The engine's own tool, offered after every other one.
PLAN = "update_plan"
FAKE_TOOLS = ("shout", "broken", "die", "die_soon", "nap", "env_names", "grow")


def outputs(body: dict[str, Any] | None) -> list[str]:
    assert body is not None
    return [str(i["output"]) for i in body["input"] if i.get("type") == "function_call_output"]


def tools_of(body: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    assert body is not None
    return {t["name"]: t for t in body["tools"]}


def test_time_server_tools_offered_and_an_allowed_call_reaches_the_model(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    time_server = pypi_server("time")
    write_config(
        isolated_home,
        'allow_mcp = ["time.get_current_time"]\n'
        + server_table("time", time_server, ["--local-timezone", "UTC"]),
    )
    server.enqueue(
        call_reply(FunctionCall("mcp__time__get_current_time", {"timezone": "Europe/Paris"})),
        text_reply("It is late."),
    )
    result = run_infercode(["--base-url", server.url, "-p", "what time is it"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "It is late.\n"
    first, second = (r.body for r in server.requests)
    offered = tools_of(first)
    assert list(offered) == [
        *BUILTIN,
        PLAN,
        "mcp__time__get_current_time",
        "mcp__time__convert_time",
    ]
    tool = offered["mcp__time__get_current_time"]
    assert tool["description"] == "Get current time in a specific timezone"
    params = tool["parameters"]
    assert params["type"] == "object" and params["required"] == ["timezone"]
    assert params["properties"]["timezone"]["type"] == "string"
    # The tools list is byte-identical from one request to the next (prompt caches).
    assert json.dumps(first["tools"] if first else None) == json.dumps(
        second["tools"] if second else None
    )
    (answer,) = outputs(second)
    assert '"timezone": "Europe/Paris"' in answer and '"datetime"' in answer
    assert "approved in advance" not in result.stderr  # only denials are reported
    assert "time.get_current_time" in result.stderr  # the progress line names server.tool


def test_unapproved_mcp_call_is_denied_headless(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    marker = workspace.parent / "called"
    write_config(isolated_home, server_table("fake", PYTHON, fake_server_args()))
    server.enqueue(
        call_reply(FunctionCall("mcp__fake__shout", {"text": "hi"})),
        text_reply("ok"),
    )
    result = run_infercode(
        ["--base-url", server.url, "--allow", "read,edit,shell", "-p", "shout"], cwd=workspace
    )
    assert result.returncode == 3, result.stderr
    (denied,) = outputs(server.requests[1].body)
    assert denied.startswith("Not run:") and 'allow_mcp = ["fake.shout"]' in denied
    assert "HI" not in denied and not marker.exists()


def test_git_server_on_a_temp_repository_with_stream_json(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    git_server = pypi_server("git")
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    (workspace / "new.txt").write_text("x\n")
    write_config(
        isolated_home,
        'allow_mcp = ["git.*"]\n'
        + server_table("git", git_server, ["--repository", str(workspace)])
        + 'enabled_tools = ["git_status", "git_log"]\n',
    )
    server.enqueue(
        call_reply(FunctionCall("mcp__git__git_status", {"repo_path": str(workspace)})),
        text_reply("One untracked file."),
    )
    result = run_infercode(
        ["--base-url", server.url, "--output-format", "stream-json", "-p", "status?"],
        cwd=workspace,
    )
    assert result.returncode == 0, result.stderr
    offered = tools_of(server.requests[0].body)
    assert [n for n in offered if n.startswith("mcp__")] == [
        "mcp__git__git_status",
        "mcp__git__git_log",
    ]
    (status,) = outputs(server.requests[1].body)
    assert "new.txt" in status
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    requested = [e for e in lines if e["type"] == "tool_requested"]
    assert requested[0]["server"] == "git" and requested[0]["tool"] == "git_status"
    assert requested[0]["kind"] == "mcp"


def test_a_server_that_exits_at_start_is_one_warning_and_the_run_goes_on(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    write_config(
        isolated_home,
        server_table("gone", PYTHON, ["-c", "import sys; print('no luck', file=sys.stderr)"])
        + server_table("fake", PYTHON, fake_server_args())
        + server_table("missing", "/nonexistent/mcp-server", []),
    )
    server.enqueue(text_reply("Fine."))
    result = run_infercode(["--base-url", server.url, "-p", "hello"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Fine.\n"
    warnings = [line for line in result.stderr.splitlines() if "MCP server" in line]
    assert len(warnings) == 2, result.stderr
    assert any("'gone' failed to start" in w and "no luck" in w for w in warnings)
    assert any("'missing' failed to start" in w for w in warnings)
    assert "Traceback" not in result.stderr
    names = list(tools_of(server.requests[0].body))
    assert names == [
        *BUILTIN,
        PLAN,
        *(f"mcp__fake__{t}" for t in FAKE_TOOLS),
    ]


def test_a_server_that_dies_mid_call_fails_that_call_and_the_run_goes_on(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    write_config(
        isolated_home,
        'allow_mcp = ["fake.*"]\n' + server_table("fake", PYTHON, fake_server_args()),
    )
    server.enqueue(
        call_reply(FunctionCall("mcp__fake__die", {})),
        call_reply(FunctionCall("mcp__fake__shout", {"text": "again"})),
        text_reply("It died."),
    )
    result = run_infercode(["--base-url", server.url, "-p", "die"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "It died.\n"
    died = outputs(server.requests[1].body)
    assert "exited during the call" in died[0], died
    after = outputs(server.requests[2].body)
    assert after[1].startswith("Unknown tool 'mcp__fake__shout'"), after
    # Its tools are gone from the next request; the built-in ones stay.
    assert list(tools_of(server.requests[2].body)) == [*BUILTIN, PLAN]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("MCP server")]
    assert len(warnings) == 1 and "MCP server 'fake' stopped" in warnings[0], warnings
    assert "    MCP server 'fake' exited during the call to die." in result.stderr  # progress


def test_error_results_timeouts_and_the_environment(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    write_config(
        isolated_home,
        'allow_mcp = ["fake.*", "slow.nap"]\n'
        + server_table(
            "fake",
            PYTHON,
            fake_server_args(),
            env={"FROM_CONFIG": "1", "INFERCOM_API_KEY": "leak"},
        )
        + server_table("slow", PYTHON, fake_server_args(), tool_timeout_s=2),
    )
    server.enqueue(
        call_reply(FunctionCall("mcp__fake__broken", {})),
        call_reply(FunctionCall("mcp__slow__nap", {"seconds": 60})),
        call_reply(FunctionCall("mcp__fake__env_names", {})),
        text_reply("done"),
    )
    result = run_infercode(
        ["--base-url", server.url, "--output-format", "json", "-p", "go"],
        cwd=workspace,
        env={"INFERCOM_API_KEY": "sk-secret"},
    )
    assert result.returncode == 0, result.stderr
    broken, napped, env = outputs(server.requests[3].body)
    assert "Error executing tool broken" in broken
    assert napped == (
        "MCP tool slow.nap timed out after 2 s (tool_timeout_s of [mcp_servers.slow]); "
        "it was cancelled."
    )
    assert "FROM_CONFIG" in env.split() and "INFERCOM_API_KEY" not in env.split()
    calls = json.loads(result.stdout)["tool_calls"]
    assert [c["ok"] for c in calls] == [False, False, True]


def test_tools_listed_later_are_offered_from_the_next_request(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    write_config(
        isolated_home,
        'allow_mcp = ["fake.*"]\n' + server_table("fake", PYTHON, fake_server_args()),
    )
    server.enqueue(
        call_reply(FunctionCall("mcp__fake__grow", {})),
        call_reply(FunctionCall("mcp__fake__sprout", {})),
        text_reply("It grew."),
    )
    result = run_infercode(["--base-url", server.url, "-p", "grow"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    before, after, last = (tools_of(r.body) for r in server.requests)
    assert "mcp__fake__sprout" not in before
    assert list(after) == [*before, "mcp__fake__sprout"]  # appended: the prefix stays
    assert after["mcp__fake__sprout"]["description"] == "A tool that appeared later."
    assert json.dumps(after) == json.dumps(last)
    assert outputs(server.requests[2].body) == ["grown", "sprouted"]


def test_a_server_that_exits_while_idle_loses_its_tools_before_the_next_call(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    write_config(
        isolated_home,
        'allow_mcp = ["fake.*"]\n' + server_table("fake", PYTHON, fake_server_args()),
    )
    server.enqueue(
        call_reply(FunctionCall("mcp__fake__die_soon", {})),
        call_reply(FunctionCall("shell", {"command": "sleep 3"})),
        text_reply("Gone."),
    )
    result = run_infercode(
        ["--base-url", server.url, "--allow", "shell", "-p", "bye"], cwd=workspace
    )
    assert result.returncode == 0, result.stderr
    assert outputs(server.requests[1].body) == ["bye"]
    assert "mcp__fake__shout" in tools_of(server.requests[1].body)
    assert list(tools_of(server.requests[2].body)) == [*BUILTIN, PLAN]  # gone while the shell ran
    warnings = [line for line in result.stderr.splitlines() if line.startswith("MCP server")]
    assert warnings == [
        "MCP server 'fake' stopped: the connection closed (the server exited?) "
        "(its tools are not offered)"
    ]

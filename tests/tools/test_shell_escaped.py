"""A command whose children leave its process group (``setsid``): the output says which ones
survived the kill, and never that they were killed."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from infercode.tools.base import ToolContext
from infercode.tools.escaped import survivors
from infercode.tools.shell import ShellTool
from infercode.tools.workspace import Workspace
from tests.conftest import run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply
from tests.tools.conftest import alive
from tests.tools.test_tool_shell import run, wait_gone

#: These tests are about another layer (signals, escaped processes, a racing background process,
#: infercode's own environment); under bubblewrap's PID namespace the commands' pids, background
#: processes and /proc/$PPID are the sandbox's own, so the tests run their commands unsandboxed.
NO_SANDBOX = ("--sandbox", "off")

STILL_RUNNING = re.compile(r"(\d+) \(sleep (\d+)\)")


@pytest.fixture
def tool(tmp_path: Path) -> ShellTool:
    return ShellTool(Workspace(tmp_path))


@pytest.fixture
def escaped(leftover_pids: list[int]) -> list[int]:
    """Pids the tests leave running on purpose; killed at the end."""
    return leftover_pids


def _reported(output: str, escaped: list[int]) -> dict[int, str]:
    found = {int(pid): seconds for pid, seconds in STILL_RUNNING.findall(output)}
    escaped.extend(found)
    return found


def test_setsid_child_holding_the_output_is_reported_alive(
    tool: ShellTool, escaped: list[int]
) -> None:
    result = run(tool, "setsid sleep 171 & sleep 172 & echo started")
    found = _reported(result.output, escaped)
    assert list(found.values()) == ["171"], result.output
    (pid,) = found
    assert alive(pid)  # what the note says is true
    assert "they were killed" not in result.output
    assert "those in its process group were killed" in result.output
    assert "left its process group" in result.output and f"kill {pid}" in result.output
    assert result.output.endswith("[exit code: 0]")


def test_timeout_reports_a_setsid_child_with_redirected_output(
    tool: ShellTool, escaped: list[int]
) -> None:
    result = run(tool, "setsid sleep 173 > /dev/null 2>&1 & sleep 60", timeout_s=1)
    found = _reported(result.output, escaped)
    assert list(found.values()) == ["173"], result.output
    assert "child processes were killed" not in result.output
    assert "timed out after 1 s; the command's process group was killed" in result.output


def test_interrupt_reports_survivors_and_keeps_the_marker(
    tool: ShellTool, escaped: list[int]
) -> None:
    ctx = ToolContext()
    threading.Timer(1.0, ctx.cancelled.set).start()
    result = run(tool, "setsid sleep 174 > /dev/null 2>&1 & sleep 60", ctx)
    assert list(_reported(result.output, escaped).values()) == ["174"]
    assert "[interrupted by user]" in result.output


def test_children_that_stayed_in_the_group_keep_the_old_note(tool: ShellTool) -> None:
    result = run(tool, "sleep 175 & echo $!")
    pid = int(result.output.split("\n", 1)[0])
    assert "they were killed" in result.output and "left its process group" not in result.output
    assert wait_gone(pid, within_s=1)


def test_survivors_ignores_other_processes() -> None:
    assert survivors("no-such-mark") == []


def test_headless_model_is_told_what_survived(
    server: ResponsesServer, workspace: Path, escaped: list[int]
) -> None:
    server.enqueue(
        call_reply(FunctionCall("shell", {"command": "setsid sleep 176 & echo up"}, "call_bg")),
        text_reply("Started."),
    )
    result = run_infercode(
        ["--base-url", server.url, *NO_SANDBOX, "--yes", "-p", "start it"], cwd=workspace
    )
    assert result.returncode == 0, result.stderr
    body = server.requests[1].body
    assert body is not None
    (output,) = [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]
    assert list(_reported(output, escaped).values()) == ["176"]
    assert "they were killed" not in output
    server.enqueue(text_reply("Fine."))
    again = run_infercode(
        ["--base-url", server.url, *NO_SANDBOX, "--continue", "-p", "and now?"], cwd=workspace
    )
    assert again.returncode == 0, again.stderr
    assert [r.rejected for r in server.requests if r.rejected] == []


def test_a_daemon_started_with_a_cleared_environment_is_found_by_its_pipe(
    tool: ShellTool, escaped: list[int]
) -> None:
    result = run(tool, "env -i /usr/bin/setsid sleep 177 & echo started")
    assert list(_reported(result.output, escaped).values()) == ["177"], result.output
    assert "they were killed" not in result.output


def test_a_forking_setsid_with_redirected_output_is_found_by_its_marker(
    tool: ShellTool, escaped: list[int]
) -> None:
    result = run(tool, "setsid -f sleep 178 > /dev/null 2>&1; sleep 60", timeout_s=1)
    assert list(_reported(result.output, escaped).values()) == ["178"], result.output

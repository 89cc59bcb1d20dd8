"""shell: live output, exit codes, output capping, and nothing left running afterwards."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from infercode.engine.events import JSON
from infercode.errors import ToolError
from infercode.tools.base import ToolContext, ToolResult
from infercode.tools.shell import ShellTool
from infercode.tools.workspace import Workspace
from tests.tools.conftest import alive


def wait_gone(pid: int, within_s: float = 3.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    return path


@pytest.fixture
def tool(root: Path) -> ShellTool:
    return ShellTool(Workspace(root))


def run(
    tool: ShellTool, command: str, ctx: ToolContext | None = None, **extra: object
) -> ToolResult:
    args: JSON = {"command": command, **extra}
    return tool.prepare(args).execute(ctx or ToolContext())


def test_spec_and_prepared_call(tool: ShellTool, root: Path) -> None:
    assert tool.spec.name == "shell"
    assert tool.spec.kind == "shell" and tool.spec.mutating is True
    assert tool.spec.parameters["required"] == ["command"]
    call = tool.prepare({"command": "git status"})
    assert call.kind == "shell"
    assert call.shell_command == "git status"
    assert call.summary == "$ git status"
    assert "git status" in call.detail and str(root.resolve()) in call.detail


def test_runs_in_the_workspace_root_with_empty_stdin(tool: ShellTool, root: Path) -> None:
    result = run(tool, "pwd; cat; echo end")
    assert result.output == f"{root.resolve()}\nend\n[exit code: 0]"
    assert result.ok and result.summary.startswith("exit 0 in ")


def test_stdout_and_stderr_are_interleaved_in_order(tool: ShellTool) -> None:
    result = run(tool, "echo one; echo two >&2; echo three")
    assert result.output == "one\ntwo\nthree\n[exit code: 0]"


def test_nonzero_exit_code(tool: ShellTool) -> None:
    result = run(tool, "echo failing; exit 3")
    assert result.output.endswith("failing\n[exit code: 3]")
    assert not result.ok and result.summary.startswith("exit 3 in ")


def test_killed_by_a_signal_names_it(tool: ShellTool) -> None:
    result = run(tool, "kill -KILL $$")
    assert result.output == "(no output)\n[exit code: -9 (SIGKILL)]"
    assert not result.ok


def test_no_output(tool: ShellTool) -> None:
    assert run(tool, "true").output == "(no output)\n[exit code: 0]"


def test_closed_stdout_still_waits_for_the_exit_code(tool: ShellTool) -> None:
    result = run(tool, "echo before; exec >&- 2>&-; sleep 0.3; exit 4")
    assert result.output == "before\n[exit code: 4]"


def test_timeout_kills_the_process_group(tool: ShellTool, leftover_pids: list[int]) -> None:
    started = time.monotonic()
    result = run(tool, "sleep 30 & echo $!; wait", timeout_s=1)
    elapsed = time.monotonic() - started
    pid = int(result.output.split("\n", 1)[0])
    leftover_pids.append(pid)
    assert "[timed out after 1 s; the command and its child processes were killed]" in result.output
    assert result.output.splitlines()[-1].startswith("[exit code: ")
    assert not result.ok and result.summary == "timed out after 1s"
    assert elapsed < 4
    assert wait_gone(pid, within_s=0.5)


def test_timeout_escalates_to_sigkill(tool: ShellTool, leftover_pids: list[int]) -> None:
    # An ignored SIGTERM is inherited by the child: only SIGKILL ends them.
    started = time.monotonic()
    result = run(tool, "trap '' TERM; sleep 30 & echo $!; wait", timeout_s=1)
    pid = int(result.output.split("\n", 1)[0])
    leftover_pids.append(pid)
    assert "timed out" in result.output
    assert 2.5 < time.monotonic() - started < 6
    assert wait_gone(pid, within_s=0.5)


def test_default_timeout_comes_from_the_constructor(root: Path) -> None:
    tool = ShellTool(Workspace(root), default_timeout_s=1)
    assert "default 1)" in tool.spec.description
    assert "timed out after 1 s" in run(tool, "sleep 20").output


def test_cancellation_kills_the_group(tool: ShellTool, leftover_pids: list[int]) -> None:
    ctx = ToolContext()
    seen: list[str] = []

    def emit(text: str) -> None:
        seen.append(text)
        if "started" in "".join(seen):
            threading.Timer(0.2, ctx.cancelled.set).start()

    ctx.emit = emit
    started = time.monotonic()
    result = run(tool, "sleep 30 & echo $!; echo started; wait", ctx)
    pid = int(result.output.split("\n", 1)[0])
    leftover_pids.append(pid)
    assert "[interrupted by user]" in result.output
    assert not result.ok and result.summary.startswith("interrupted after ")
    assert time.monotonic() - started < 3
    assert wait_gone(pid, within_s=0.5)


def test_background_child_holding_the_pipe_does_not_hang(
    tool: ShellTool, leftover_pids: list[int]
) -> None:
    started = time.monotonic()
    result = run(tool, "sleep 100 & echo $!")
    pid = int(result.output.split("\n", 1)[0])
    leftover_pids.append(pid)
    assert time.monotonic() - started < 3
    assert "background processes kept its output open; they were killed" in result.output
    assert result.output.endswith("[exit code: 0]") and result.ok
    assert wait_gone(pid, within_s=0.5)


def test_background_child_with_redirected_output_is_left_running(
    tool: ShellTool, leftover_pids: list[int]
) -> None:
    # `cmd > log 2>&1 &` is how the model asks for a process to outlive the call.
    result = run(tool, "sleep 30 > /dev/null 2>&1 & echo $!")
    pid = int(result.output.split("\n", 1)[0])
    leftover_pids.append(pid)
    assert result.output == f"{pid}\n[exit code: 0]"
    assert alive(pid)


def test_long_output_is_cut_in_the_middle(root: Path) -> None:
    tool = ShellTool(Workspace(root), output_limit=1000)
    full = "".join(f"{n}\n" for n in range(1, 10001))
    result = run(tool, "seq 1 10000")
    omitted = len(full) - 1000
    assert result.output == (
        full[:500] + f"\n[... {omitted} characters omitted ...]\n" + full[-500:] + "[exit code: 0]"
    )


def test_emit_receives_output_while_the_command_runs(tool: ShellTool, root: Path) -> None:
    # The command only finishes after emit has seen its first line: proof of live streaming.
    chunks: list[str] = []

    def emit(text: str) -> None:
        chunks.append(text)
        if "ready" in text:
            (root / "go").touch()

    script = "echo ready; for i in $(seq 100); do [ -e go ] && break; sleep 0.05; done; echo done"
    result = run(tool, script, ToolContext(emit=emit))
    assert "".join(chunks) == "ready\ndone\n"
    assert chunks[0] == "ready\n"
    assert result.output == "ready\ndone\n[exit code: 0]"


def test_multibyte_characters_split_across_reads(tool: ShellTool) -> None:
    chunks: list[str] = []
    result = run(
        tool, r"printf '\303'; sleep 0.2; printf '\251\n'", ToolContext(emit=chunks.append)
    )
    assert "".join(chunks) == "é\n"
    assert result.output.startswith("é\n")


def test_invalid_utf8_is_replaced(tool: ShellTool) -> None:
    assert run(tool, r"printf 'a\377b\n'").output.startswith("a\ufffdb\n")


def test_no_pager_waits_for_a_key(tool: ShellTool) -> None:
    assert run(tool, 'echo "$PAGER $GIT_PAGER $GIT_TERMINAL_PROMPT"').output.startswith("cat cat 0")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({}, "'command' is required"),
        ({"command": 5}, "'command' is required and must be a string"),
        ({"command": ""}, "'command' must not be empty"),
        ({"command": "   "}, "'command' must not be blank"),
        ({"command": "ls", "timeout_s": 0}, "from 1 to 600"),
        ({"command": "ls", "timeout_s": 601}, "from 1 to 600"),
        ({"command": "ls", "timeout_s": 2.5}, "from 1 to 600"),
        ({"command": "ls", "timeout_s": "10"}, "whole number of seconds"),
        ({"command": "ls", "timeout_s": True}, "whole number of seconds"),
    ],
)
def test_bad_arguments(tool: ShellTool, args: JSON, fragment: str) -> None:
    with pytest.raises(ToolError) as info:
        tool.prepare(args)
    assert fragment in str(info.value)


def test_largest_timeout_is_accepted(tool: ShellTool) -> None:
    assert "timeout 600s" in tool.prepare({"command": "ls", "timeout_s": 600}).detail

"""SIGTERM and SIGHUP to the real process, headless and in the REPL: the running command and
its children are killed, the call is answered, the session is whole (``--continue`` works), and
the exit status is 143 / 129."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import INFERCODE, run_infercode
from tests.support.pty import start_repl
from tests.support.responses_server import (
    FunctionCall,
    Message,
    Reply,
    ResponsesServer,
    call_reply,
    text_reply,
)

#: These tests are about another layer (signals, escaped processes, a racing background process,
#: infercode's own environment); under bubblewrap's PID namespace the commands' pids, background
#: processes and /proc/$PPID are the sandbox's own, so the tests run their commands unsandboxed.
NO_SANDBOX = ("--sandbox", "off")

#: bash starts a child (same process group) and waits for it; the child's pid is in child.pid.
LONG_COMMAND = "sleep 271 & echo $! > child.pid; echo started; wait"


def _alive(pid: int) -> bool:
    """Running, not a zombie (a container's init may never reap an orphan)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def _wait_for_child(workspace: Path, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    pid_file = workspace / "child.pid"
    while time.monotonic() < deadline:
        text = pid_file.read_text().strip() if pid_file.exists() else ""
        if text.isdigit() and _alive(int(text)):
            return int(text)
        time.sleep(0.05)
    raise AssertionError("the shell command did not start")


def _wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def _outputs(body: dict[str, Any] | None) -> dict[str, str]:
    assert body is not None
    items = body["input"]
    return {i["call_id"]: i["output"] for i in items if i.get("type") == "function_call_output"}


def _continue_headless(server: ResponsesServer, workspace: Path) -> None:
    """The next run resumes the session; the strict server accepts its history."""
    server.enqueue(text_reply("It was stopped."))
    result = run_infercode(
        ["--base-url", server.url, *NO_SANDBOX, "--continue", "-p", "what happened?"], cwd=workspace
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "It was stopped.\n"
    assert [r.rejected for r in server.requests if r.rejected] == []
    last = server.requests[-1].body
    assert "[interrupted by user]" in _outputs(last)["call_long"]
    assert "started" in _outputs(last)["call_long"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_headless_signal_kills_the_command_and_keeps_the_session(
    server: ResponsesServer, workspace: Path, signum: int
) -> None:
    server.enqueue(call_reply(FunctionCall("shell", {"command": LONG_COMMAND}, "call_long")))
    process = subprocess.Popen(
        [*INFERCODE, "--base-url", server.url, *NO_SANDBOX, "--yes", "-p", "run the long thing"],
        cwd=workspace,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        child = _wait_for_child(workspace)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 128 + signum, stderr
    assert f"stopped by {signal.Signals(signum).name}" in stderr
    assert "Traceback" not in stderr
    assert stdout == ""
    assert _wait_gone(child), "the command's child survived the signal"
    _continue_headless(server, workspace)


def test_headless_json_result_reports_143(server: ResponsesServer, workspace: Path) -> None:
    server.enqueue(call_reply(FunctionCall("shell", {"command": LONG_COMMAND}, "call_long")))
    process = subprocess.Popen(
        [
            *INFERCODE,
            "--base-url",
            server.url,
            *NO_SANDBOX,
            "--yes",
            "--output-format",
            "json",
            "-p",
            "go",
        ],
        cwd=workspace,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_for_child(workspace)
        process.terminate()
        stdout, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    import json

    result = json.loads(stdout)
    assert process.returncode == 143
    assert result["exit_code"] == 143 and result["is_error"] is True


def _continue_in_repl(server: ResponsesServer, tmp_path: Path, workspace: Path) -> None:
    server.enqueue(text_reply("It was stopped."))
    result = run_infercode(
        ["--base-url", server.url, *NO_SANDBOX, "--continue", "-p", "what happened?"], cwd=workspace
    )
    assert result.returncode == 0, result.stderr
    assert [r.rejected for r in server.requests if r.rejected] == []
    assert "[interrupted by user]" in _outputs(server.requests[-1].body)["call_long"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_repl_signal_mid_command(
    server: ResponsesServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int
) -> None:
    server.enqueue(call_reply(FunctionCall("shell", {"command": LONG_COMMAND}, "call_long")))
    term, workspace = start_repl(server.url, tmp_path, *NO_SANDBOX)
    # The REPL keeps its state here; --continue below must find the same sessions.
    monkeypatch.setenv("INFERCODE_STATE_DIR", str(tmp_path / "state"))
    with term:
        term.wait_prompt()
        term.send_line("run the long thing")
        term.wait_for("Run this command?")
        term.type("y")
        term.wait_for("│ started")
        child = _wait_for_child(workspace)
        os.kill(term.child.pid, signum)
        term.wait_exit(timeout=30)
        assert "Traceback" not in term.history_text()
    # An exit of its own (after closing the session), not death by the signal.
    assert term.child.signalstatus is None
    assert term.child.exitstatus == 128 + signum
    assert _wait_gone(child)
    _continue_in_repl(server, tmp_path, workspace)


def test_repl_terminal_closed_mid_command(
    server: ResponsesServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real thing: the terminal goes away (the kernel sends SIGHUP), writes to it fail."""
    server.enqueue(call_reply(FunctionCall("shell", {"command": LONG_COMMAND}, "call_long")))
    term, workspace = start_repl(server.url, tmp_path, *NO_SANDBOX)
    monkeypatch.setenv("INFERCODE_STATE_DIR", str(tmp_path / "state"))
    with term:
        term.wait_prompt()
        term.send_line("run the long thing")
        term.wait_for("Run this command?")
        term.type("y")
        term.wait_for("│ started")
        child = _wait_for_child(workspace)
        term.child.ptyproc.fileobj.close()  # the terminal window is closed
        term.child.ptyproc.wait()
        assert term.child.ptyproc.exitstatus == 129
    assert _wait_gone(child)
    _continue_in_repl(server, tmp_path, workspace)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_repl_signal_at_the_prompt(server: ResponsesServer, tmp_path: Path, signum: int) -> None:
    server.enqueue(text_reply("Hello."))
    term, _ = start_repl(server.url, tmp_path, *NO_SANDBOX)
    with term:
        term.wait_prompt()
        term.send_line("hi")
        term.wait_for("Hello.")
        term.wait_prompt()
        os.kill(term.child.pid, signum)
        term.wait_exit(timeout=30)
        assert "Traceback" not in term.history_text()
    # An exit of its own (after closing the session), not death by the signal.
    assert term.child.signalstatus is None
    assert term.child.exitstatus == 128 + signum


def test_headless_sigterm_mid_stream(server: ResponsesServer, workspace: Path) -> None:
    """Stopped while the reply streams: the partial answer is kept, the session continues."""
    server.enqueue(Reply(items=[Message("word " * 400)], delta_delay_s=0.02, chunk_size=5))
    process = subprocess.Popen(
        [*INFERCODE, "--base-url", server.url, *NO_SANDBOX, "-p", "talk"],
        cwd=workspace,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        server.wait_for_requests(1, timeout=20)
        time.sleep(0.5)  # some deltas are out
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr
    server.enqueue(text_reply("Go on."))
    again = run_infercode(
        ["--base-url", server.url, *NO_SANDBOX, "--continue", "-p", "more"], cwd=workspace
    )
    assert again.returncode == 0, again.stderr
    assert [r.rejected for r in server.requests if r.rejected] == []
    body = server.requests[-1].body
    assert body is not None
    kept = [i for i in body["input"] if i.get("role") == "assistant"]
    assert kept and kept[0]["content"][0]["text"].startswith("word word")


def test_repl_sigterm_at_the_approval_question(
    server: ResponsesServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pending call is answered (not run), the REPL exits 143, the session continues."""
    server.enqueue(call_reply(FunctionCall("shell", {"command": "touch ran.txt"}, "call_long")))
    term, workspace = start_repl(server.url, tmp_path, *NO_SANDBOX)
    monkeypatch.setenv("INFERCODE_STATE_DIR", str(tmp_path / "state"))
    with term:
        term.wait_prompt()
        term.send_line("do it")
        term.wait_for("Run this command?")
        os.kill(term.child.pid, signal.SIGTERM)
        term.wait_exit(timeout=30)
        assert "Traceback" not in term.history_text()
    assert term.child.exitstatus == 143
    assert not (workspace / "ran.txt").exists()
    server.enqueue(text_reply("Not run, then."))
    result = run_infercode(
        ["--base-url", server.url, *NO_SANDBOX, "--continue", "-p", "ok?"], cwd=workspace
    )
    assert result.returncode == 0, result.stderr
    assert [r.rejected for r in server.requests if r.rejected] == []
    assert "Not run" in _outputs(server.requests[-1].body)["call_long"]

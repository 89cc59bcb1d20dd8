"""``kill -9`` a headless run mid-stream and mid-tool; ``--continue`` then sends a valid history.

The server validates every request like the hosted API, so a resumed history with a call and no
output would come back as a 400 and the run would exit 1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from infercode.engine.history import INTERRUPTED_OUTPUT
from infercode.store.session_files import SessionStore, read_session
from tests.conftest import INFERCODE, run_infercode
from tests.support.responses_server import (
    FunctionCall,
    Message,
    Reply,
    ResponsesServer,
    call_reply,
    text_reply,
)


def start(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*INFERCODE, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # no controlling terminal, as in CI
    )


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.02)


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


def session_text(workspace: Path) -> str:
    latest = SessionStore.default().latest(workspace)
    return latest.path.read_text(errors="replace") if latest is not None else ""


def test_kill_mid_stream_then_continue(server: ResponsesServer, workspace: Path) -> None:
    server.enqueue(Reply(items=[Message("word " * 500)], delta_delay_s=0.01))
    process = start(["--base-url", server.url, "-p", "first question"], workspace)
    try:
        server.wait_for_requests(1, timeout=20)
        time.sleep(0.5)  # well inside the ~6 s stream
    finally:
        kill_hard(process)
    assert "first question" in session_text(workspace)

    server.enqueue(text_reply("answered"))
    result = run_infercode(
        ["--base-url", server.url, "--continue", "-p", "second question"], cwd=workspace
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "answered\n"
    last = server.requests[-1]
    assert last.rejected is None and last.body is not None
    texts = [i["content"][0]["text"] for i in last.body["input"] if i["type"] == "message"]
    assert texts == ["first question", "second question"]


def test_kill_mid_tool_then_continue(
    server: ResponsesServer, workspace: Path, tmp_path: Path
) -> None:
    pid_file = tmp_path / "shell.pid"
    # The shell call says it started (and which process group to clean up) by writing its pid.
    command = f"echo $$ > {pid_file}; sleep 15"
    server.enqueue(call_reply(FunctionCall("shell", {"command": command}, call_id="call_sleep")))
    # Unsandboxed: the pid file lies outside the workspace, and the cleanup below needs the
    # shell's host pid (in bubblewrap's PID namespace $$ would be 2).
    process = start(
        ["--base-url", server.url, "--yes", "--sandbox", "off", "-p", "run the slow thing"],
        workspace,
    )
    try:
        wait_until(lambda: pid_file.exists() and pid_file.read_text().strip().isdigit())
    finally:
        kill_hard(process)
        if pid_file.exists():  # the call's own process group outlives infercode
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)
    latest = SessionStore.default().latest(workspace)
    assert latest is not None
    kinds = [item["type"] for item in read_session(latest.path).items]
    assert kinds == ["message", "function_call"]  # the call is on disk, its output never came

    server.enqueue(text_reply("recovered"))
    result = run_infercode(["--base-url", server.url, "--continue", "-p", "go on"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "1 call(s) interrupted" in result.stderr
    last = server.requests[-1]
    assert last.rejected is None and last.body is not None
    outputs = [i for i in last.body["input"] if i["type"] == "function_call_output"]
    assert outputs == [
        {"type": "function_call_output", "call_id": "call_sleep", "output": INTERRUPTED_OUTPUT}
    ]
    assert last.body["input"][-1]["content"][0]["text"] == "go on"

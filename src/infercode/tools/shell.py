"""``shell``: run a command with bash in the workspace root, streaming its output live.

The command runs in its own process group so that a timeout or Ctrl-C can kill everything it
started (a test runner's workers, a dev server), not just bash. Output is read from one pipe that
carries stdout and stderr interleaved, in the order the program wrote them.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import selectors
import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from infercode.engine.events import JSON
from infercode.errors import ToolError
from infercode.tools.base import PreparedCall, ToolContext, ToolResult, ToolSpec, require_str
from infercode.tools.child_env import ChildEnv
from infercode.tools.escaped import MARK_ENV, describe, new_mark, survivors
from infercode.tools.output import HeadTailBuffer
from infercode.tools.workspace import Workspace

if TYPE_CHECKING:
    from infercode.sandbox import Launch, Sandbox

POLL_S = 0.05
TERM_GRACE_S = 2.0
#: How long output may stay open after bash exited before background children are killed.
BACKGROUND_GRACE_S = 0.5
#: Environment for a non-interactive run: no pager waiting for a key, no git password prompt.
QUIET_ENV = {"PAGER": "cat", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"}

Outcome = Literal["exited", "timeout", "interrupted", "background"]
NOTES: dict[Outcome, str] = {
    "timeout": "[timed out after {timeout} s; the command and its child processes were killed]",
    "interrupted": "[interrupted by user]",
    "background": "[the command exited, but background processes kept its output open; they "
    "were killed. Redirect their output (e.g. `cmd > log 2>&1 &`) to keep them running]",
}
#: Said instead when some processes survived the kill (they left the group): only what is true.
ESCAPED_NOTES: dict[Outcome, str] = {
    "timeout": "[timed out after {timeout} s; the command's process group was killed]",
    "interrupted": NOTES["interrupted"],
    "background": "[the command exited, but background processes kept its output open; those "
    "in its process group were killed]",
}


def _spec(default_timeout: int, max_timeout: int) -> ToolSpec:
    return ToolSpec(
        name="shell",
        description=(
            "Run a shell command with `bash -c` in the workspace root and return its combined "
            "stdout and stderr, ending with the exit code. There is no terminal and stdin is "
            "empty: use non-interactive flags (e.g. `git --no-pager`, `-y`). Each call starts a "
            "fresh shell, so `cd` and variables do not carry over; chain commands with `&&`. "
            f"Long output is cut in the middle. The command is killed after `timeout_s` seconds "
            f"(default {default_timeout}); do not start servers or watchers that never exit."
        ),
        parameters={
            "type": "object",
            "properties": {
                "command": {"type": "string", "description": "The bash command line to run."},
                "timeout_s": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": max_timeout,
                    "description": f"Seconds before the command is killed. Default "
                    f"{default_timeout}, at most {max_timeout}.",
                },
            },
            "required": ["command"],
            "additionalProperties": False,
        },
        kind="shell",
        mutating=True,
    )


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs.

    Zombies do not count: in containers whose init never reaps orphans, a killed child stays a
    zombie forever and ``killpg(pgid, 0)`` would keep saying the group is alive. /proc tells
    them apart; elsewhere fall back to ``killpg``.
    """
    if Path("/proc").is_dir():
        with os.scandir("/proc") as entries:
            for entry in entries:
                if not entry.name.isdigit():
                    continue
                try:
                    stat_line = Path(entry.path, "stat").read_text()
                except OSError:
                    continue
                # Fields after the parenthesised command name: state ppid pgrp ...
                fields = stat_line[stat_line.rfind(")") + 2 :].split()
                if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
                    return True
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_group(process: subprocess.Popen[bytes], grace_s: float = TERM_GRACE_S) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after ``grace_s``."""
    pgid = process.pid  # start_new_session: the leader's pid is the group id
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        process.poll()
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        process.poll()  # reap bash so it stops counting as a member
        if not _group_alive(pgid):
            break
        time.sleep(0.02)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    process.wait()


def _exit_line(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"[exit code: {code} ({name})]"
    return f"[exit code: {code}]"


class ShellTool:
    """Runs bash commands in the workspace root with a timeout and a cap on returned output."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        default_timeout_s: int = 120,
        max_timeout_s: int = 600,
        output_limit: int = 30_000,
        env: ChildEnv | None = None,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.workspace = workspace
        self.env = env if env is not None else ChildEnv()  # never the API key (child_env.py)
        self.default_timeout_s = default_timeout_s
        self.max_timeout_s = max_timeout_s
        self.output_limit = output_limit
        self.sandbox = sandbox
        self.spec = _spec(default_timeout_s, max_timeout_s)
        if sandbox is not None:
            from infercode.tools.sandboxed import TOOL_NOTE

            self.spec = replace(self.spec, description=self.spec.description + TOOL_NOTE)

    def prepare(self, args: JSON) -> PreparedCall:
        command = require_str(args, "command", allow_empty=False)
        if not command.strip():
            raise ToolError("Parameter 'command' must not be blank.")
        timeout = args.get("timeout_s")
        if timeout is None:
            timeout = self.default_timeout_s
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise ToolError("Parameter 'timeout_s' must be a whole number of seconds.")
        if not 1 <= timeout <= self.max_timeout_s or int(timeout) != timeout:
            raise ToolError(
                f"Parameter 'timeout_s' must be a whole number from 1 to {self.max_timeout_s} "
                f"(got {timeout})."
            )
        seconds = int(timeout)
        root = self.workspace.root
        first_line = command.strip().split("\n")[0]  # not splitlines(): it also cuts at a CR
        if len(first_line) > 80 or "\n" in command.strip():
            first_line = first_line[:77] + "…"
        return PreparedCall(
            kind="shell",
            summary=f"$ {first_line}",
            detail=f"$ {command}\n(in {root}, timeout {seconds}s)",
            execute=lambda ctx: self._execute(command, seconds, ctx),
            shell_command=command,
        )

    def _execute(
        self, command: str, timeout_s: int, ctx: ToolContext, *, confined: bool = True
    ) -> ToolResult:
        sandbox = self.sandbox if confined else None
        launch: Launch | None = None
        if sandbox is not None:
            from infercode.tools import sandboxed

            def unconfined(ctx: ToolContext) -> ToolResult:
                return self._execute(command, timeout_s, ctx, confined=False)

            if sandbox.unavailable and not sandbox.consented:
                return sandboxed.not_confinable(sandbox, command, unconfined)
            try:
                launch = sandbox.launch(["bash", "-c", command], self.workspace.root)
            except OSError as exc:
                raise ToolError(f"Cannot set up the sandbox: {exc}") from None
        result = self._run(command, timeout_s, ctx, launch)
        if sandbox is not None and launch is not None and not result.ok:
            notes = sandbox.notes(result.output, self.workspace.root, launch.paths)
            result = sandboxed.with_notes(result, notes, command, unconfined)
        return result

    def _run(
        self, command: str, timeout_s: int, ctx: ToolContext, launch: Launch | None
    ) -> ToolResult:
        started = time.monotonic()
        mark = new_mark()  # inherited by everything it starts: see tools/escaped.py
        try:
            process = subprocess.Popen(
                launch.argv if launch is not None else ["bash", "-c", command],
                cwd=self.workspace.root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=self.env.build(
                    {**QUIET_ENV, MARK_ENV: mark, **(launch.env if launch is not None else {})}
                ),
                preexec_fn=launch.preexec_fn if launch is not None else None,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ToolError(f"Cannot start bash: {exc}") from None
        finally:
            if launch is not None:
                launch.close()
        assert process.stdout is not None
        buffer = HeadTailBuffer(self.output_limit)
        try:
            outcome = self._pump(process, timeout_s, ctx, buffer)
            # After a kill, say what is still alive rather than assume the group was everything.
            left = survivors(mark, process.stdout.fileno()) if outcome != "exited" else []
        except BaseException:
            # KeyboardInterrupt in this thread, or a failing emit: leave nothing running.
            kill_group(process)
            raise
        finally:
            process.stdout.close()
        elapsed = time.monotonic() - started
        code = process.returncode
        text = buffer.text() if buffer.total else "(no output)"
        if not text.endswith("\n"):
            text += "\n"
        if outcome != "exited":
            notes = NOTES if left is not None and not left else ESCAPED_NOTES
            text += notes[outcome].format(timeout=timeout_s) + "\n"
            if left is None or left:
                text += describe(left) + "\n"
        text += _exit_line(code)
        if outcome == "timeout":
            summary = f"timed out after {timeout_s}s"
        elif outcome == "interrupted":
            summary = f"interrupted after {elapsed:.1f}s"
        else:
            summary = f"exit {code} in {elapsed:.1f}s"
        ok = code == 0 and outcome in ("exited", "background")
        return ToolResult(text, ok=ok, summary=summary)

    def _pump(
        self,
        process: subprocess.Popen[bytes],
        timeout_s: int,
        ctx: ToolContext,
        buffer: HeadTailBuffer,
    ) -> Outcome:
        """Read output until EOF, timeout, cancellation or a lingering background child.

        For every outcome but "exited" the group is killed here, and what it wrote meanwhile is
        still collected.
        """
        assert process.stdout is not None
        fd = process.stdout.fileno()
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        deadline = time.monotonic() + timeout_s
        exited_at: float | None = None
        outcome: Outcome = "exited"

        def take(data: bytes, final: bool = False) -> None:
            text = decoder.decode(data, final)
            if text:
                buffer.add(text)
                ctx.emit(text)

        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            pipe_open = True
            while True:
                now = time.monotonic()
                if ctx.cancelled.is_set():
                    outcome = "interrupted"
                    break
                if now >= deadline:
                    outcome = "timeout"
                    break
                if process.poll() is not None:
                    if not pipe_open:
                        break
                    if exited_at is None:
                        exited_at = now
                    elif now - exited_at >= BACKGROUND_GRACE_S:
                        outcome = "background"
                        break
                wait = min(POLL_S, deadline - now)
                if not pipe_open:
                    # bash closed its output but runs on (e.g. `exec >&-`): wait for its exit.
                    ctx.cancelled.wait(wait)
                elif selector.select(wait):
                    data = os.read(fd, 65536)
                    if data:
                        take(data)
                    else:
                        pipe_open = False
                        selector.unregister(fd)
            if outcome != "exited":
                kill_group(process)
                # Killed writers close the pipe; keep what they wrote before dying, but do not
                # wait long for a process that left the group (setsid) and still holds it.
                drain_until = time.monotonic() + 1.0
                while pipe_open and time.monotonic() < drain_until:
                    if not selector.select(max(0.0, drain_until - time.monotonic())):
                        break
                    data = os.read(fd, 65536)
                    if not data:
                        break
                    take(data)
        take(b"", final=True)
        process.wait()
        return outcome

"""Running hook commands: ``sh -c`` in the workspace, the event as JSON on stdin, a timeout, and
no API key in the environment (``ChildEnv``, as for the shell tool)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from infercode.engine.events import JSON
from infercode.engine.hooks import HookResult
from infercode.hooks.config import HookSpec
from infercode.tools.child_env import ChildEnv

#: A hook's stdout or stderr beyond this is cut (it becomes context or a tool result).
MAX_OUTPUT_CHARS = 20_000


class SubprocessHookRunner:
    def __init__(self, specs: list[HookSpec], cwd: Path, env: ChildEnv) -> None:
        self.specs = specs
        self.cwd = cwd
        self.env = env

    def run(self, event: str, payload: JSON, tool_name: str | None) -> list[HookResult]:
        return [
            self._run_one(spec, payload)
            for spec in self.specs
            if spec.event == event and spec.matches(tool_name)
        ]

    def _run_one(self, spec: HookSpec, payload: JSON) -> HookResult:
        started = time.monotonic()
        env = self.env.build({"INFERCODE_PROJECT_DIR": str(self.cwd)})
        try:
            # Its own process group, so a timeout ends what the hook started too.
            process = subprocess.Popen(
                ["/bin/sh", "-c", spec.command],
                cwd=self.cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                start_new_session=True,
            )
        except OSError as error:
            return HookResult(spec.command, None, error=f"could not start: {error}")
        try:
            stdout, stderr = process.communicate(json.dumps(payload), timeout=spec.timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            return HookResult(
                spec.command,
                None,
                duration_s=time.monotonic() - started,
                error=f"timed out after {spec.timeout_s:g} s (stopped; the run goes on)",
                timed_out=True,
            )
        except BaseException:
            _kill_group(process)
            process.communicate()
            raise
        return HookResult(
            spec.command,
            process.returncode,
            stdout[:MAX_OUTPUT_CHARS],
            stderr[:MAX_OUTPUT_CHARS],
            time.monotonic() - started,
        )


def _kill_group(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()

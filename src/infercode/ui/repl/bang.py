"""``!cmd`` at the prompt: the user's own shell command, run directly in the workspace.

It is the user typing, not the model asking, so there is no approval and no sandbox (as in
their own shell). The output is shown through the terminal choke point and kept as context:
it is attached to the next message the user sends (``!`` alone drops it), so the model sees
what the user saw without the user pasting it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: What is attached to a message at most (the screen shows the same tail).
MAX_CONTEXT_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class BangResult:
    command: str
    output: str
    exit_code: int

    def context(self) -> str:
        """The block attached to the next message."""
        output = self.output
        if len(output) > MAX_CONTEXT_CHARS:
            output = "[…earlier output cut]\n" + output[-MAX_CONTEXT_CHARS:]
        return (
            f"I ran `{self.command}` in the workspace (exit code {self.exit_code}); its output:\n"
            f"```\n{output.rstrip()}\n```"
        )


def bang_command(text: str) -> str | None:
    """The command of a ``!cmd`` line (stripped, may be empty), or None for any other line."""
    stripped = text.strip()
    return stripped[1:].strip() if stripped.startswith("!") else None


def run_bang(command: str, root: Path) -> BangResult:
    """Run ``command`` with the user's shell in ``root``; stdout and stderr together.

    stdin is closed: a command waiting for input must not steal the REPL's keys. Ctrl-C reaches
    the command (same process group) and raises KeyboardInterrupt here.
    """
    shell = os.environ.get("SHELL") or "/bin/sh"
    done = subprocess.run(
        [shell, "-c", command],
        cwd=root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    output = done.stdout.decode("utf-8", errors="replace")
    return BangResult(command, output, done.returncode)

"""Asking on the terminal (``/dev/tty``) when the prompt came through a pipe.

A headless run never runs a tool without a decision: if a terminal is reachable it asks there,
line by line; otherwise the caller falls back to ``DenyAll``.
"""

from __future__ import annotations

import io
from typing import TextIO

from infercode.engine.approval import ApprovalRequest, Decision, Rule

CHOICES = "[y] yes  [n] no  [a] always ({scope})  [m] no, with a message to the model"


def open_tty() -> TextIO | None:
    """The controlling terminal, or None when there is none (CI, cron, a container)."""
    try:
        return io.TextIOWrapper(open("/dev/tty", "r+b", buffering=0), encoding="utf-8")
    except OSError:
        return None


def always_rule(request: ApprovalRequest) -> Rule | None:
    """The narrowest "always" that fits: a kind for reads/edits, program+subcommand for shell."""
    if request.outside_workspace:
        return None
    if request.kind == "shell":
        prefix = request.shell_prefix
        return Rule("shell", prefix) if prefix else None
    if request.kind == "mcp":  # this one tool of this server, never every MCP tool
        return Rule("mcp", mcp_tool=f"{request.mcp_server}.{request.mcp_tool}")
    return Rule(request.kind)


class TtyApprover:
    def __init__(self, tty: TextIO) -> None:
        self.tty = tty

    def decide(self, request: ApprovalRequest) -> Decision:
        rule = always_rule(request)
        scope = rule.describe() if rule else "not offered for this call"
        self._say(f"\n{request.call.name}: {request.summary}")
        if request.outside_workspace:
            self._say("!! this path is OUTSIDE the workspace")
        if request.detail:
            self._say(request.detail.rstrip())
        self._say(CHOICES.format(scope=scope))
        while True:
            answer = self._ask("Allow? ").strip().lower()
            if answer in ("y", "yes"):
                return Decision(allow=True)
            if answer in ("n", "no", ""):
                return Decision(allow=False)
            if answer in ("a", "always") and rule is not None:
                return Decision(allow=True, remember=rule)
            if answer in ("m", "message"):
                message = self._ask("Message to the model: ").strip()
                return Decision(allow=False, message=message or None)
            self._say("Answer y, n, a or m.")

    def _say(self, text: str) -> None:
        self.tty.write(text + "\n")
        self.tty.flush()

    def _ask(self, prompt: str) -> str:
        self.tty.write(prompt)
        self.tty.flush()
        line = self.tty.readline()
        if not line:
            raise KeyboardInterrupt  # the terminal went away: treat as the user stopping
        return line

"""Asking on the terminal (``/dev/tty``) when the prompt came through a pipe.

A headless run never runs a tool without a decision: if a terminal is reachable it asks there,
line by line; otherwise the caller falls back to ``DenyAll``. Keys typed before a question
appeared (while the answer streamed) are discarded, never taken as its answer.
"""

from __future__ import annotations

import io
from typing import TextIO

from infercode.engine.approval import ApprovalRequest, Decision, Rule
from infercode.ui.terminal_text import safe_line, safe_text

CHOICES = "[y] yes  [n] no  [a] {always}  [m] no, with a message to the model"


def open_tty() -> TextIO | None:
    """The controlling terminal, or None when there is none (CI, cron, a container)."""
    try:
        return io.TextIOWrapper(open("/dev/tty", "r+b", buffering=0), encoding="utf-8")
    except OSError:
        return None


def always_rule(request: ApprovalRequest) -> Rule | None:
    """The narrowest "always" that fits: a kind for reads/edits; for shell, the prefix
    ``shell.rules.offer`` picks (none for wrappers, interpreter code, chains...)."""
    if request.outside_workspace or request.protected or request.note:
        return None  # asked one by one: outside, protected, or a line a deny rule may cover
    if request.kind == "shell":
        if request.shell_command is None:
            return None
        from infercode.shell.rules import offer  # the parser loads at the first question

        prefix = offer(request.shell_command).prefix
        return Rule("shell", prefix) if prefix else None
    if request.kind == "mcp":  # this one tool of this server, never every MCP tool
        return Rule("mcp", mcp_tool=f"{request.mcp_server}.{request.mcp_tool}")
    return Rule(request.kind)


def always_text(request: ApprovalRequest, rule: Rule | None) -> str:
    """What "always" would cover, or why it is not offered for this call."""
    if rule is not None:
        return f"always allow {rule.describe()}"
    if request.note:
        return f"always: not offered ({request.note})"
    if request.kind == "shell" and request.shell_command is not None:
        from infercode.shell.rules import offer

        return f"always: not offered ({offer(request.shell_command).reason})"
    return "always: not offered for this call"


def flush_typeahead(stream: object) -> None:
    """Drop what was typed before the question: a "y" typed while the answer streamed must
    not approve the call that follows."""
    try:
        import termios

        fileno = getattr(stream, "fileno", None)
        if fileno is not None:
            termios.tcflush(fileno(), termios.TCIFLUSH)
    except (ImportError, OSError, ValueError):
        pass  # not a terminal (a test double): nothing can be buffered ahead


class TtyApprover:
    def __init__(self, tty: TextIO) -> None:
        self.tty = tty

    def decide(self, request: ApprovalRequest) -> Decision:
        rule = always_rule(request)
        self._say(f"\n{safe_line(request.call.name)}: {safe_line(request.summary)}")
        if request.outside_workspace:
            self._say("!! this path is OUTSIDE the workspace")
        if request.detail:
            self._say(safe_text(request.detail.rstrip(), strict=True))
        if request.note:
            self._say(f"!! asked because {request.note}")
        self._say(CHOICES.format(always=safe_line(always_text(request, rule))))
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
        self.tty.write(safe_text(text, strict=True) + "\n")
        self.tty.flush()

    def _ask(self, prompt: str) -> str:
        flush_typeahead(self.tty)  # only what is typed after the question appears answers it
        self.tty.write(prompt)
        self.tty.flush()
        line = self.tty.readline()
        if not line:
            raise KeyboardInterrupt  # the terminal went away: treat as the user stopping
        return line

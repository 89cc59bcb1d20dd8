"""Asking on the terminal (``/dev/tty``) when the prompt came through a pipe.

A headless run never runs a tool without a decision: if a terminal is reachable it asks there
with the REPL's menu (single keys); otherwise the caller falls back to ``DenyAll``. Keys typed
before a question appeared (while the answer streamed) are discarded, never taken as its answer.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, TextIO

from infercode.engine.approval import ApprovalRequest, Decision
from infercode.ui.approval_scope import always_rule, always_text, flush_typeahead

if TYPE_CHECKING:
    from infercode.ui.approval_menu import MenuApprover

__all__ = ["TtyApprover", "always_rule", "always_text", "flush_typeahead", "open_tty"]


def open_tty() -> TextIO | None:
    """The controlling terminal, or None when there is none (CI, cron, a container)."""
    try:
        return io.TextIOWrapper(open("/dev/tty", "r+b", buffering=0), encoding="utf-8")
    except OSError:
        return None


class TtyApprover:
    """The approval menu of the REPL, drawn on and read from ``/dev/tty``.

    The progress line on stderr already names the call, so the menu shows only what it will
    do. Colours follow the terminal (rich and prompt-toolkit both honour NO_COLOR).
    """

    def __init__(self, tty: TextIO) -> None:
        self.tty = tty

    def decide(self, request: ApprovalRequest) -> Decision:
        return self._menu().decide(request)

    def _menu(self) -> MenuApprover:
        from prompt_toolkit.input import create_input
        from prompt_toolkit.output import create_output

        # terminal libraries load at the first question, not on every headless run
        from infercode.ui.approval_menu import MenuApprover
        from infercode.ui.terminal_text import safe_console

        try:
            width = os.get_terminal_size(self.tty.fileno()).columns
        except (OSError, ValueError, AttributeError):
            width = 80
        console = safe_console(file=self.tty, width=width)
        return MenuApprover(
            console,
            lambda: None,
            pt_input=create_input(stdin=self.tty),
            pt_output=create_output(stdout=self.tty),
            stream=self.tty,
        )

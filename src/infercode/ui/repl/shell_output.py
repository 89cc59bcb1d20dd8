"""A running command's output as the REPL shows it: a few live lines while it runs, and the
first and last lines with a count in scrollback, never the whole text."""

from __future__ import annotations

import re
from collections import deque

from infercode.ui.terminal_text import safe_text

LIVE_SHELL_LINES = 8
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def clean_output_line(line: str) -> str:
    """A line of command output as it would look: colors dropped, ``\\r`` overwrites applied
    (a progress bar shows its last state), any other control character shown escaped."""
    line = _ANSI.sub("", line)
    if "\r" in line.rstrip("\r"):
        line = line.rstrip("\r").rsplit("\r", 1)[1]
    return safe_text(line.rstrip("\r").expandtabs(4), strict=True)


class ShellOutput:
    """A running command's output: the first and last lines and a count, never the whole text."""

    HEAD = 3
    TAIL = 6
    MAX_PARTIAL = 2000

    def __init__(self) -> None:
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=max(self.TAIL, LIVE_SHELL_LINES))
        self.count = 0
        self.partial = ""

    def feed(self, text: str) -> None:
        parts = (self.partial + text).split("\n")
        self.partial = parts.pop()[-self.MAX_PARTIAL :]
        for line in parts:
            self._add(clean_output_line(line))

    def _add(self, line: str) -> None:
        self.count += 1
        if len(self.head) < self.HEAD:
            self.head.append(line)
        self.tail.append(line)

    def live_lines(self) -> list[str]:
        lines = list(self.tail)[-LIVE_SHELL_LINES:]
        partial = clean_output_line(self.partial)
        if partial:
            lines = [*lines[1 - LIVE_SHELL_LINES :], partial]
        return lines

    def summary_lines(self) -> list[str]:
        """What stays in scrollback: everything if short, else head, a count, and tail."""
        if self.partial:
            self._add(clean_output_line(self.partial))
            self.partial = ""
        limit = self.HEAD + self.TAIL
        if self.count <= limit:
            rest = self.count - len(self.head)
            return self.head + (list(self.tail)[-rest:] if rest > 0 else [])
        hidden = self.count - self.HEAD - self.TAIL
        return [*self.head, f"… {hidden} more lines …", *list(self.tail)[-self.TAIL :]]

"""A desktop notification when a long turn ends or an approval waits after one.

The terminal bell (BEL) works everywhere and most terminals turn it into a notification or a
badge when they are not focused; iTerm2, WezTerm, kitty and Ghostty show OSC 9 as a desktop
notification with text. Only on a terminal, never under NO_COLOR (a plain-output request), and
``notify = false`` turns it off. An approval notifies only once the turn has run for
``notify_after_s``: a question right after the user pressed Enter needs no bell.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import TextIO

#: Terminals known to show OSC 9 as a desktop notification.
OSC9_PROGRAMS = ("iTerm.app", "WezTerm", "ghostty")
BEL = "\a"


def notification(env: Mapping[str, str], text: str) -> str:
    """The bytes that notify on this terminal: OSC 9 with ``text`` where supported, else BEL."""
    if env.get("TERM_PROGRAM") in OSC9_PROGRAMS or "kitty" in env.get("TERM", ""):
        return f"\x1b]9;{text}\x07"
    return BEL


class Notifier:
    def __init__(
        self,
        out: TextIO,
        *,
        enabled: bool,
        after_s: float,
        env: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.out = out
        self.after_s = after_s
        self.env = env
        self.enabled = enabled and "NO_COLOR" not in env and _isatty(out)
        self._started: float | None = None

    def turn_started(self) -> None:
        self._started = time.monotonic()

    def turn_ended(self) -> None:
        if self._long():
            self._ring("infercode: the turn finished")
        self._started = None

    def approval_waits(self) -> None:
        if self._long():
            self._ring("infercode: an approval is waiting")

    def _long(self) -> bool:
        return self._started is not None and time.monotonic() - self._started >= self.after_s

    def _ring(self, text: str) -> None:
        if not self.enabled:
            return
        try:  # fixed text only: nothing from the model or a tool reaches these bytes
            self.out.write(notification(self.env, text))
            self.out.flush()
        except (OSError, ValueError):
            pass


def _isatty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (OSError, ValueError):
        return False

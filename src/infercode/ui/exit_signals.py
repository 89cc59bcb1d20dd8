"""SIGTERM and SIGHUP end a run the way Ctrl-C stops a turn, then exit 143 / 129.

Without a handler either signal kills infercode at once: the running shell command (in its own
process group, so the signal never reaches it) survives, its call is never answered, and the
session's last items may be missing. The handler instead raises ``Terminated`` (a
``KeyboardInterrupt``) in the main thread, so every path that already cleans up after Ctrl-C —
kill the command's process group, answer the pending call, close the stream, flush the session —
does the same here. The front-end then sees ``caught.signum`` and exits with 128 + the signal.

Only the first signal raises: a second one arriving while that cleanup runs must not cut it
short (SIGKILL remains for that). SIGHUP means the terminal is gone: writes to it would fail
with EIO, so the standard streams that were a terminal are pointed at /dev/null first.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from types import FrameType

HANDLED = (signal.SIGTERM, signal.SIGHUP) if hasattr(signal, "SIGHUP") else (signal.SIGTERM,)


class Terminated(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM or SIGHUP; ``exit_code`` is 128 + the signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class CaughtSignal:
    """What ``catch_exit_signals`` saw: the first signal, or None."""

    def __init__(self) -> None:
        self.signum: int | None = None
        # Asked now: once the terminal hangs up, isatty() on it fails (ENOTTY).
        self._tty_fds = [fd for fd in (0, 1, 2) if _isatty(fd)]

    @property
    def exit_code(self) -> int | None:
        return None if self.signum is None else 128 + self.signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        first = self.signum is None
        if first:
            self.signum = signum
        if signum == getattr(signal, "SIGHUP", None):
            detach_terminal(self._tty_fds)
        if first:
            raise Terminated(signum)


@contextlib.contextmanager
def catch_exit_signals() -> Iterator[CaughtSignal]:
    """Handle SIGTERM and SIGHUP while the block runs (main thread only; elsewhere a no-op).

    A signal ignored when infercode started (``nohup`` ignores SIGHUP) stays ignored.
    """
    caught = CaughtSignal()
    previous: dict[int, object] = {}
    try:
        for signum in HANDLED:
            current = signal.getsignal(signum)
            if current == signal.SIG_IGN:
                continue
            previous[signum] = current
            signal.signal(signum, caught.handle)
    except ValueError:  # not the main thread: nothing to install
        previous.clear()
    try:
        yield caught
    finally:
        for number, handler in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(number, handler)  # type: ignore[arg-type]  # as getsignal gave it


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def detach_terminal(fds: list[int]) -> None:
    """Point ``fds`` (those of stdin, stdout, stderr that were the terminal) at /dev/null."""
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    for fd in fds:
        with contextlib.suppress(OSError):
            os.dup2(devnull, fd)
    os.close(devnull)

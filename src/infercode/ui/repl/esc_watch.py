"""Esc stops a running turn, as Ctrl-C does.

While a turn runs nobody reads the keyboard (``quiet_input`` only turns echo off), and the
terminal turns Ctrl-C into SIGINT by itself. Esc is an ordinary byte, so a thread reads stdin
meanwhile: a lone Esc (no byte follows within ``SEQUENCE_S``) sends SIGINT to the terminal's
foreground process group, exactly what Ctrl-C does; an Esc that starts a sequence (an arrow
key, Alt-Enter) is not one. Whatever else was typed is kept (``typed``) for the next prompt.

The watcher must never read a key meant for an approval question: ``paused()`` stops it
(waiting for a read in progress) for as long as the question is asked, and drops what it had
kept, since keys typed before a question must not carry over anywhere.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from collections.abc import Callable, Iterator

from infercode.engine.approval import ApprovalRequest, Approver, Decision

ESC = b"\x1b"
#: How long a following byte may take to count as part of an escape sequence.
SEQUENCE_S = 0.05
POLL_S = 0.05


class EscWatch:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.typed = bytearray()
        self._lock = threading.Lock()
        self._paused = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="esc-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        self._paused.set()
        with self._lock:  # a read in progress ends first
            self.typed.clear()
            try:
                yield
            finally:
                self._paused.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._paused.is_set():
                self._stop.wait(POLL_S)
                continue
            with self._lock:
                if self._paused.is_set() or not self._ready(POLL_S):
                    continue
                try:
                    data = os.read(self.fd, 256)
                except OSError:
                    return  # the terminal went away
                if not data:
                    return
                if data.endswith(ESC) and not self._ready(SEQUENCE_S):
                    self.typed += data[:-1]
                    self._interrupt()
                else:
                    self.typed += data

    def _ready(self, timeout: float) -> bool:
        try:
            return bool(select.select([self.fd], [], [], timeout)[0])
        except (OSError, ValueError):
            return False

    def _interrupt(self) -> None:
        try:
            os.killpg(os.tcgetpgrp(self.fd), signal.SIGINT)
        except OSError:
            os.kill(os.getpid(), signal.SIGINT)


def printable(typed: bytes) -> str:
    """What was typed during a turn, as text for the next prompt (keys and controls dropped)."""
    text = typed.decode("utf-8", errors="ignore")
    # An escape sequence (arrow keys...) is ESC, then [ or O, then its characters: drop it whole.
    out: list[str] = []
    skip = 0  # 1: the byte after ESC; 2: inside a CSI/SS3 sequence, up to its final letter
    for char in text:
        if char == "\x1b":
            skip = 1
        elif skip == 1:
            skip = 2 if char in "[O" else 0
        elif skip == 2:
            skip = 0 if char.isalpha() or char == "~" else 2
        elif char.isprintable():
            out.append(char)
    return "".join(out)


class WatchedApprover:
    """Pauses the Esc watcher while ``inner`` asks, so it never takes the question's keys."""

    def __init__(self, inner: Approver, watch: Callable[[], EscWatch | None]) -> None:
        self.inner = inner
        self.watch = watch

    def decide(self, request: ApprovalRequest) -> Decision:
        watch = self.watch()
        if watch is None:
            return self.inner.decide(request)
        with watch.paused():
            return self.inner.decide(request)

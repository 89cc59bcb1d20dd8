"""The headless runner: the same engine, the answer alone on stdout, progress on stderr."""

from __future__ import annotations

import sys
from typing import TextIO

from infercode.agent import Agent
from infercode.events import (
    Event,
    MessageDone,
    Notice,
    ToolDecided,
    ToolFinished,
    ToolRequested,
    TurnFinished,
)
from infercode.ui.drive import drive

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_DENIED = 3
EXIT_INTERRUPTED = 130

DECISION_WORDS = {
    "approved": "approved",
    "approved_by_rule": "approved in advance",
    "denied": "denied by the user",
    "denied_no_approver": "denied: no terminal to ask and not allowed in advance",
    "invalid": "invalid call",
}


def exit_code(finished: TurnFinished) -> int:
    if finished.status == "interrupted":
        return EXIT_INTERRUPTED
    if finished.status in ("failed", "max_turns"):
        return EXIT_FAILED
    if finished.denied_calls:
        return EXIT_DENIED
    return EXIT_OK


class ProgressPrinter:
    """Plain progress lines on stderr: what the model asked for, what was decided, the outcome.

    Intermediate assistant messages (before tool calls) go here too; only the final answer is
    printed on stdout, by the runner.
    """

    def __init__(self, out: TextIO, quiet: bool = False) -> None:
        self.out = out
        self.quiet = quiet
        self._last_message = ""

    def __call__(self, event: Event) -> None:
        if self.quiet:
            return
        if isinstance(event, MessageDone):
            self._last_message = event.text
        elif isinstance(event, ToolRequested):
            if self._last_message:  # a message followed by calls is commentary, not the answer
                self._write(self._last_message.rstrip())
                self._last_message = ""
            outside = " [OUTSIDE THE WORKSPACE]" if event.outside_workspace else ""
            self._write(f"→ {event.call.name}: {event.summary}{outside}")
        elif isinstance(event, ToolDecided):
            if event.decision not in ("approved", "approved_by_rule"):
                self._write(f"  {DECISION_WORDS[event.decision]}")
        elif isinstance(event, ToolFinished):
            mark = "✓" if event.ok else "✗"
            timing = f" ({event.duration_s:.1f}s)" if event.duration_s >= 0.1 else ""
            self._write(f"  {mark} {event.summary or ('ok' if event.ok else 'failed')}{timing}")
            if not event.ok and event.summary in ("invalid", "error", "crashed"):
                self._write(
                    "    " + event.output.strip().splitlines()[0][:200] if event.output else ""
                )
        elif isinstance(event, Notice):
            self._write(event.text)

    def _write(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()


def report_end(finished: TurnFinished, err: TextIO) -> None:
    """The closing line on stderr for anything but plain success."""
    if finished.status in ("failed", "max_turns"):
        err.write(f"infercode: error: {finished.error}\n")
    elif finished.status == "interrupted":
        err.write("infercode: interrupted\n")
    elif finished.denied_calls:
        err.write(
            f"infercode: {finished.denied_calls} tool call(s) were denied; rerun with "
            "--allow read,edit,shell (the kinds you trust) or --yes to approve them\n"
        )
    err.flush()


def run_text(agent: Agent, prompt: str, *, quiet: bool = False) -> int:
    """Run one prompt to the end; print the final answer on stdout; return the exit status."""
    finished = drive(agent.run_turn(prompt), ProgressPrinter(sys.stderr, quiet))
    if finished.final_text and finished.status != "interrupted":
        sys.stdout.write(finished.final_text.rstrip("\n") + "\n")
        sys.stdout.flush()
    report_end(finished, sys.stderr)
    return exit_code(finished)

"""The headless runner: the same engine, the answer alone on stdout, progress on stderr."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from infercode.engine.compaction import compacted_text
from infercode.engine.events import (
    JSON,
    Compacted,
    Event,
    MessageDone,
    Notice,
    PlanUpdated,
    ToolDecided,
    ToolFinished,
    ToolRequested,
    TurnFinished,
)
from infercode.engine.output_schema import check_answer
from infercode.engine.plan import plan_markdown
from infercode.ui.drive import drive
from infercode.ui.headless.output_formats import RunRecord, event_record, write_line
from infercode.ui.services import SessionServices

if TYPE_CHECKING:
    from infercode.git.checkpoints import Checkpoints

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
    "denied_by_mode": "refused: plan mode is read-only",
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
        elif isinstance(event, Compacted):
            self._write(compacted_text(event))
        elif isinstance(event, PlanUpdated) and event.changed:
            self._write("plan:")
            for line in plan_markdown(event.explanation, event.steps).splitlines():
                self._write(f"  {line}" if line else "")

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


OutputFormat = Literal["text", "json", "stream-json"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("text", "json", "stream-json")


@dataclass(frozen=True)
class HeadlessOptions:
    output_format: OutputFormat = "text"
    quiet: bool = False
    output_schema: JSON | None = None
    last_message_file: Path | None = None
    session_id: str | None = None
    show_diff: bool = False


def run(services: SessionServices, prompt: str, options: HeadlessOptions) -> int:
    """Run one prompt to the end, print the answer in the chosen format, return the exit status.

    stdout carries only the chosen format; progress, warnings and errors go to stderr.
    """
    started = time.monotonic()
    record = RunRecord(session_id=options.session_id)
    progress = ProgressPrinter(sys.stderr, options.quiet or options.output_format == "stream-json")

    def handle(event: Event) -> None:
        record.observe(event)
        progress(event)
        if options.output_format == "stream-json":
            line = event_record(event)
            if line is not None:
                write_line(sys.stdout, line)

    finished = drive(services.agent.run_turn(prompt), handle)
    code = exit_code(finished)
    answer: object = finished.final_text if finished.status != "interrupted" else None
    error = finished.error
    if options.output_schema is not None and code in (EXIT_OK, EXIT_DENIED):
        answer, error = check_answer(finished.final_text, options.output_schema)
        if error is not None:
            code = EXIT_FAILED
            sys.stderr.write(f"infercode: error: {error}\n")
    if options.last_message_file is not None and finished.final_text:
        _write_last_message(options.last_message_file, finished.final_text)
    if options.output_format == "text":
        if isinstance(answer, str) and answer:
            sys.stdout.write(answer.rstrip("\n") + "\n")
        elif answer is not None and options.output_schema is not None:
            sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        duration = time.monotonic() - started
        if options.output_format == "stream-json" and error:
            write_line(sys.stdout, {"type": "error", "message": error, "kind": finished.error_kind})
        result = record.result(
            finished, exit_code=code, duration_s=duration, result=answer, error=error
        )
        write_line(sys.stdout, result)
    if options.show_diff:
        print_session_diff(services.checkpoints, sys.stderr)
    report_end(finished, sys.stderr)
    return code


def print_session_diff(checkpoints: Checkpoints | None, out: TextIO) -> None:
    """``--diff``: what infercode changed in this run, on stderr (stdout stays the answer)."""
    from infercode.git.checkpoints import CheckpointError

    if checkpoints is None:
        return
    try:
        diff = checkpoints.diff(color=out.isatty())
    except CheckpointError as error:
        out.write(f"infercode: cannot show the diff: {error}\n")
        return
    out.write(diff if diff else "infercode: no files changed\n")
    out.flush()


def _write_last_message(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    except OSError as error:
        sys.stderr.write(f"infercode: warning: cannot write {path}: {error.strerror}\n")

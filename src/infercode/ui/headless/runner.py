"""The headless runner: the same engine, the answer alone on stdout, progress on stderr."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from infercode.engine.compaction import compacted_text
from infercode.engine.events import (
    JSON,
    Compacted,
    Event,
    HookRan,
    MessageDone,
    Notice,
    PlanUpdated,
    ReasoningDelta,
    ReasoningDone,
    RequestStarted,
    ResponseCompleted,
    Retrying,
    TextDelta,
    ToolDecided,
    ToolFinished,
    ToolOutputDelta,
    ToolRequested,
    ToolStarted,
    TurnFinished,
    assert_never,
)
from infercode.engine.output_schema import check_answer
from infercode.engine.plan import plan_markdown
from infercode.redact import SecretMask
from infercode.ui.drive import drive
from infercode.ui.exit_signals import CaughtSignal, catch_exit_signals
from infercode.ui.headless.answer_stream import AnswerStream, MaskedDeltas
from infercode.ui.headless.output_formats import RunRecord, event_record, json_line, write_line
from infercode.ui.services import SessionServices
from infercode.ui.terminal_text import ansi_diff, safe_line, safe_text
from infercode.ui.tool_failure import failure_lines

if TYPE_CHECKING:
    from infercode.git.turn_hooks import CheckpointHooks

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_DENIED = 3
EXIT_INTERRUPTED = 130

DECISION_WORDS = {
    "approved": "approved",
    "approved_by_rule": "approved in advance",
    "denied": "denied by the user",
    "denied_by_rule": "refused by a deny_shell rule",
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

    def __init__(
        self,
        out: TextIO,
        quiet: bool = False,
        mask: SecretMask | None = None,
        *,
        commentary_shown: bool = False,
    ) -> None:
        """``commentary_shown``: model text already streams to the screen (``AnswerStream``)."""
        self.out = out
        self.quiet = quiet
        self.commentary_shown = commentary_shown
        self.mask = mask if mask is not None else SecretMask()
        self._last_message = ""

    def __call__(self, event: Event) -> None:
        if self.quiet:
            return
        match event:
            case MessageDone():
                self._last_message = event.text
            case ToolRequested():
                if self._last_message and not self.commentary_shown:
                    # a message followed by calls is commentary, not the answer
                    self._write(self._last_message.rstrip())
                    self._last_message = ""
                outside = " [OUTSIDE THE WORKSPACE]" if event.outside_workspace else ""
                name, summary = safe_line(event.call.name), safe_line(event.summary)
                self._write(f"→ {name}: {summary}{outside}")
            case ToolDecided():
                if event.decision not in ("approved", "approved_by_rule"):
                    self._write(f"  {DECISION_WORDS[event.decision]}")
            case ToolFinished():
                self._finished(event)
            case Notice():
                self._write(event.text)
            case Retrying():
                self._last_message = ""  # the broken attempt's text is not the answer
                self._write(event.text())
            case Compacted():
                self._write(compacted_text(event))
            case HookRan():
                self._write(event.text())
            case PlanUpdated():
                if event.changed:
                    self._write("plan:")
                    for line in plan_markdown(event.explanation, event.steps).splitlines():
                        self._write(f"  {line}" if line else "")
            case (
                RequestStarted()
                | TextDelta()
                | ReasoningDelta()
                | ReasoningDone()
                | ToolStarted()
                | ToolOutputDelta()
                | ResponseCompleted()
                | TurnFinished()
            ):
                pass  # progress shows calls and notices; the answer itself goes to stdout
            case _:
                assert_never(event)

    def _finished(self, event: ToolFinished) -> None:
        mark = "✓" if event.ok else "✗"
        timing = f" ({event.duration_s:.1f}s)" if event.duration_s >= 0.1 else ""
        summary = safe_line(event.summary or ("ok" if event.ok else "failed"))
        self._write(f"  {mark} {summary}{timing}")
        if not event.ok and event.summary in ("invalid", "error", "crashed"):
            for line in failure_lines(event.output):  # which edit, the closest region
                self._write("    " + line)

    def _write(self, line: str) -> None:
        # Every progress line passes the terminal choke point: it carries model and tool text.
        self.out.write(safe_text(self.mask.mask(line)) + "\n")
        self.out.flush()


def report_end(finished: TurnFinished, err: TextIO) -> None:
    """The closing line on stderr for anything but plain success."""
    if finished.status in ("failed", "max_turns"):
        err.write(f"infercode: error: {safe_text(str(finished.error))}\n")
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
    #: The API key (and its encoded forms) masked in everything written (tools mask it at the
    #: source already; this also covers model text).
    mask: SecretMask = field(default_factory=SecretMask)
    notices: tuple[str, ...] = ()
    """Said once at start (the no-sandbox warning): a ``notice`` line in stream-json."""


def run(services: SessionServices, prompt: str, options: HeadlessOptions) -> int:
    """Run one prompt to the end, print the answer in the chosen format, return the exit status.

    stdout carries only the chosen format; progress, warnings and errors go to stderr.
    """
    started = time.monotonic()
    record = RunRecord(session_id=options.session_id)
    mask = options.mask
    quiet = options.quiet or options.output_format == "stream-json"
    # On a terminal the answer streams as in the REPL; piped or redirected, stdout gets the
    # finished answer alone (and a JSON Schema answer is only printed once checked).
    answer_stream = (
        AnswerStream(sys.stdout, mask)
        if options.output_format == "text" and options.output_schema is None and _on_terminal()
        else None
    )
    progress = ProgressPrinter(sys.stderr, quiet, mask, commentary_shown=answer_stream is not None)
    deltas = MaskedDeltas(mask)

    def handle(event: Event) -> None:
        record.observe(event)
        if answer_stream is not None:
            answer_stream(event)
        progress(event)
        if options.output_format == "stream-json":
            for masked in deltas(event):
                line = event_record(masked)
                if line is not None:
                    write_line(sys.stdout, line, mask.mask)

    # SIGTERM/SIGHUP stop the turn as Ctrl-C does (the engine answers the call it was running);
    # the run then ends with 143/129. A signal after the turn ends it from wherever it lands.
    if options.output_format == "stream-json":
        for notice in options.notices:
            write_line(sys.stdout, {"type": "notice", "text": notice}, mask.mask)
    with catch_exit_signals() as caught:
        finished = drive(services.agent.run_turn(prompt), handle)
        streamed = answer_stream is not None and answer_stream.wrote
        return _conclude(services, finished, options, record, started, caught, streamed)


def _conclude(
    services: SessionServices,
    finished: TurnFinished,
    options: HeadlessOptions,
    record: RunRecord,
    started: float,
    caught: CaughtSignal,
    streamed: bool = False,
) -> int:
    """Print the answer in the chosen format (unless it already streamed to the terminal)."""
    mask = options.mask
    code = exit_code(finished) if caught.exit_code is None else caught.exit_code
    answer: object = finished.final_text if finished.status != "interrupted" else None
    error = finished.error
    if options.output_schema is not None and code in (EXIT_OK, EXIT_DENIED):
        answer, error = check_answer(finished.final_text, options.output_schema)
        if error is not None:
            code = EXIT_FAILED
            sys.stderr.write(f"infercode: error: {safe_text(error)}\n")
    if options.last_message_file is not None and finished.final_text:
        _write_last_message(options.last_message_file, mask.mask(finished.final_text))
    if options.output_format == "text":
        if streamed:
            pass  # the answer is on the screen already
        elif isinstance(answer, str) and answer:
            # On a terminal the answer passes the choke point; into a pipe or a file it is data.
            answer = mask.mask(answer)
            shown = safe_text(answer) if sys.stdout.isatty() else answer
            sys.stdout.write(shown.rstrip("\n") + "\n")
        elif answer is not None and options.output_schema is not None:
            sys.stdout.write(mask.mask(json_line(answer)) + "\n")
        sys.stdout.flush()
    else:
        duration = time.monotonic() - started
        if options.output_format == "stream-json" and error:
            failure: JSON = {"type": "error", "message": error, "kind": finished.error_kind}
            write_line(sys.stdout, failure, mask.mask)
        result = record.result(
            finished, exit_code=code, duration_s=duration, result=answer, error=error
        )
        write_line(sys.stdout, result, mask.mask)
    if options.show_diff:
        print_session_diff(services.checkpoints, sys.stderr)
    if caught.exit_code is not None:
        sys.stderr.write(f"infercode: stopped by {safe_line(caught.name)}\n")
        sys.stderr.flush()
    else:
        report_end(finished, sys.stderr)
    return code


def print_session_diff(checkpoints: CheckpointHooks | None, out: TextIO) -> None:
    """``--diff``: what infercode changed in this run, on stderr (stdout stays the answer)."""
    from infercode.git.checkpoints import CheckpointError

    if checkpoints is None:
        return
    if checkpoints.broken:
        why = safe_text(checkpoints.broken)
        out.write(f"infercode: cannot show the diff: checkpoints are off: {why}\n")
        return
    try:
        # Uncolored from git, colored here: file content in it must pass the choke point, and
        # git's own color codes would not survive it.
        diff = checkpoints.checkpoints.diff(color=False)
    except CheckpointError as error:
        out.write(f"infercode: cannot show the diff: {safe_text(str(error))}\n")
        return
    if not diff:
        out.write("infercode: no files changed\n")
    else:
        out.write(ansi_diff(diff) + "\n" if out.isatty() else safe_text(diff, strict=True))
    out.flush()


def _write_last_message(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    except OSError as error:
        where = safe_line(str(path))
        sys.stderr.write(f"infercode: warning: cannot write {where}: {error.strerror!s}\n")


def _on_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stdout
        return False

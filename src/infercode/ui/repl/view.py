"""The REPL's view of a turn: engine events in, terminal output out.

Everything permanent is printed into normal scrollback once. A single transient ``rich.live.Live``
shows what is still changing — the unsettled tail of the reply or reasoning, the last lines of a
running command, and a status line — and is stopped before anything asks the user a question.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from infercode.engine.compaction import compacted_text
from infercode.engine.events import (
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
from infercode.ui.diff_view import colored_diff
from infercode.ui.repl.plan_view import plan_lines
from infercode.ui.repl.render import (
    Line,
    Lines,
    TextStream,
    markdown_stream,
    plain_stream,
)
from infercode.ui.repl.shell_output import ShellOutput
from infercode.ui.terminal_text import safe_line, safe_rich, safe_text
from infercode.ui.tool_failure import failure_lines

#: Live refreshes per second: this is the render throttle for the tail (at most one render per
#: 50 ms, however fast deltas arrive).
REFRESH_HZ = 20
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class _LiveArea:
    """The live region's content, rendered when rich refreshes it (at most ``REFRESH_HZ``)."""

    def __init__(self, view: TurnView) -> None:
        self.view = view

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        view = self.view
        width = options.max_width
        lines: list[Line] = []
        lines += view.reasoning.tail_lines(width)
        lines += view.message.tail_lines(width)
        if view.shell is not None:
            for text in view.shell.live_lines():
                lines.append([Segment("  │ " + text[: max(width - 4, 1)], Style(dim=True))])
        status = view.status_line(width)
        # Never taller than the screen: rich could not move the cursor back over the overflow.
        budget = max(1, options.size.height - 2 - len(status))
        yield from Lines([*lines[-budget:], *status]).__rich_console__(console, options)


class TurnView:
    """Consumes a turn's events (``drive(events, view)``) and draws them."""

    def __init__(
        self,
        console: Console,
        *,
        show_reasoning: Callable[[], bool],
        model_name: Callable[[], str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console
        self.show_reasoning = show_reasoning
        self.model_name = model_name
        self.clock = clock
        self.message: TextStream = markdown_stream(console, self._emitter("message"))
        self.reasoning: TextStream = plain_stream(console, self._emitter("reasoning"))
        self.shell: ShellOutput | None = None
        self._live: Live | None = None
        self._phase = ""
        self._phase_since = clock()
        self._block = ""
        self._streamed_message = False
        self._requests: dict[str, ToolRequested] = {}

    # -- the live region ------------------------------------------------------------------------

    def _start_live(self) -> None:
        if self._live is None:
            self._live = Live(
                _LiveArea(self),
                console=self.console,
                transient=True,
                auto_refresh=True,
                refresh_per_second=REFRESH_HZ,
                redirect_stdout=False,
                redirect_stderr=False,
                vertical_overflow="visible",
            )
            self._live.start()

    def _stop_live(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.stop()

    def pause(self) -> None:
        """Settle everything and stop the live display (before a question to the user)."""
        self._finish_streams()
        self._stop_live()

    def _set_phase(self, phase: str) -> None:
        if phase != self._phase:
            self._phase = phase
            self._phase_since = self.clock()
            if phase in ("writing", "thinking") and self._live is not None:
                # A stream's first token is drawn at once, not at the next refresh tick (up to
                # 1/REFRESH_HZ later); the tokens after it ride the throttled refresh.
                self._live.refresh()

    def status_line(self, width: int) -> list[Line]:
        if not self._phase:
            return []
        now = self.clock()
        frame = SPINNER[int(now * 10) % len(SPINNER)]
        elapsed = now - self._phase_since
        text = f"{self._phase} {elapsed:.0f}s · Ctrl-C to stop"[: max(width - 2, 1)]
        return [[Segment(frame + " ", Style(color="cyan")), Segment(text, Style(dim=True))]]

    # -- printing --------------------------------------------------------------------------------

    def _output_lock(self) -> AbstractContextManager[object]:
        """Hold the live display's lock for a whole print, write included.

        ``console.print`` alone takes that lock only while it positions the cursor, and writes
        after releasing it; rich's refresh thread could then write its frame in between, from
        the wrong cursor position, and a printed line would be overwritten. (rich's own refresh
        thread holds ``Live._lock`` the same way.)
        """
        live = self._live
        return live._lock if live is not None else nullcontext()

    def _emitter(self, block: str) -> Callable[[list[Line]], None]:
        def emit(lines: list[Line]) -> None:
            with self._output_lock():
                self._enter_block(block)
                self.console.print(Lines(lines))

        return emit

    def _enter_block(self, block: str) -> None:
        """A blank line between different kinds of output (reasoning, answer, tools)."""
        if self._block and self._block != block:
            self.console.print()
        self._block = block

    def _print(self, block: str, *renderables: Text | str) -> None:
        with self._output_lock():
            self._enter_block(block)
            for renderable in renderables:
                self.console.print(renderable, highlight=False, soft_wrap=False)

    def _finish_streams(self) -> None:
        width = self.console.width
        self.reasoning.finish(width)
        self.message.finish(width)

    # -- events ----------------------------------------------------------------------------------

    def __call__(self, event: Event) -> None:
        match event:
            case TextDelta():
                if self.reasoning.active:  # the answer starts: reasoning is over, settle it
                    self.reasoning.finish(self.console.width)
                self._streamed_message = True
                self.message.feed(event.text)
                self._set_phase("writing")
            case ReasoningDelta():
                if self.show_reasoning():
                    self.reasoning.feed(event.text)
                self._set_phase("thinking")
            case RequestStarted():
                self._streamed_message = False
                self._set_phase(f"waiting for {self.model_name()}")
                self._start_live()
            case ReasoningDone():
                self.reasoning.finish(self.console.width)
            case MessageDone():
                if not self._streamed_message:
                    self.message.feed(event.text)  # a server that sent no deltas
                self.message.finish(self.console.width)
                self._streamed_message = False
            case ToolOutputDelta():
                if self.shell is not None:
                    self.shell.feed(event.text)
            case ToolRequested():
                self.pause()
                self._requests[event.call.call_id] = event
                self._print_request(event)
            case ToolDecided():
                self._on_decided(event)
            case ToolStarted():
                self._on_started(event)
            case ToolFinished():
                self._on_finished(event)
            case Notice():
                self.pause()
                self._print("notice", Text(safe_text(event.text), style="dim"))
            case HookRan():
                self.pause()
                style = "dim" if event.outcome == "ok" else "yellow"
                self._print("notice", Text(f"  ↪ {safe_text(event.text())}", style=style))
            case Compacted():
                self.pause()
                self._print("notice", Text(safe_text(compacted_text(event)), style="dim"))
            case Retrying():
                self._on_retrying(event)
            case TurnFinished():
                self._on_turn_finished(event)
            case PlanUpdated():
                if event.changed:  # a checklist only when the plan changed
                    self.pause()
                    self._print("plan", *plan_lines(event.explanation, event.steps))
            case ResponseCompleted():
                pass  # the bottom toolbar shows the tokens
            case _:
                assert_never(event)

    def _on_started(self, event: ToolStarted) -> None:
        request = self._requests.get(event.call.call_id)
        if request is not None and request.kind in ("shell", "escalate"):
            self.shell = ShellOutput()
            self._set_phase("running")
            self._start_live()

    def _on_retrying(self, event: Retrying) -> None:
        """The attempt's text is not the answer: drop it from the live area; say so if part of
        it already went to scrollback (which cannot be taken back)."""
        printed = self.message.discard()
        printed = self.reasoning.discard() or printed
        self._streamed_message = False
        note = " (the partial reply above is discarded)" if printed else ""
        self._print("notice", Text(safe_text(event.text()) + note, style="yellow"))
        self._block = ""
        self._set_phase(f"{event.reason}: retry {event.attempt}/{event.max_attempts}")
        self._start_live()

    def _print_request(self, event: ToolRequested) -> None:
        line = Text("● ", style="bold cyan")
        line.append_text(safe_rich(event.summary, "bold", line=True))
        if event.outside_workspace:
            line.append("  ⚠ outside the workspace", style="bold red")
        self._print("tool", line)

    def _on_decided(self, event: ToolDecided) -> None:
        request = self._requests.get(event.call.call_id)
        if event.decision == "approved_by_rule" and request is not None:
            if request.kind == "edit" and request.detail:
                self._print("tool", _indented(colored_diff(request.detail, max_lines=200)))
        elif event.decision == "denied_by_rule":
            self._print("tool", Text("  refused by a deny_shell rule (not asked)", style="yellow"))
        elif event.decision == "denied" and event.message:
            self._print("tool", Text(f"  told the model: {safe_line(event.message)}", style="dim"))

    def _on_finished(self, event: ToolFinished) -> None:
        request = self._requests.pop(event.call.call_id, None)
        self._set_phase("")
        self._print_shell_output()
        self._stop_live()
        summary = event.summary or ("done" if event.ok else "failed")
        if request is not None and summary == request.summary:
            summary = "applied" if request.kind == "edit" else "done"
        line = Text(f"  {'✓' if event.ok else '✗'} ", style="green" if event.ok else "red")
        line.append(safe_line(summary))
        shell = request is not None and request.kind in ("shell", "escalate")
        if not shell and event.duration_s >= 1.0:  # a shell summary has its own time
            line.append(f" ({event.duration_s:.1f}s)", style="dim")
        self._print("tool", line)
        if not event.ok and event.summary in ("invalid", "error", "crashed") and event.output:
            lines = failure_lines(event.output)  # which edit failed, the closest region...
            self._print("tool", *(Text(f"    {line}", style="dim") for line in lines))

    def _print_shell_output(self, interrupted: bool = False) -> None:
        shell, self.shell = self.shell, None
        if shell is None:
            return
        for text in shell.summary_lines():
            line = Text(f"  │ {text}", "dim")
            # One row per output line (cut, not wrapped): the result stays short.
            line.truncate(max(self.console.width - 1, 10), overflow="ellipsis")
            self._print("tool", line)
        if interrupted:  # the engine reports no ToolFinished for a call it stopped
            self._print("tool", Text("  ✗ interrupted", style="red"))

    def _on_turn_finished(self, event: TurnFinished) -> None:
        self._set_phase("")
        self._finish_streams()
        self._print_shell_output(interrupted=event.status == "interrupted")
        self._stop_live()
        if event.status == "interrupted":
            self._print("end", Text("⏹ interrupted", style="yellow"))
        elif event.status == "failed":
            self._print("end", Text(f"error: {safe_text(str(event.error))}", style="bold red"))
            self._print("end", Text("/retry sends the request again", style="dim"))
        elif event.status == "max_turns":
            self._print("end", Text(safe_text(str(event.error)), style="yellow"))
        self._block = ""
        self._requests.clear()

    def close(self) -> None:
        """Leave the terminal clean whatever happened (also after an exception)."""
        self._set_phase("")
        self.shell = None
        try:
            self._finish_streams()
        finally:
            self._stop_live()


def _indented(text: Text, prefix: str = "  ") -> Text:
    out = Text()
    for line in text.split("\n"):
        out.append(prefix)
        out.append_text(line)
        out.append("\n")
    out.rstrip()
    return out

"""The interactive REPL: prompt-toolkit input, the engine's events drawn by ``TurnView``.

The REPL reads a line, runs slash commands itself, and hands everything else (with ``@path``
attachments expanded) to ``Agent.run_turn``; it holds no engine logic. The openai client is
imported in a background thread while the user types the first message (it costs ~0.5 s).
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.styles import Style
from rich.console import Console
from rich.text import Text

from infercode import __version__
from infercode.config.paths import state_dir
from infercode.config.settings import Settings
from infercode.engine.approval import Approver
from infercode.engine.events import Event
from infercode.private_paths import private_dir, private_file, reason
from infercode.ui.drive import drive
from infercode.ui.exit_signals import Terminated, catch_exit_signals
from infercode.ui.notify import Notifier
from infercode.ui.repl.bang import BangResult, bang_command, run_bang
from infercode.ui.repl.commands.builtin import default_commands
from infercode.ui.repl.commands.custom import add_custom_commands
from infercode.ui.repl.commands.modes import cycle_mode
from infercode.ui.repl.commands.registry import ExitRepl, ReplState, parse_command
from infercode.ui.repl.completion import FileIndex, ReplCompleter, expand_attachments
from infercode.ui.repl.confirm import ConfirmApprover
from infercode.ui.repl.esc_watch import EscWatch, WatchedApprover, printable
from infercode.ui.repl.keys import key_bindings, quiet_input
from infercode.ui.repl.recap import redraw
from infercode.ui.repl.toolbar import BranchCache, short_path, toolbar_text
from infercode.ui.repl.view import TurnView
from infercode.ui.services import SessionServices
from infercode.ui.terminal_text import safe_console, safe_line, safe_text

EXIT_OK = 0
DOUBLE_INTERRUPT_S = 2.0
PROMPT: StyleAndTextTuples = [("class:prompt", "› ")]
STYLE = Style.from_dict({"prompt": "bold", "bottom-toolbar": "reverse"})


def _history(notes: list[str]) -> History:
    """The input history file (0600: prompts can hold secrets), or one in memory if the state
    dir cannot be written (a read-only home must not stop the REPL; ``notes`` says so)."""
    try:
        path = private_file(private_dir(state_dir()) / "history")
        return FileHistory(str(path))
    except OSError as error:
        notes.append(f"input history is not saved: {reason(error)}")
        return InMemoryHistory()


#: How many last lines of a ``!cmd`` output the screen shows (the message gets more).
BANG_LINES = 40


class Repl:
    def __init__(
        self,
        settings: Settings,
        root: Path,
        build: Callable[[Approver], SessionServices],
        *,
        console: Console | None = None,
    ) -> None:
        """``build`` makes the session around the approver the REPL asks with (cli/wiring.py)."""
        if console is None:
            from infercode.redact import SecretMask

            console = safe_console(SecretMask([settings.api_key]))
        self.console = console
        self.view = TurnView(
            self.console,
            show_reasoning=lambda: self.state.show_reasoning,
            model_name=lambda: self.state.settings.model,
        )
        self._watch: EscWatch | None = None  # while a turn runs on a terminal
        self._typed = ""  # what was typed during the last turn, for the next prompt
        self.notifier = Notifier(
            sys.stdout, enabled=settings.notify, after_s=settings.notify_after_s
        )
        approver = ConfirmApprover(self.console, self._before_question)
        self.services = build(WatchedApprover(approver, lambda: self._watch))
        self.state = ReplState(
            console=self.console,
            agent=self.services.agent,
            settings=settings,
            root=root,
            commands=default_commands(),
            list_models=self.services.list_models,
            recorder=self.services.recorder,
            checkpoints=self.services.checkpoints,
            send=self._send,
            sandbox=self.services.sandbox,
            retry=self._retry,
            mcp=self.services.mcp,
        )
        self.services.warnings.extend(add_custom_commands(self.state.commands, root))
        self.branch = BranchCache(root)
        self.files = FileIndex(root)
        self._last_interrupt = float("-inf")
        self._warmed = False
        self._bang: BangResult | None = None  # the last !cmd's output, for the next message

    def toolbar(self) -> str:
        state = self.state
        return toolbar_text(
            state.settings.model,
            state.root,
            self.branch.get(),
            state.context_used(),
            state.settings.context_window(),
            state.agent.approval_mode,
        )

    def _session(self, notes: list[str]) -> PromptSession[str]:
        return PromptSession(
            history=_history(notes),
            completer=ReplCompleter(self.state.commands, self.state, self.files),
            complete_while_typing=True,
            complete_in_thread=True,
            key_bindings=key_bindings(lambda: cycle_mode(self.state)),
            bottom_toolbar=self.toolbar,
            multiline=False,
            prompt_continuation="  ",
            style=STYLE,
        )

    def _banner(self) -> None:
        where = short_path(self.state.root)
        branch = self.branch.get()
        title = Text(f"infercode {__version__}", style="bold")
        title.append(
            safe_line(
                f" · {self.state.settings.model} · {where}" + (f" ({branch})" if branch else "")
            )
        )
        self.console.print(title, highlight=False)
        self.console.print(
            Text("/help lists commands and keys · @path attaches a file · Ctrl-D leaves", "dim")
        )
        sandbox = self.services.sandbox
        warning = sandbox.warning() if sandbox is not None else None
        if warning is not None:
            self.console.print(Text(safe_text(warning), style="bold yellow"), highlight=False)

    def run(self, first_message: str | None = None) -> int:
        history_notes: list[str] = []
        session = self._session(history_notes)
        self._banner()
        for note in [*self.services.notes, *history_notes]:
            self.console.print(Text(safe_text(note), style="dim"), highlight=False)
        self._show_warnings()
        self._redraw()
        # What the first turn needs is loaded once the prompt is drawn, while the user types.
        session.app.after_render += self._warm_up
        # SIGTERM/SIGHUP stop a running turn as Ctrl-C does, then leave with 143/129.
        with catch_exit_signals() as caught:
            try:
                if first_message and first_message.strip():
                    self._warm_up()
                    self.console.print(
                        Text("› ", style="bold") + Text(first_message), highlight=False
                    )
                    self._handle(first_message)
                while caught.exit_code is None:
                    try:
                        text = session.prompt(PROMPT, default=self._typed)
                        self._typed = ""
                    except KeyboardInterrupt:
                        if caught.exit_code is not None or self._second_interrupt():
                            break
                        continue
                    except EOFError:
                        break
                    self._handle(text)
            except ExitRepl as done:
                return done.code
            except Terminated:
                pass  # landed outside a turn (in a command, or the REPL's own code)
            finally:
                self._close_session(caught.exit_code is None)
            return caught.exit_code if caught.exit_code is not None else EXIT_OK

    def _close_session(self, say_how_to_resume: bool) -> None:
        recorder = self.services.recorder
        if recorder is None:
            return
        if recorder.id and say_how_to_resume:  # how to come back to this conversation
            self.console.print(
                Text(f"Resume this session: infercode --resume {recorder.id}", "dim"),
                highlight=False,
            )
        recorder.close()

    def _redraw(self) -> None:
        """A resumed conversation is drawn again, so the user sees where it stands."""
        items = self.state.agent.transcript()
        if items:
            redraw(
                self.console,
                items,
                show_reasoning=self.state.show_reasoning,
                model_name=lambda: self.state.settings.model,
            )

    def _warm_up(self, _app: object = None) -> None:
        """Import openai and build its client, take the first checkpoint snapshot and load the
        Markdown renderer, in background threads: after the first prompt is drawn (not before:
        they would slow it down), and before the first message is sent."""
        if self._warmed:
            return
        self._warmed = True
        self.services.warm_up()  # git does that work in its own processes
        threading.Thread(target=self._warm_up_in_order, name="warm-up", daemon=True).start()

    def _warm_up_in_order(self) -> None:
        """One thing at a time, so that typing and completion stay responsive meanwhile."""
        self.files.files()  # the @path index
        self.services.start_client()
        _warm_up_rendering()

    def _second_interrupt(self) -> bool:
        now = time.monotonic()
        if now - self._last_interrupt < DOUBLE_INTERRUPT_S:
            return True
        self._last_interrupt = now
        self.console.print(Text("(Ctrl-C again within 2 s, or Ctrl-D, to leave)", style="dim"))
        return False

    def _show_warnings(self) -> None:
        """Warnings that came in the background (an MCP server failed), at the next chance."""
        warnings = self.services.warnings
        while warnings:
            self.console.print(
                Text(f"  ⚠ {safe_text(warnings.pop(0))}", style="yellow"), highlight=False
            )

    def _handle(self, text: str) -> None:
        """One line of input: a command, or a message for the model. Ctrl-C ends it quietly."""
        self._show_warnings()
        try:
            if not text.strip():
                return
            command_line = bang_command(text)
            if command_line is not None:
                self._run_bang(command_line)
                return
            parsed = parse_command(text)
            if parsed is None:
                self._send(text)
                return
            name, arg = parsed
            command = self.state.commands.get(name)
            if command is None:
                self.console.print(
                    Text(
                        f"Unknown command /{name} (nothing was sent); /help lists them.", "yellow"
                    ),
                    highlight=False,
                )
                return
            command.handler(self.state, arg)
            self.console.print()
        except KeyboardInterrupt:
            self.view.close()
            self.console.print(Text("⏹ interrupted", style="yellow"))

    def _send(self, text: str) -> None:
        mcp = self.services.mcp
        if mcp is not None and any(view.status == "starting" for view in mcp.views()):
            # The model should see the servers' tools from its first request on.
            self.console.print(Text("  waiting for MCP servers to start…", "dim"))
            mcp.wait_ready()
            self._show_warnings()
        message, notes = expand_attachments(text, self.state.root)
        for note in notes:
            self.console.print(Text(f"  {safe_text(note)}", style="dim"), highlight=False)
        if self._bang is not None:  # the !cmd output the user chose to keep goes along
            message = f"{self._bang.context()}\n\n{message}"
            self._bang = None
        self._drive(self.state.agent.run_turn(message))

    def _run_bang(self, command: str) -> None:
        """``!cmd``: run it now (the user's own, no approval); ``!`` alone drops kept output."""
        if not command:
            dropped = self._bang is not None
            self._bang = None
            note = "  the !command output was dropped" if dropped else "  usage: !command"
            self.console.print(Text(note, "dim"))
            return
        result = run_bang(command, self.state.root)
        lines = result.output.rstrip("\n").split("\n") if result.output.strip() else []
        shown = lines[-BANG_LINES:]
        if len(lines) > len(shown):
            self.console.print(Text(f"  … {len(lines) - len(shown)} earlier lines", "dim"))
        for line in shown:
            self.console.print(Text(safe_line(line)), highlight=False, soft_wrap=True)
        status = "" if result.exit_code == 0 else f"exit code {result.exit_code}; "
        self.console.print(
            Text(f"  {status}output attached to your next message (! alone drops it)", "dim")
        )
        self._bang = result

    @contextlib.contextmanager
    def _esc_stops(self) -> Iterator[None]:
        """Esc stops the turn as Ctrl-C does (a thread reads the keys meanwhile)."""
        if not sys.stdin.isatty():
            yield
            return
        self._watch = watch = EscWatch(sys.stdin.fileno())
        watch.start()
        try:
            yield
        finally:
            self._watch = None
            watch.stop()
            self._typed = printable(bytes(watch.typed))

    def _retry(self) -> None:
        self._drive(self.state.agent.retry_turn())

    def _before_question(self) -> None:
        self.view.pause()
        self.notifier.approval_waits()

    def _drive(self, turn: Generator[Event, None, None]) -> None:
        self.notifier.turn_started()
        with quiet_input(), self._esc_stops():
            try:
                finished = drive(turn, self.view)
                self.state.last_turn = finished.usage
                self.state.last_failed = finished.status == "failed"
                self.state.last_answer = finished.final_text
            except Exception:
                # A bug in a renderer must not end the session; the engine kept history valid.
                self.console.print_exception(max_frames=8)
            finally:
                self.view.close()
                self.notifier.turn_ended()
        self._show_warnings()
        self.console.print()


def _warm_up_rendering() -> None:
    from infercode.ui.repl.render import warm_up

    warm_up(Console(file=io.StringIO(), width=80, color_system="truecolor"))

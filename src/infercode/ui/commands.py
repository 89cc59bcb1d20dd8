"""Slash commands: a registry of name, help and handler, plus the built-in ones.

Adding a command (``/undo``, ``/diff``) is one ``registry.add(Command(...))``; the REPL, ``/help``
and completion all read the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from infercode.agent import Agent
from infercode.compaction import Compactor, estimate_tokens
from infercode.config import Settings
from infercode.errors import InfercodeError
from infercode.events import Usage
from infercode.ui.toolbar import format_tokens

if TYPE_CHECKING:
    from infercode.recorder import SessionRecorder


class ExitRepl(Exception):
    """Raised by a command to leave the REPL with ``code``."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class ReplState:
    """What commands (and the toolbar) may look at and change."""

    console: Console
    agent: Agent
    settings: Settings
    root: Path
    commands: CommandRegistry
    list_models: Callable[[], list[str]]
    show_reasoning: bool = True
    _models: list[str] | None = field(default=None, repr=False)
    recorder: SessionRecorder | None = None
    """Writes the conversation to its session file; None when this run records none."""
    send: Callable[[str], None] | None = None
    """Sends a message to the model as if typed (``/init``)."""
    retry: Callable[[], None] | None = None
    """Sends the failed turn again, without a second copy of the message (``/retry``)."""
    last_failed: bool = False
    """The last turn ended with an error (what ``/retry`` is for)."""
    last_turn: Usage = field(default_factory=Usage)
    """Tokens of the last user turn, all its requests together."""

    def model_names(self) -> list[str]:
        """The server's models (``GET /models``, asked once), else the ones we know."""
        if self._models is None:
            try:
                self._models = self.list_models()
            except InfercodeError:
                self._models = []
        return self._models or sorted(self.settings.context_windows)

    def set_model(self, name: str) -> None:
        self.settings = self.settings.with_overrides(model=name)
        self.agent.options = replace(self.agent.options, model=name)
        hook = self.agent.request_hook
        if isinstance(hook, Compactor):  # compact against the new model's window
            hook.window = self.settings.context_window()

    def context_used(self) -> int:
        """Tokens the next request would carry: the last response's count plus what came since
        (chars/4), or an estimate of the whole history right after a resume or compaction."""
        return estimate_tokens(self.agent)


Handler = Callable[[ReplState, str], None]


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    handler: Handler
    usage: str = ""
    """How the argument is written in /help, e.g. ``[NAME]``."""
    complete: Callable[[ReplState], list[str]] | None = None
    """Values offered when completing the argument."""
    aliases: tuple[str, ...] = ()


class CommandRegistry:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._aliases: dict[str, str] = {}

    def add(self, command: Command) -> None:
        self._commands[command.name] = command
        for alias in command.aliases:
            self._aliases[alias] = command.name

    def get(self, name: str) -> Command | None:
        return self._commands.get(self._aliases.get(name, name))

    def __iter__(self) -> Iterator[Command]:
        return iter(list(self._commands.values()))


def parse_command(text: str) -> tuple[str, str] | None:
    """``/model gpt`` -> ("model", "gpt"); None when the text is not a command.

    A first word with another slash (``/usr/bin/env is broken``) is a path, so a message.
    """
    stripped = text.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return None
    word, _, arg = stripped[1:].partition(" ")
    if "/" in word or "\n" in word:
        return None
    return word, arg.strip()


# -- the built-in commands --------------------------------------------------------------------

KEYS_HELP = """\
Enter sends · Alt-Enter or Ctrl-J: new line · Up/Down: history · Ctrl-R: search history
Tab completes /commands and @paths · @path attaches a workspace file to your message
Ctrl-C stops the reply or the running command; at a question it denies and stops the turn
Ctrl-C on an empty prompt twice (within 2 s) or Ctrl-D leaves"""

EXIT_HELP = """\
Exit status: 0 whenever you leave the REPL (/exit, Ctrl-D, Ctrl-C twice), even after an \
interrupted turn; 2 for a usage or configuration error at start."""


def _help(state: ReplState, arg: str) -> None:
    table = Table.grid(padding=(0, 2))
    for command in state.commands:
        name = f"/{command.name}" + (f" {command.usage}" if command.usage else "")
        table.add_row(Text(name, style="bold"), command.help)
    state.console.print(table)
    state.console.print(Text(KEYS_HELP, style="dim"))
    state.console.print(Text(EXIT_HELP, style="dim"))


def _clear(state: ReplState, arg: str) -> None:
    state.agent.history.replace([])
    state.agent.last_usage = Usage()
    state.agent.usage_mark = 0
    if state.recorder is not None:
        state.recorder.start_new()  # the old conversation stays resumable
    state.console.print(
        Text("Started a new conversation (the model sees no earlier messages).", "dim")
    )


def _model(state: ReplState, arg: str) -> None:
    names = state.model_names()
    if not arg:
        for name in names:
            mark = "*" if name == state.settings.model else " "
            window = state.settings.context_windows.get(name)
            extra = f"  ({format_tokens(window)} context)" if window else ""
            state.console.print(Text(f"{mark} {name}{extra}"), highlight=False)
        state.console.print(Text("/model NAME switches.", style="dim"))
        return
    if state._models and arg not in state._models:
        state.console.print(
            Text(f"Unknown model {arg!r}; the server has: {', '.join(names)}", style="yellow")
        )
        return
    state.set_model(arg)
    context = format_tokens(state.settings.context_window())
    state.console.print(Text(f"Model: {arg} ({context} context)", style="dim"))


def _usage(state: ReplState, arg: str) -> None:
    total = state.agent.usage_total
    window = state.settings.context_window()
    used = state.context_used()
    left = max(window - used, 0)
    share = 100 * used / window if window else 0.0
    turn = state.last_turn
    lines = [
        f"Last turn: {turn.input_tokens:,} input tokens ({turn.cached_tokens:,} cached), "
        f"{turn.output_tokens:,} output ({turn.reasoning_tokens:,} reasoning).",
        f"Session: {total.input_tokens:,} input tokens ({total.cached_tokens:,} cached), "
        f"{total.output_tokens:,} output ({total.reasoning_tokens:,} reasoning).",
        f"Context: {used:,} of {window:,} tokens ({share:.0f}%) used by the conversation; "
        f"{left:,} left ({100 - share:.0f}% of the {state.settings.model} window).",
    ]
    for line in lines:
        state.console.print(line, highlight=False)


def _reasoning(state: ReplState, arg: str) -> None:
    value = arg.lower()
    if value in ("on", "off"):
        state.show_reasoning = value == "on"
    elif value:
        state.console.print(Text("Use /reasoning on or /reasoning off.", style="yellow"))
        return
    else:
        state.show_reasoning = not state.show_reasoning
    shown = "shown" if state.show_reasoning else "hidden (still kept in history)"
    state.console.print(Text(f"Reasoning is {shown}.", style="dim"))


def _retry(state: ReplState, arg: str) -> None:
    if not state.last_failed or state.retry is None or not len(state.agent.history):
        state.console.print(Text("Nothing to retry: the last turn did not fail.", style="dim"))
        return
    state.retry()


def _exit(state: ReplState, arg: str) -> None:
    raise ExitRepl(0)


def default_commands() -> CommandRegistry:
    registry = CommandRegistry()
    registry.add(Command("help", "this help", _help))
    registry.add(Command("clear", "start a new conversation (empties the history)", _clear))
    registry.add(
        Command(
            "model",
            "list the models, or switch to NAME",
            _model,
            usage="[NAME]",
            complete=ReplState.model_names,
        )
    )
    registry.add(Command("usage", "tokens used this session and context left", _usage))
    registry.add(Command("retry", "send a failed turn again (the message is not repeated)", _retry))
    registry.add(
        Command(
            "reasoning",
            "show or hide the model's reasoning (kept in history either way)",
            _reasoning,
            usage="[on|off]",
            complete=lambda _state: ["on", "off"],
        )
    )
    registry.add(Command("exit", "leave infercode (also Ctrl-D)", _exit, aliases=("quit",)))
    from infercode.ui.session_commands import add_session_commands  # it imports this module

    add_session_commands(registry)
    from infercode.ui.git_commands import add_git_commands  # it imports this module too

    add_git_commands(registry)
    return registry

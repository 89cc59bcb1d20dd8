"""Slash commands: a registry of name, help and handler, plus the built-in ones.

Adding a command (``/undo``, ``/diff``) is one ``registry.add(Command(...))``; the REPL, ``/help``
and completion all read the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from infercode.config.settings import Settings
from infercode.engine.agent import Agent
from infercode.engine.compaction import estimate_tokens
from infercode.engine.events import Usage
from infercode.errors import InfercodeError

if TYPE_CHECKING:
    from infercode.git.turn_hooks import CheckpointHooks
    from infercode.sandbox import Sandbox
    from infercode.store.recorder import SessionRecorder
    from infercode.ui.services import McpControl


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
    checkpoints: CheckpointHooks | None = None
    """The turn snapshots behind /undo and /diff; None when checkpoints are off."""
    send: Callable[[str], None] | None = None
    """Sends a message to the model as if typed (``/init``)."""
    retry: Callable[[], None] | None = None
    """Sends the failed turn again, without a second copy of the message (``/retry``)."""
    last_failed: bool = False
    """The last turn ended with an error (what ``/retry`` is for)."""
    last_turn: Usage = field(default_factory=Usage)
    """Tokens of the last user turn, all its requests together."""
    sandbox: Sandbox | None = None
    """Where shell commands run (``/sandbox`` shows and changes it)."""
    last_answer: str = ""
    """The model's last answer (the plan ``/approve`` sends when there is no checklist)."""
    mcp: McpControl | None = None
    """The MCP servers behind ``/mcp``; None when none is configured."""

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
        self.agent.set_model(name, self.settings.context_window())

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

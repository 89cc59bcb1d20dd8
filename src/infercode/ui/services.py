"""What the wiring hands a front-end: the engine and the session's services, by name.

A front-end talks to the engine through its methods and to these services directly; it never
discovers them by inspecting the engine's fields or their types (``cli/wiring.py`` builds them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from infercode.engine.agent import Agent
    from infercode.git.turn_hooks import CheckpointHooks
    from infercode.sandbox import Sandbox
    from infercode.store.recorder import SessionRecorder


class McpServerView(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def tools(self) -> tuple[str, ...]: ...
    @property
    def origin(self) -> str: ...


class McpControl(Protocol):
    """The session's MCP servers as ``/mcp`` sees them (``tools/mcp/client.py`` implements it)."""

    def views(self) -> Sequence[McpServerView]: ...

    def restart(self, name: str) -> None: ...

    def start(self) -> None: ...

    def wait_ready(self, timeout: float | None = None) -> None: ...

    def close(self, wait_s: float = 1.0) -> None: ...


def _nothing() -> None:
    return None


def _no_models() -> list[str]:
    return []


@dataclass
class SessionServices:
    agent: Agent
    checkpoints: CheckpointHooks | None = None
    """The turn snapshots behind ``/undo``, ``/diff`` and ``--diff``; None when they are off."""
    recorder: SessionRecorder | None = None
    """Writes the conversation to its session file; None when this run records none."""
    sandbox: Sandbox | None = None
    """Where shell commands run (``/sandbox`` shows and changes it)."""
    notes: list[str] = field(default_factory=list)
    """What opening the session had to say (resumed, repaired calls) for the user."""
    list_models: Callable[[], list[str]] = _no_models
    """The server's models (``GET /models``)."""
    warm_up: Callable[[], None] = _nothing
    """Take the first checkpoint snapshot in the background (git works in its own processes)."""
    start_client: Callable[[], None] = _nothing
    """Import openai and build the client in the background, before the first message."""
    mcp: McpControl | None = None
    """The MCP servers (``/mcp``); None when none is configured."""
    warnings: list[str] = field(default_factory=list)
    """Warnings that came in the background (an MCP server failed), shown at the next chance."""

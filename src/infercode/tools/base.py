"""What every tool is: a declared schema, a kind for approval, and a two-step call.

``prepare`` validates the arguments and computes exactly what will happen (for an edit, the new
content and its diff) *before* anyone is asked; ``PreparedCall.execute`` then does that and nothing
else. A ``ToolError`` from either step becomes the call's output for the model, never a crash.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from infercode.engine.events import JSON
from infercode.errors import ToolError

#: ``plan`` is the engine's own ``update_plan`` (engine/plan.py): never asked about, never run.
ToolKind = Literal["read", "edit", "shell", "mcp", "plan"]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    parameters: JSON
    kind: ToolKind
    mutating: bool

    def to_api(self) -> JSON:
        """The ``tools`` entry of a Responses request."""
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
            "strict": False,
        }


@dataclass(frozen=True, slots=True)
class Escalation:
    """A call that could run with more rights, if the user says yes to exactly this (a shell
    command the sandbox blocked). Never answered by rules or ``--yes``; headless never asks."""

    question: str
    detail: str
    rerun: Callable[[ToolContext], ToolResult]


@dataclass(frozen=True, slots=True)
class ToolResult:
    output: str
    ok: bool = True
    summary: str = ""
    escalation: Escalation | None = None


@dataclass
class ToolContext:
    """Handed to a running call: where live output goes and whether the user cancelled."""

    emit: Callable[[str], None] = lambda _text: None
    cancelled: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True, slots=True)
class PreparedCall:
    """A validated call, ready to be shown to the approver and then run.

    ``summary`` is one line ("read src/app.py lines 1-2000"); ``detail`` the preview (a unified
    diff, a command and its directory). ``shell_command`` is set for shell calls (rules match it);
    ``mcp_server`` and ``mcp_tool`` for MCP calls (so are ``allow_mcp`` rules).
    ``protected``: the call changes what code runs or what is approved (a git hooks directory,
    infercode's config): asked one by one, never covered by a rule.
    """

    kind: ToolKind
    summary: str
    detail: str
    execute: Callable[[ToolContext], ToolResult]
    outside_workspace: bool = False
    shell_command: str | None = None
    paths: tuple[str, ...] = ()
    protected: bool = False
    mcp_server: str | None = None
    mcp_tool: str | None = None


class Tool(Protocol):
    spec: ToolSpec

    def prepare(self, args: JSON) -> PreparedCall: ...


def require_str(args: JSON, name: str, *, allow_empty: bool = True) -> str:
    value = args.get(name)
    if not isinstance(value, str):
        raise ToolError(f"Parameter '{name}' is required and must be a string.")
    if not allow_empty and not value:
        raise ToolError(f"Parameter '{name}' must not be empty.")
    return value


def optional_int(args: JSON, name: str, default: int, *, minimum: int = 0) -> int:
    value = args.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise ToolError(f"Parameter '{name}' must be an integer.")
    if value < minimum:
        raise ToolError(f"Parameter '{name}' must be at least {minimum}.")
    return int(value)


def optional_bool(args: JSON, name: str, default: bool = False) -> bool:
    value = args.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ToolError(f"Parameter '{name}' must be true or false.")
    return value

"""Approval: every tool call gets a decision before it runs.

The engine asks ``SessionRules`` first (kinds and shell prefixes approved in advance or with
"always"); otherwise it asks the injected ``Approver``. A denial is a tool result the model reads.
"""

from __future__ import annotations

import fnmatch
import shlex
from dataclasses import dataclass, field
from typing import Literal, Protocol

from infercode.engine.events import ToolCall

#: Programs whose first argument is a subcommand that changes what they do (``git status`` vs
#: ``git push``): a shell rule for them is scoped to program *and* subcommand.
SUBCOMMAND_PROGRAMS = frozenset(
    {
        "git",
        "npm",
        "pnpm",
        "yarn",
        "cargo",
        "go",
        "uv",
        "pip",
        "pip3",
        "poetry",
        "docker",
        "kubectl",
        "make",
        "dotnet",
        "gradle",
        "mvn",
        "bundle",
        "rake",
        "hatch",
        "pdm",
        "conda",
        "brew",
        "apt",
        "apt-get",
        "systemctl",
        "gh",
        "terraform",
        "helm",
        "python",
        "python3",
    }
)

#: Characters that chain, redirect or substitute commands: a command containing any of them is
#: never approved by a prefix rule (``git status; rm -rf ~`` must not ride on ``git status``).
SHELL_META = frozenset(";&|<>`$()\n")


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """What the approver is shown: the call, its kind, a one-line summary and the preview."""

    call: ToolCall
    kind: str
    summary: str
    detail: str
    outside_workspace: bool = False
    shell_command: str | None = None
    mcp_server: str | None = None
    mcp_tool: str | None = None

    @property
    def shell_prefix(self) -> str | None:
        return shell_prefix(self.shell_command) if self.shell_command else None


@dataclass(frozen=True, slots=True)
class Rule:
    """A session-wide approval: a whole kind (``read``, ``edit``), a shell prefix, or one MCP
    tool (``mcp_tool`` is ``server.tool``; ``allow_mcp`` may glob the tool: ``server.*``)."""

    kind: str
    shell_prefix: str | None = None
    mcp_tool: str | None = None

    def describe(self) -> str:
        if self.kind == "mcp" and self.mcp_tool:
            return f"MCP tool {self.mcp_tool}"
        if self.kind == "shell" and self.shell_prefix:
            return f"shell commands starting with '{self.shell_prefix}'"
        return {"read": "all file reads", "edit": "all file edits"}.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class Decision:
    """The approver's answer. ``message`` goes to the model with a denial; ``remember`` adds a
    session rule; ``edited_command`` replaces the shell command the user edited before running."""

    allow: bool
    message: str | None = None
    remember: Rule | None = None
    edited_command: str | None = None
    source: Literal["user", "no_approver"] = "user"


class Approver(Protocol):
    def decide(self, request: ApprovalRequest) -> Decision: ...


def shell_prefix(command: str) -> str | None:
    """``git status -s`` -> ``git status``; ``pytest -x`` -> ``pytest``; None if not simple."""
    if any(ch in SHELL_META for ch in command):
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    while words and "=" in words[0] and not words[0].startswith("="):
        words = words[1:]  # leading VAR=value assignments do not name the program
    if not words:
        return None
    program = words[0]
    if program in SUBCOMMAND_PROGRAMS and len(words) > 1 and not words[1].startswith("-"):
        return f"{program} {words[1]}"
    return program


@dataclass
class SessionRules:
    """Rules in force for this session: from flags/config at start, plus each "always" answer."""

    kinds: set[str] = field(default_factory=set)
    shell_prefixes: set[str] = field(default_factory=set)
    mcp_tools: set[str] = field(default_factory=set)

    def add(self, rule: Rule) -> None:
        if rule.kind == "mcp":
            if rule.mcp_tool:  # never a blanket "all MCP tools" from an answer
                self.mcp_tools.add(rule.mcp_tool)
        elif rule.kind == "shell" and rule.shell_prefix:
            self.shell_prefixes.add(rule.shell_prefix)
        elif rule.kind != "shell":
            self.kinds.add(rule.kind)  # a blanket "all shell" only ever comes from --allow/--yes

    def allows(self, request: ApprovalRequest) -> bool:
        if request.outside_workspace:
            return False  # a path outside the workspace is always asked about, one by one
        if request.kind in self.kinds:
            return True
        if request.kind == "mcp" and request.mcp_server and request.mcp_tool is not None:
            return any(
                server == request.mcp_server and fnmatch.fnmatchcase(request.mcp_tool, tool)
                for server, _, tool in (p.partition(".") for p in self.mcp_tools)
            )
        if request.kind == "shell" and request.shell_command is not None:
            prefix = shell_prefix(request.shell_command)
            return prefix is not None and prefix in self.shell_prefixes
        return False


class DenyAll:
    """The approver when nobody can be asked: deny and say which flag would have allowed it."""

    def decide(self, request: ApprovalRequest) -> Decision:
        if request.outside_workspace:
            return Decision(
                allow=False,
                message=(
                    "Not run: the path is outside the workspace, and with no terminal nobody can "
                    "confirm it. Work inside the workspace (the user can start infercode with "
                    "-C DIR to choose a larger one)."
                ),
                source="no_approver",
            )
        flag = f"--allow {request.kind}" if request.kind != "shell" else "--allow shell"
        if request.kind == "mcp":
            flag = f'allow_mcp = ["{request.mcp_server}.{request.mcp_tool}"] in config.toml'
        return Decision(
            allow=False,
            message=(
                f"Not run: infercode runs headless with no terminal to ask, and {request.kind} "
                f"calls are not approved in advance (the user can pass {flag} or --yes)."
            ),
            source="no_approver",
        )

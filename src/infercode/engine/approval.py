"""Approval: every tool call gets a decision before it runs.

The engine asks ``SessionRules`` first: deny rules (refused unasked, even under ``--yes``), then
kinds and shell prefixes approved in advance or with "always"; otherwise it asks the injected
``Approver``. A denial is a tool result the model reads. Shell rules are matched on a parse tree
(``infercode.shell.rules``), never on strings.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Literal, Protocol

from infercode.engine.events import ToolCall


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """What the approver is shown: the call, its kind, a one-line summary and the preview."""

    call: ToolCall
    kind: str
    summary: str
    detail: str
    outside_workspace: bool = False
    shell_command: str | None = None
    #: The call changes what code runs or what is approved (see ``infercode.tools.protected``).
    protected: bool = False
    note: str | None = None
    """Why this call is asked although rules or ``--yes`` would have approved it."""
    mcp_server: str | None = None
    mcp_tool: str | None = None

    @property
    def shell_prefix(self) -> str | None:
        """The rule an "always" would save for this shell command (see ``shell.offer.offer``)."""
        from infercode.shell.offer import offer

        return offer(self.shell_command).prefix if self.shell_command else None


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
            return f"commands starting with `{self.shell_prefix}`"
        return {"read": "all file reads", "edit": "all file edits"}.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class Decision:
    """The approver's answer. ``message`` goes to the model with a denial; ``remember`` adds a
    session rule; ``edited_command`` replaces the shell command the user edited before running."""

    allow: bool
    message: str | None = None
    remember: Rule | None = None
    edited_command: str | None = None
    source: Literal["user", "no_approver", "rule", "mode"] = "user"


class Approver(Protocol):
    def decide(self, request: ApprovalRequest) -> Decision: ...


@dataclass(frozen=True, slots=True)
class Review:
    """What the rules say before anyone is asked: ``deny`` (refused, ``message`` goes to the
    model), ``allow`` (run), or ``ask`` (the approver decides; ``note`` says why when a rule
    would otherwise have run it)."""

    verdict: Literal["deny", "allow", "ask"]
    message: str | None = None
    note: str | None = None


@dataclass
class SessionRules:
    """Rules in force for this session: from flags/config at start, plus each "always" answer."""

    kinds: set[str] = field(default_factory=set)
    shell_prefixes: set[str] = field(default_factory=set)
    deny_shell: tuple[str, ...] = ()
    """``deny_shell`` prefixes from config: checked before everything else."""
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
        return self.review(request).verdict == "allow"

    def review(self, request: ApprovalRequest) -> Review:
        """Deny rules first (they beat allow rules and ``--yes``), then the allow rules."""
        from infercode.shell.rules import allowed_by, deny_check  # parses only when needed

        command = request.shell_command if request.kind == "shell" else None
        if command is not None and self.deny_shell:
            check = deny_check(command, self.deny_shell)
            if check.verdict == "deny":
                return Review("deny", message=refusal_message(check.reason))
            if check.verdict == "doubt":
                note = f"a deny_shell rule may cover this command ({check.reason})"
                return Review("ask", note=note)
        if request.outside_workspace or request.protected:
            return Review("ask")  # outside and protected paths are always asked, one by one
        if request.kind in self.kinds:
            return Review("allow")
        if request.kind == "mcp" and self._mcp_allowed(request):
            return Review("allow")
        if command is not None and allowed_by(command, self.shell_prefixes) is not None:
            return Review("allow")
        return Review("ask")

    def _mcp_allowed(self, request: ApprovalRequest) -> bool:
        """``allow_mcp`` patterns (``server.tool``, the tool may be a glob) and "always" answers."""
        if not request.mcp_server or request.mcp_tool is None:
            return False
        tool_name = request.mcp_tool
        return any(
            server == request.mcp_server and fnmatch.fnmatchcase(tool_name, tool)
            for server, _, tool in (p.partition(".") for p in self.mcp_tools)
        )


def refusal_message(reason: str) -> str:
    return (
        f"Not run: {reason} in the user's infercode configuration; it is refused without "
        "asking. Do not try to run it another way; if it is needed, tell the user, who can run "
        "it themselves."
    )


class DenyAll:
    """The approver when nobody can be asked: deny and say which flag would have allowed it."""

    def decide(self, request: ApprovalRequest) -> Decision:
        if request.note:
            return Decision(
                allow=False,
                message=(
                    f"Not run: {request.note}, so it must be confirmed, and with no terminal "
                    "nobody can confirm it. Run the intended command plainly, without wrappers "
                    "or interpreter strings, or leave it to the user."
                ),
                source="no_approver",
            )
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
        if request.protected:
            return Decision(
                allow=False,
                message=(
                    "Not run: the path is protected (it decides what code runs or what is "
                    "approved), and with no terminal nobody can confirm it. No flag approves it "
                    "in advance; the user has to make this change."
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

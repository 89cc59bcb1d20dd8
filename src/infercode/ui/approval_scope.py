"""What an approval's "always" may cover, and dropping typeahead before a question.

No terminal library here: the headless runner imports it on every run.
"""

from __future__ import annotations

import sys

from infercode.engine.approval import ApprovalRequest, Rule


def always_rule(request: ApprovalRequest) -> Rule | None:
    """The narrowest "always" that fits: a kind for reads/edits; for shell, the prefix
    ``shell.offer.offer`` picks (none for wrappers, interpreter code, chains...)."""
    if request.outside_workspace or request.protected or request.note:
        return None  # asked one by one: outside, protected, or a line a deny rule may cover
    if request.kind == "shell":
        if request.shell_command is None:
            return None
        from infercode.shell.offer import offer  # the parser loads at the first question

        prefix = offer(request.shell_command).prefix
        return Rule("shell", prefix) if prefix else None
    if request.kind == "mcp":  # this one tool of this server, never every MCP tool
        return Rule("mcp", mcp_tool=f"{request.mcp_server}.{request.mcp_tool}")
    return Rule(request.kind)


def always_text(request: ApprovalRequest, rule: Rule | None) -> str:
    """What "always" would cover, or why it is not offered for this call."""
    if rule is not None:
        return f"always allow {rule.describe()}"
    if request.note:
        return f"always: not offered ({request.note})"
    if request.kind == "shell" and request.shell_command is not None:
        from infercode.shell.offer import offer

        return f"always: not offered ({offer(request.shell_command).reason})"
    return "always: not offered for this call"


def flush_typeahead(stream: object = None) -> None:
    """Drop keys typed while the reply streamed: a stray "y" must not approve anything."""
    try:
        import termios

        if stream is None:
            if not sys.stdin.isatty():
                return
            stream = sys.stdin
        fileno = getattr(stream, "fileno", None)
        if fileno is not None:
            termios.tcflush(fileno(), termios.TCIFLUSH)
    except (ImportError, OSError, ValueError):
        pass  # not a terminal (a test double): nothing can be buffered ahead

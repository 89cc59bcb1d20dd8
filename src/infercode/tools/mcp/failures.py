"""Reading what went wrong with an MCP server: the first real error out of an exception group,
whether the connection ended, the last line the server wrote on stderr. No SDK import here."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def describe_error(error: BaseException) -> str:
    """One line for a warning or a tool result: the first leaf error, at most 300 characters."""
    found = leaves(error)
    first = found[0] if found else error
    text = str(first).strip() or type(first).__name__
    if isinstance(first, FileNotFoundError):
        text = f"command not found: {first.filename or text}"
    return text.splitlines()[0][:300]


def leaves(error: BaseException) -> list[BaseException]:
    nested = getattr(error, "exceptions", None)
    if not nested:
        return [error]
    return [leaf for sub in nested for leaf in leaves(sub)]


CONNECTION_CLOSED = -32000  # mcp_types.CONNECTION_CLOSED, without importing it here
STREAM_ENDED = ("ClosedResourceError", "BrokenResourceError", "EndOfStream")


def connection_ended(client: Any) -> bool:
    """Whether the SDK's dispatcher saw the end of the connection (no public flag for it)."""
    session = getattr(client, "_session", None)
    return bool(getattr(getattr(session, "_dispatcher", None), "_closed", False))


def connection_closed(error: BaseException) -> bool:
    """The connection ended (the server exited), as opposed to an error the server sent."""
    for leaf in leaves(error):
        if type(leaf).__name__ in STREAM_ENDED:
            return True
        message = str(getattr(leaf, "message", "")).lower()
        if getattr(leaf, "code", None) == CONNECTION_CLOSED and "closed" in message:
            return True
    return False


def last_line(path: Path) -> str:
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines()]
    except OSError:
        return ""
    lines = [line for line in lines if line]
    return lines[-1][:200] if lines else ""

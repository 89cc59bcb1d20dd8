"""Function names for MCP tools: ``mcp__<server>__<tool>``, within the API's name rules."""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 64
_NOT_ALLOWED = re.compile(r"[^a-zA-Z0-9_-]")
VALID_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def sanitise(text: str) -> str:
    return _NOT_ALLOWED.sub("_", text)


def function_name(server: str, tool: str, taken: set[str]) -> str:
    """A unique name matching ``^[a-zA-Z0-9_-]{1,64}$`` for ``tool`` of ``server``.

    Too long or already taken (two tools that sanitise alike): cut, and end in a short hash of
    the original pair, so the name is stable from one request (and session) to the next.
    """
    name = f"mcp__{sanitise(server)}__{sanitise(tool)}"
    if len(name) <= MAX_NAME and name not in taken:
        return name
    digest = hashlib.sha1(f"{server}\0{tool}".encode()).hexdigest()
    for width in (8, 12, 40):
        candidate = f"{name[: MAX_NAME - width - 1]}_{digest[:width]}"
        if candidate not in taken:
            return candidate
    raise ValueError(f"no free name for {server}.{tool}")  # pragma: no cover - sha1 prefixes

"""Which MCP servers a session starts, and starting them: the user's, and the project's that
the user trusts (``.mcp.json`` is repository-supplied: never run just because it is there)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from infercode.config.mcp import McpServer, read_project_servers
from infercode.config.settings import Settings
from infercode.errors import ConfigError
from infercode.tools.registry import ToolRegistry

if TYPE_CHECKING:
    from infercode.tools.mcp.client import McpManager

TRUST_KIND = "mcp-server"
#: Asks the user whether to start a project's server; None: nobody can be asked.
AskTrust = Callable[[McpServer], bool]


def trust_digest(server: McpServer) -> str:
    from infercode.store.trust import content_hash

    return content_hash(server.name, server.definition_hash())


def choose_servers(
    settings: Settings,
    root: Path,
    *,
    trust_all: bool,
    ask: AskTrust | None,
    warn: Callable[[str], None],
) -> list[McpServer]:
    """The user's enabled servers, then the project's the user trusts (asked once per
    definition when ``ask`` is given; ``trust_all``: ``--trust-project-mcp``)."""
    servers = [s for s in settings.mcp_servers.values() if s.enabled]
    try:
        project = read_project_servers(root)
    except ConfigError as error:
        warn(f"infercode: warning: {error}; no project MCP server started")
        return servers
    if not project:
        return servers
    from infercode.store.trust import TrustStore

    store = TrustStore.default()
    for name, server in project.items():
        if name in settings.mcp_servers or not server.enabled:
            continue  # the user's own definition of that name wins
        digest = trust_digest(server)
        trusted = trust_all or store.is_trusted(root, TRUST_KIND, digest)
        if not trusted and ask is not None and ask(server):
            store.trust(root, TRUST_KIND, digest)
            trusted = True
        if trusted:
            servers.append(server)
        else:
            warn(
                f"infercode: MCP server '{name}' from .mcp.json not started: not trusted "
                "(start infercode in a terminal to be asked, or pass --trust-project-mcp)"
            )
    return servers


def start_mcp(
    settings: Settings,
    root: Path,
    tools: ToolRegistry,
    servers: list[McpServer],
    warn: Callable[[str], None],
) -> McpManager | None:
    """A manager for ``servers`` whose tools ``tools`` offers; not started yet (``start``)."""
    if not servers:
        return None
    from infercode.config.paths import state_dir
    from infercode.tools.mcp.client import McpManager
    from infercode.tools.mcp.tools import McpTools

    manager = McpManager(
        servers,
        root,
        on_warning=warn,
        hidden_env={settings.api_key_env, "INFERCOM_API_KEY"} - {""},
        log_dir=state_dir() / "mcp-logs",
    )
    tools.attach(McpTools(manager, settings.output_limit, taken=tools.names()))
    return manager


def ask_on_terminal(server: McpServer) -> bool:
    """The REPL's trust question, before its prompt (plain input: prompt-toolkit is not up)."""
    sys.stdout.write(
        f"This project's .mcp.json defines the MCP server '{server.name}', which would run:\n"
        f"  {server.describe()}\n"
        "MCP servers run with your permissions, not sandboxed. Start it (remembered for this "
        "project until the definition changes)? [y/N] "
    )
    sys.stdout.flush()
    try:
        answer = input()
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")

"""``infercode mcp list | add NAME -- CMD ARGS... | remove NAME``: the user's MCP servers.

``add`` and ``remove`` edit config.toml with tomlkit, so the user's comments and layout stay;
the edited text is checked like any config before it is written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from infercode.errors import ConfigError


def _fail(message: str) -> None:
    sys.stderr.write(f"infercode: error: {message}\n")
    raise typer.Exit(1)


def _load_document(path: Path) -> Any:
    import tomlkit

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        return tomlkit.parse(text)
    except Exception as error:  # tomlkit's parse errors have no common public base
        _fail(f"{path}: invalid TOML: {error}")


def _write_checked(path: Path, document: Any) -> None:
    """Write ``document`` only if the result is a valid config (same checks as at start)."""
    import tomlkit

    from infercode.config.file import load_settings

    text = tomlkit.dumps(document)
    candidate = path.with_name(f".{path.name}.new")
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate.write_text(text, encoding="utf-8")
    try:
        load_settings(path=candidate, environ={})
    except ConfigError as error:
        candidate.unlink()
        _fail(str(error).replace(str(candidate), str(path)))
    candidate.replace(path)


def list_command() -> None:
    """List the MCP servers of your config and of this project's .mcp.json."""
    from infercode.cli.mcp_setup import TRUST_KIND, trust_digest
    from infercode.config.file import load_settings
    from infercode.config.mcp import read_project_servers
    from infercode.config.paths import config_path
    from infercode.store.trust import TrustStore
    from infercode.tools.workspace import find_root

    try:
        settings = load_settings()
        root = find_root(Path.cwd())
        project = read_project_servers(root)
    except ConfigError as error:
        _fail(str(error))
    rows: list[tuple[str, str, str, str]] = []
    for server in settings.mcp_servers.values():
        state = "enabled" if server.enabled else "disabled"
        rows.append((server.name, server.transport, state, server.describe()))
    store = TrustStore.default()
    for server in project.values():
        if server.name in settings.mcp_servers:
            state = "shadowed by your config"
        elif store.is_trusted(root, TRUST_KIND, trust_digest(server)):
            state = "project, trusted"
        else:
            state = "project, not trusted"
        rows.append((server.name, server.transport, state, server.describe()))
    if not rows:
        sys.stderr.write(
            f"no MCP servers (add one: infercode mcp add NAME -- COMMAND ARGS...; "
            f"config: {config_path()})\n"
        )
        return
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        print("  ".join([*cells, row[3]]).rstrip())


def add_command(
    name: Annotated[str, typer.Argument(help="Server name (letters, digits, _ and -).")],
    command: Annotated[
        list[str] | None, typer.Argument(help="After --: the command and its arguments.")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="A streamable-HTTP server instead of a command.")
    ] = None,
    env: Annotated[
        list[str] | None, typer.Option("--env", "-e", metavar="KEY=VALUE", help="Repeatable.")
    ] = None,
    bearer_token_env_var: Annotated[
        str | None,
        typer.Option("--bearer-token-env-var", metavar="VAR", help="HTTP: the token's variable."),
    ] = None,
) -> None:
    """Add a server to your config: infercode mcp add git -- uvx mcp-server-git"""
    import tomlkit

    from infercode.config.paths import config_path

    if (url is None) == (not command):
        _fail("give either a command after -- (a stdio server) or --url (HTTP)")
    path = config_path()
    document = _load_document(path)
    servers = document.get("mcp_servers")
    if servers is None:
        servers = tomlkit.table(is_super_table=True)
        document["mcp_servers"] = servers
    if name in servers:
        _fail(f"{path}: mcp_servers.{name} exists already (remove it first)")
    table = tomlkit.table()
    if command:
        table["command"] = command[0]
        table["args"] = command[1:]
    if url is not None:
        table["url"] = url
    if bearer_token_env_var is not None:
        table["bearer_token_env_var"] = bearer_token_env_var
    if env:
        pairs = [item.partition("=") for item in env]
        if any(not sep or not key for key, sep, _ in pairs):
            _fail("--env takes KEY=VALUE")
        inline = tomlkit.inline_table()
        inline.update({key: value for key, _, value in pairs})
        table["env"] = inline
    servers[name] = table
    _write_checked(path, document)
    print(f"added MCP server '{name}' to {path}")


def remove_command(name: Annotated[str, typer.Argument(help="Server name.")]) -> None:
    """Remove a server from your config."""
    from infercode.config.paths import config_path

    path = config_path()
    document = _load_document(path)
    servers = document.get("mcp_servers")
    if servers is None or name not in servers:
        _fail(f"{path}: no MCP server '{name}' (infercode mcp list shows them)")
    del servers[name]
    if not servers:
        del document["mcp_servers"]
    _write_checked(path, document)
    print(f"removed MCP server '{name}' from {path}")


def register(app: typer.Typer) -> None:
    app.command("list")(list_command)
    app.command("add")(add_command)
    app.command("remove")(remove_command)

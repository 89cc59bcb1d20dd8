"""MCP server definitions: ``[mcp_servers.NAME]`` in config.toml and a project's ``.mcp.json``.

The keys are Codex's (``command``, ``args``, ``env``, ``cwd`` for a stdio server; ``url``,
``bearer_token_env_var``, ``headers`` for streamable HTTP). ``.mcp.json`` is the format Claude
Code and Gemini CLI share. Every value is checked here; a bad one is a ``ConfigError`` naming the
file and the key, like every other setting.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from infercode.errors import ConfigError

SERVER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PROJECT_FILE = ".mcp.json"
DEFAULT_STARTUP_TIMEOUT_S = 10.0
DEFAULT_TOOL_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class McpServer:
    """One server: how to reach it and which of its tools to offer."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    bearer_token_env_var: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    enabled: bool = True
    startup_timeout_s: float = DEFAULT_STARTUP_TIMEOUT_S
    tool_timeout_s: float = DEFAULT_TOOL_TIMEOUT_S
    enabled_tools: tuple[str, ...] | None = None
    disabled_tools: tuple[str, ...] = ()
    origin: Literal["user", "project"] = "user"
    """``project``: from the workspace's ``.mcp.json``; starts only once the user trusted it."""

    @property
    def transport(self) -> Literal["stdio", "http"]:
        return "http" if self.url is not None else "stdio"

    def offers(self, tool: str) -> bool:
        if self.enabled_tools is not None and tool not in self.enabled_tools:
            return False
        return tool not in self.disabled_tools

    def describe(self) -> str:
        """``cmd arg...`` or the URL: what the user sees when asked to trust it."""
        if self.url is not None:
            return self.url
        return " ".join([self.command or "", *self.args])

    def definition_hash(self) -> str:
        """A hash of what would run: a changed ``.mcp.json`` entry must be trusted again."""
        data = {
            "command": self.command,
            "args": list(self.args),
            "env": dict(self.env),
            "cwd": self.cwd,
            "url": self.url,
            "headers": dict(self.headers),
            "bearer_token_env_var": self.bearer_token_env_var,
        }
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


class _Bad(Exception):
    pass


def _str(value: object, what: str = "a non-empty string") -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(what)
    return value


def _str_list(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad('a list of strings, e.g. ["--flag", "value"]')
    return tuple(value)


def _str_table(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _Bad('a table of NAME = "string"')
    return dict(value)


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 86400:
        raise _Bad("a number of seconds greater than 0")
    return float(value)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Bad("true or false")
    return value


def _url(value: object) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise _Bad('an http:// or https:// URL, e.g. "http://127.0.0.1:8000/mcp"')
    return value


def _env_var(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise _Bad('an environment variable name, e.g. "GITHUB_TOKEN"')
    return value


_KEYS: dict[str, tuple[str, Callable[[object], object]]] = {
    "command": ("command", _str),
    "args": ("args", _str_list),
    "env": ("env", _str_table),
    "cwd": ("cwd", _str),
    "url": ("url", _url),
    "bearer_token_env_var": ("bearer_token_env_var", _env_var),
    "headers": ("headers", _str_table),
    "enabled": ("enabled", _bool),
    "startup_timeout_s": ("startup_timeout_s", _seconds),
    "tool_timeout_s": ("tool_timeout_s", _seconds),
    "enabled_tools": ("enabled_tools", _str_list),
    "disabled_tools": ("disabled_tools", _str_list),
}


def parse_server(
    name: str,
    table: object,
    path: Path,
    prefix: str,
    origin: Literal["user", "project"] = "user",
) -> McpServer:
    """One ``[mcp_servers.NAME]`` table (or a translated ``.mcp.json`` entry)."""
    where = f"{path}: {prefix}{name}"
    if not SERVER_NAME.fullmatch(name):
        raise ConfigError(f"{where}: a server name is letters, digits, '_' and '-' (at most 64)")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table of command/args/env or url/headers")
    values: dict[str, object] = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(f"{where}.{key}: unknown key; known keys: {', '.join(_KEYS)}")
        attr, parse = _KEYS[key]
        try:
            values[attr] = parse(value)
        except _Bad as bad:
            shown = json.dumps(value, default=str)
            raise ConfigError(f"{where}.{key} = {shown}: expected {bad}") from None
    if ("command" in values) == ("url" in values):
        raise ConfigError(f"{where}: set either command (a stdio server) or url (HTTP), not both")
    if "url" in values and any(k in values for k in ("args", "env", "cwd")):
        raise ConfigError(f"{where}: args, env and cwd are for a stdio server (command)")
    if "command" in values and any(k in values for k in ("headers", "bearer_token_env_var")):
        raise ConfigError(f"{where}: headers and bearer_token_env_var are for an HTTP server (url)")
    return McpServer(name=name, origin=origin, **values)  # type: ignore[arg-type]


def parse_servers(value: object, path: Path, prefix: str = "") -> dict[str, McpServer]:
    """The ``mcp_servers`` table of config.toml, each server checked."""
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {prefix}mcp_servers: expected tables like [mcp_servers.git]")
    return {
        name: parse_server(name, table, path, f"{prefix}mcp_servers.")
        for name, table in value.items()
    }


def parse_patterns(value: object) -> tuple[str, ...]:
    """``allow_mcp = ["git.git_status", "time.*"]``: SERVER.TOOL, the tool may be a glob."""
    if not isinstance(value, list) or not all(
        isinstance(p, str) and "." in p and SERVER_NAME.fullmatch(p.split(".", 1)[0]) for p in value
    ):
        raise ValueError('a list of "server.tool" (or "server.*"), e.g. ["time.*"]')
    return tuple(value)


def read_project_servers(root: Path) -> dict[str, McpServer]:
    """The servers ``root/.mcp.json`` defines (``{}`` without one); a bad file is an error."""
    path = root / PROJECT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"{path}: cannot read it as JSON ({error})") from None
    servers = data.get("mcpServers") if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        raise ConfigError(f'{path}: expected {{"mcpServers": {{NAME: {{...}}}}}}')
    out: dict[str, McpServer] = {}
    for name, entry in servers.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: mcpServers.{name}: expected an object")
        table = dict(entry)
        kind = table.pop("type", None)
        if kind in ("http", "streamable-http", "streamableHttp"):
            if "command" in table:
                raise ConfigError(f"{path}: mcpServers.{name}: an http server has no command")
        elif kind not in (None, "stdio"):
            raise ConfigError(f"{path}: mcpServers.{name}.type = {kind!r}: use stdio or http")
        out[name] = parse_server(name, table, path, "mcpServers.", origin="project")
    return out

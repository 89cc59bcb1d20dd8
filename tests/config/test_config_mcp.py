"""``[mcp_servers.NAME]`` and ``allow_mcp`` in config.toml, and a project's ``.mcp.json``."""

from __future__ import annotations

from pathlib import Path

import pytest

from infercode.config.file import load_settings
from infercode.config.mcp import McpServer, read_project_servers
from infercode.errors import ConfigError


def load(tmp_path: Path, text: str) -> dict[str, McpServer]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return dict(load_settings(path=path, environ={}).mcp_servers)


def test_stdio_and_http_servers_with_defaults(tmp_path: Path) -> None:
    servers = load(
        tmp_path,
        "[mcp_servers.git]\n"
        'command = "uvx"\nargs = ["mcp-server-git"]\nenv = { "A" = "1" }\n'
        'enabled_tools = ["git_status"]\n'
        "[mcp_servers.web]\n"
        'url = "https://mcp.example/mcp"\nbearer_token_env_var = "TOKEN"\n'
        "tool_timeout_s = 5\nenabled = false\n",
    )
    git, web = servers["git"], servers["web"]
    assert git.transport == "stdio" and git.args == ("mcp-server-git",) and git.env == {"A": "1"}
    assert git.startup_timeout_s == 10 and git.tool_timeout_s == 60
    assert git.offers("git_status") and not git.offers("git_commit")
    assert web.transport == "http" and web.tool_timeout_s == 5 and not web.enabled


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[mcp_servers.git]\nargs = ["x"]\n', "mcp_servers.git: set either command"),
        ('[mcp_servers.git]\ncommand = "x"\nurl = "http://a"\n', "not both"),
        ('[mcp_servers.git]\ncommand = "x"\nargs = "y"\n', 'mcp_servers.git.args = "y"'),
        ('[mcp_servers.git]\ncommand = "x"\ncomand = "y"\n', "mcp_servers.git.comand: unknown"),
        ('[mcp_servers.git]\nurl = "ftp://a"\n', "mcp_servers.git.url"),
        ('[mcp_servers.git]\ncommand = "x"\nstartup_timeout_s = 0\n', "startup_timeout_s = 0"),
        ('[mcp_servers."a.b"]\ncommand = "x"\n', "mcp_servers.a.b: a server name"),
        ('[mcp_servers.git]\ncommand = "x"\nheaders = { "A" = "b" }\n', "for an HTTP server"),
        ('allow_mcp = ["git_status"]\n', 'allow_mcp = ["git_status"]: expected a list of'),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert str(tmp_path / "config.toml") in str(caught.value)
    assert message in str(caught.value)


def test_allow_mcp_and_profiles(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'allow_mcp = ["git.git_status", "time.*"]\n'
        '[mcp_servers.a]\ncommand = "a"\n'
        '[profiles.p.mcp_servers.b]\ncommand = "b"\n'
    )
    settings = load_settings(path=path, environ={}, profile="p")
    assert settings.allow_mcp == ("git.git_status", "time.*")
    assert list(settings.mcp_servers) == ["a", "b"]


def test_project_file(tmp_path: Path) -> None:
    (tmp_path / ".mcp.json").write_text(
        '{"mcpServers": {"docs": {"command": "node", "args": ["s.js"], "env": {"K": "v"}},'
        ' "web": {"type": "http", "url": "http://127.0.0.1:1/mcp", "headers": {"X": "y"}}}}'
    )
    servers = read_project_servers(tmp_path)
    assert servers["docs"].origin == "project" and servers["docs"].args == ("s.js",)
    assert servers["web"].transport == "http" and servers["web"].headers == {"X": "y"}
    changed = McpServer(name="docs", command="node", args=("t.js",), env={"K": "v"})
    assert changed.definition_hash() != servers["docs"].definition_hash()
    assert read_project_servers(tmp_path / "none") == {}
    (tmp_path / ".mcp.json").write_text('{"mcpServers": {"x": {"type": "sse", "url": "http://a"}}}')
    with pytest.raises(ConfigError, match=r"\.mcp\.json: mcpServers\.x\.type"):
        read_project_servers(tmp_path)

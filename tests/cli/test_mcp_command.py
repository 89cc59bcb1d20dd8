"""``infercode mcp list | add | remove`` edit the user's config; startup never imports MCP
code when no server is configured."""

from __future__ import annotations

from pathlib import Path

from infercode.config.file import load_settings
from tests.conftest import run_infercode
from tests.support.responses_server import ResponsesServer, text_reply


def test_add_list_remove_keep_the_users_comments(workspace: Path, isolated_home: Path) -> None:
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('# my settings\nmodel = "m"  # the one I like\n')
    added = run_infercode(
        ["mcp", "add", "git", "-e", "A=1", "--", "uvx", "mcp-server-git", "--repository", "."],
        cwd=workspace,
    )
    assert added.returncode == 0, added.stderr
    web = run_infercode(
        ["mcp", "add", "web", "--url", "http://127.0.0.1:9/mcp", "--bearer-token-env-var", "T"],
        cwd=workspace,
    )
    assert web.returncode == 0, web.stderr
    text = config.read_text()
    assert text.startswith('# my settings\nmodel = "m"  # the one I like\n')
    servers = load_settings(path=config, environ={}).mcp_servers
    assert servers["git"].command == "uvx" and servers["git"].env == {"A": "1"}
    assert servers["git"].args == ("mcp-server-git", "--repository", ".")
    assert servers["web"].url == "http://127.0.0.1:9/mcp"

    (workspace / ".mcp.json").write_text('{"mcpServers": {"docs": {"command": "node"}}}')
    listed = run_infercode(["mcp", "list"], cwd=workspace)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == [
        "git",
        "stdio",
        "enabled",
        "uvx",
        "mcp-server-git",
        "--repository",
        ".",
    ]
    assert lines[1].split()[:3] == ["web", "http", "enabled"]
    assert "docs" in lines[2] and "project, not trusted" in lines[2]

    again = run_infercode(["mcp", "add", "git", "--", "other"], cwd=workspace)
    assert again.returncode == 1 and "exists already" in again.stderr
    bad = run_infercode(["mcp", "add", "a.b", "--", "x"], cwd=workspace)
    assert bad.returncode == 1 and "a server name is" in bad.stderr
    assert "a.b" not in config.read_text()  # an invalid result is never written

    removed = run_infercode(["mcp", "remove", "git"], cwd=workspace)
    assert removed.returncode == 0, removed.stderr
    assert list(load_settings(path=config, environ={}).mcp_servers) == ["web"]
    missing = run_infercode(["mcp", "remove", "git"], cwd=workspace)
    assert missing.returncode == 1 and "no MCP server 'git'" in missing.stderr


def test_no_mcp_code_is_imported_without_a_server(server: ResponsesServer, workspace: Path) -> None:
    env = {"PYTHONPROFILEIMPORTTIME": "1"}
    version = run_infercode(["--version"], cwd=workspace, env=env)
    server.enqueue(text_reply("ok"))
    run = run_infercode(["--base-url", server.url, "-p", "hi"], cwd=workspace, env=env)
    assert run.returncode == 0 and version.returncode == 0
    for result in (version, run):
        imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
        assert "infercode.cli.wiring" in imported or result is version
        assert not [m for m in imported if m.split(".")[0] in ("mcp", "mcp_types")]
        assert "infercode.tools.mcp" not in imported

"""A project's ``.mcp.json`` starts nothing until the user trusts that exact definition."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_infercode
from tests.support.pty import start_repl
from tests.support.responses_server import ResponsesServer, text_reply
from tests.tools.mcp.support import PYTHON, fake_server_args


def write_project(workspace: Path, marker: Path) -> None:
    (workspace / ".mcp.json").write_text(project_file(marker))


def offered(server: ResponsesServer, index: int = 0) -> list[str]:
    body = server.requests[index].body
    assert body is not None
    return [t["name"] for t in body["tools"] if t["name"].startswith("mcp__")]


def test_not_started_headless_without_trust(server: ResponsesServer, workspace: Path) -> None:
    marker = workspace.parent / "started"
    write_project(workspace, marker)
    server.enqueue(text_reply("ok"))
    result = run_infercode(["--base-url", server.url, "-p", "hi"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "MCP server 'proj' from .mcp.json not started: not trusted" in result.stderr
    assert not marker.exists()  # no process ran
    assert offered(server) == []


def test_started_headless_with_trust_project_mcp(server: ResponsesServer, workspace: Path) -> None:
    marker = workspace.parent / "started"
    write_project(workspace, marker)
    server.enqueue(text_reply("ok"))
    result = run_infercode(
        ["--base-url", server.url, "--trust-project-mcp", "-p", "hi"], cwd=workspace
    )
    assert result.returncode == 0, result.stderr
    assert marker.exists()
    assert "mcp__proj__shout" in offered(server)


def project_file(marker: Path, *extra: str) -> str:
    entry = {"command": PYTHON, "args": fake_server_args("--marker", str(marker), *extra)}
    return json.dumps({"mcpServers": {"proj": entry}})


def test_trusted_once_in_the_terminal_then_remembered_until_it_changes(
    server: ResponsesServer, tmp_path: Path
) -> None:
    marker = tmp_path / "started"
    files = {".mcp.json": project_file(marker)}
    term, workspace = start_repl(server.url, tmp_path, files=files)
    with term:
        term.wait_for("Start it")  # asked before anything runs
        assert "defines the MCP server 'proj'" in term.text()
        term.send_line("n")
        term.wait_prompt()
        term.press("ctrl-d")
        term.wait_exit()
    assert not marker.exists()  # "no" starts nothing

    term, _ = start_repl(server.url, tmp_path, files=files)
    with term:
        term.wait_for("Start it")  # a "no" is not remembered: asked again
        term.send_line("y")
        term.wait_prompt()
        term.wait_until(marker.exists, "the server to start")
        term.press("ctrl-d")
        term.wait_exit()

    state = {"INFERCODE_STATE_DIR": str(tmp_path / "state")}
    marker.unlink()
    server.enqueue(text_reply("ok"))
    result = run_infercode(["--base-url", server.url, "-p", "hi"], cwd=workspace, env=state)
    assert result.returncode == 0, result.stderr
    assert marker.exists() and "mcp__proj__shout" in offered(server)

    marker.unlink()
    (workspace / ".mcp.json").write_text(project_file(marker, "--changed"))
    server.enqueue(text_reply("ok"))
    result = run_infercode(["--base-url", server.url, "-p", "hi"], cwd=workspace, env=state)
    assert "not trusted" in result.stderr and not marker.exists()  # changed: asked again

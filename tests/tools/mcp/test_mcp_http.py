"""A streamable-HTTP MCP server on loopback: a call works, the bearer token is sent."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply
from tests.tools.mcp.support import PYTHON, write_config

HTTP_SERVER = Path(__file__).with_name("http_server.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def http_mcp(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = tmp_path / "headers.jsonl"
    process = subprocess.Popen([PYTHON, str(HTTP_SERVER), str(port), str(log)])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("the HTTP MCP server did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp", log
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_http_server_call_with_bearer_token_and_headers(
    server: ResponsesServer, workspace: Path, isolated_home: Path, http_mcp: tuple[str, Path]
) -> None:
    url, log = http_mcp
    write_config(
        isolated_home,
        'allow_mcp = ["web.add"]\n'
        "[mcp_servers.web]\n"
        f'url = "{url}"\n'
        'bearer_token_env_var = "WEB_MCP_TOKEN"\n'
        'headers = { "X-Team" = "blue" }\n',
    )
    server.enqueue(call_reply(FunctionCall("mcp__web__add", {"a": 2, "b": 40})), text_reply("42."))
    result = run_infercode(
        ["--base-url", server.url, "-p", "add"],
        cwd=workspace,
        env={"WEB_MCP_TOKEN": "tok-123"},
    )
    assert result.returncode == 0, result.stderr
    body = server.requests[1].body
    assert body is not None
    (output,) = [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]
    assert output == "42"
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    assert seen and all(s == {"authorization": "Bearer tok-123", "x-team": "blue"} for s in seen)


def test_http_server_without_its_token_is_a_warning(
    server: ResponsesServer, workspace: Path, isolated_home: Path, http_mcp: tuple[str, Path]
) -> None:
    url, log = http_mcp
    write_config(
        isolated_home,
        f'[mcp_servers.web]\nurl = "{url}"\nbearer_token_env_var = "WEB_MCP_TOKEN"\n',
    )
    server.enqueue(text_reply("ok"))
    result = run_infercode(["--base-url", server.url, "-p", "hi"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "MCP server 'web' failed to start: WEB_MCP_TOKEN is not set" in result.stderr
    assert not log.exists()  # nothing was sent without the token

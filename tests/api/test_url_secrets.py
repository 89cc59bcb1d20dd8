"""Credentials in a base URL never reach error messages or the JSON output."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from infercode.url_secrets import masked_url
from tests.conftest import run_infercode
from tests.support.responses_server import HttpError, ResponsesServer, text_reply

PASSWORD = "s3cretPassw0rd"
KEY = "k3yInTheQuery"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@host/v1", "https://***:***@host/v1"),
        ("https://user@host/v1", "https://***@host/v1"),
        ("https://host:8443/v1?key=abc&region=eu", "https://host:8443/v1?key=***&region=***"),
        ("http://[::1]:9/v1#token", "http://[::1]:9/v1#***"),
        ("https://api.infercom.ai/v1", "https://api.infercom.ai/v1"),
        ("http://host:notaport/v1", "***"),
    ],
)
def test_masked_url(url: str, shown: str) -> None:
    assert masked_url(url) == shown


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text and KEY not in text, text


def test_connection_error_and_json_result_mask_the_url(workspace: Path) -> None:
    url = f"http://user:{PASSWORD}@127.0.0.1:{_closed_port()}/v1?key={KEY}"
    result = run_infercode(
        ["--base-url", url, "--output-format", "json", "-p", "hi"], cwd=workspace
    )
    assert result.returncode == 1
    _assert_no_secret(result.stdout, result.stderr)
    error = json.loads(result.stdout)["error"]
    assert "cannot connect to http://***:***@127.0.0.1:" in error and "key=***" in error


def test_stream_json_error_masks_the_url(workspace: Path) -> None:
    url = f"http://user:{PASSWORD}@127.0.0.1:{_closed_port()}/v1"
    result = run_infercode(
        ["--base-url", url, "--output-format", "stream-json", "-p", "hi"], cwd=workspace
    )
    assert result.returncode == 1
    _assert_no_secret(result.stdout, result.stderr)
    assert '"type": "error"' in result.stdout or '"type":"error"' in result.stdout


def test_missing_key_message_masks_the_url(workspace: Path) -> None:
    url = f"https://user:{PASSWORD}@api.example.invalid/v1?key={KEY}"
    result = run_infercode(["--base-url", url, "-p", "hi"], cwd=workspace)
    assert result.returncode == 2
    _assert_no_secret(result.stdout, result.stderr)
    assert "no API key for https://***:***@api.example.invalid/v1?key=***" in result.stderr


def test_http_error_masks_the_url_and_the_session_continues(
    server: ResponsesServer, workspace: Path
) -> None:
    server.enqueue(HttpError(400, "Bad request for this model."))
    url = server.url.replace("http://", f"http://user:{PASSWORD}@")
    result = run_infercode(
        ["--base-url", url, "--output-format", "json", "-p", "hi"], cwd=workspace
    )
    assert result.returncode == 1, result.stderr
    _assert_no_secret(result.stdout, result.stderr)
    assert "HTTP 400 from http://***:***@127.0.0.1" in json.loads(result.stdout)["error"]
    server.enqueue(text_reply("Fine now."))
    again = run_infercode(["--base-url", server.url, "--continue", "-p", "again"], cwd=workspace)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "Fine now.\n"
    assert [r.rejected for r in server.requests if r.rejected] == []

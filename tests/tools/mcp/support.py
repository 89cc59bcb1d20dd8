"""Where the tests' MCP servers are: the PyPI ones in ``.venv-mcp`` (``.ci/run`` installs them),
the fake one next to this file; and writing them into the test's config file."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SERVER_VENV = REPO / ".venv-mcp" / "bin"
FAKE_SERVER = Path(__file__).with_name("fake_server.py")


def pypi_server(name: str) -> str:
    """The path of ``mcp-server-<name>``; skips without ``.venv-mcp``, but fails under CI."""
    path = SERVER_VENV / f"mcp-server-{name}"
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: .ci/run installs it into .venv-mcp")
        pytest.skip(f"{path} is missing (run .ci/run once to install the MCP test servers)")
    return str(path)


def fake_server_args(*extra: str) -> list[str]:
    return [str(FAKE_SERVER), *extra]


def toml_value(value: object) -> str:
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
        )
    return json.dumps(value)  # JSON strings, numbers and lists are TOML too


def write_config(home: Path, text: str) -> Path:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def server_table(name: str, command: str, args: list[str], **extra: object) -> str:
    lines = [f"[mcp_servers.{name}]", f"command = {toml_value(command)}"]
    lines.append(f"args = {toml_value(args)}")
    lines += [f"{key} = {toml_value(value)}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


PYTHON = sys.executable

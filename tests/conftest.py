"""Shared fixtures: an isolated home for every test, the local Responses server, the CLI runner."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.pty import COMMAND
from tests.support.responses_server import ResponsesServer

#: How tests start infercode (the installed console script, as users run it).
INFERCODE = COMMAND


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Nothing a test runs may read or write the real user's config, state or git settings."""
    home = tmp_path_factory.mktemp("home")
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(home if name == "HOME" else home / name.lower()))
    monkeypatch.setenv("INFERCODE_STATE_DIR", str(home / "state"))
    monkeypatch.setenv("INFERCODE_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (home / "gitconfig").write_text("[user]\n\tname = Test\n\temail = test@example.com\n")
    for name in ("INFERCOM_API_KEY", "INFERCOM_MODEL", "INFERCOM_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):  # the caller's git (GIT_DIR, GIT_INDEX_FILE...) stays out
        if name.startswith("GIT_") and name not in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
            monkeypatch.delenv(name)
    return home


@pytest.fixture
def server() -> Iterator[ResponsesServer]:
    with ResponsesServer() as running:
        yield running


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


def run_infercode(
    args: Sequence[str],
    *,
    cwd: Path,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Result:
    """Run the installed command without a controlling terminal (a new session), as CI does."""
    completed = subprocess.run(
        [*INFERCODE, *args],
        cwd=cwd,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        start_new_session=True,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)

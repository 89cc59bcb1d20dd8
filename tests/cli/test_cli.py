"""``cli.main``'s fast paths answer exactly as the typer command would, without loading it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import pytest

from infercode.cli.app import render_help
from infercode.cli.main import HELP_FILE, simple_args
from infercode.cli.options import RunArgs
from tests.conftest import run_infercode
from tests.support.pty import Terminal, isolated_env, make_workspace
from tests.support.responses_server import ResponsesServer, text_reply

TYPER_HELP = (
    "import sys\n"
    "from infercode.cli.app import make_app\n"
    "make_app()(args=sys.argv[1:], prog_name='infercode')\n"
)


def test_help_file_is_what_typer_renders() -> None:
    assert HELP_FILE.read_text(encoding="utf-8") == render_help(), (
        "src/infercode/cli/help.txt is stale: "
        "python -m infercode.cli.app > src/infercode/cli/help.txt"
    )


def test_help_and_version_skip_typer_and_match_it(workspace: Path) -> None:
    wide = {"COLUMNS": "120", "PYTHONVERBOSE": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    for flag in ("--help", "-h", "--version"):
        fast = run_infercode([flag], cwd=workspace, env=wide)
        assert fast.returncode == 0
        assert "import 'typer'" not in fast.stderr, flag
    typer_help = subprocess.run(
        [sys.executable, "-c", TYPER_HELP, "--help"],
        cwd=workspace,
        env={**os.environ, "COLUMNS": "120"},
        capture_output=True,
        text=True,
        check=True,
    )
    fast_help = run_infercode(["--help"], cwd=workspace, env={"COLUMNS": "120"})
    assert fast_help.stdout == typer_help.stdout
    version = run_infercode(["--version"], cwd=workspace)
    with_typer = run_infercode(["--version", "-q"], cwd=workspace)
    assert version.stdout == with_typer.stdout and version.stdout.startswith("infercode ")


def test_narrow_terminals_get_typer_wrapping(workspace: Path) -> None:
    narrow = run_infercode(["--help"], cwd=workspace, env={"COLUMNS": "60"})
    assert narrow.returncode == 0 and narrow.stdout.startswith("Usage: infercode")
    assert narrow.stdout != HELP_FILE.read_text(encoding="utf-8")  # wrapped at 58, not 78


def test_plain_prompt_and_pipe_run_without_options(
    server: ResponsesServer, workspace: Path
) -> None:
    server.enqueue(text_reply("one"), text_reply("two"))
    env = {"INFERCOM_BASE_URL": server.url}
    piped = run_infercode([], cwd=workspace, stdin="from the pipe", env=env)
    assert (piped.returncode, piped.stdout) == (0, "one\n"), piped.stderr
    both = run_infercode(["review"], cwd=workspace, stdin="diff", env=env)
    assert (both.returncode, both.stdout) == (0, "two\n"), both.stderr
    texts = []
    for request in server.requests:
        assert request.body is not None
        texts.append(request.body["input"][0]["content"][0]["text"])
    assert texts == ["from the pipe", "review\n\n```\ndiff\n```"]


def test_repl_without_options_takes_the_first_message(
    server: ResponsesServer, tmp_path: Path
) -> None:
    server.enqueue(text_reply("Hi from the REPL."))
    root = make_workspace(tmp_path / "ws")
    env = isolated_env(tmp_path, {"INFERCOM_BASE_URL": server.url})
    with Terminal.spawn(["say hi"], cwd=root, env=env) as term:
        term.wait_for("Hi from the REPL.")
        term.wait_prompt()
        term.press("ctrl-d")
        assert term.wait_exit() == 0
    body = server.requests[0].body
    assert body is not None and body["input"][0]["content"][0]["text"] == "say hi"


SIMPLE = [
    [],
    ["fix the bug"],
    ["-p", "hi"],
    ["--print", "hi", "--base-url", "http://127.0.0.1:1/v1", "-m", "MiniMax-M2.7"],
    ["-y", "-q", "--diff", "--allow", "read,edit", "-p", ""],
    ["--profile", "fast", "--reasoning-effort", "high", "--output-format", "json", "do it"],
    ["--model", "x", "prompt first", "--yes", "--quiet"],
]
NOT_SIMPLE = [
    ["-p", "-dash"],
    ["-p"],
    ["-yq", "-p", "x"],
    ["--model=x"],
    ["-p", "a", "-p", "b"],
    ["one", "two"],
    ["--max-turns", "3"],
    ["--", "-p"],
    ["-p", "x", "sessions"],
    ["--continue"],
]


@pytest.mark.parametrize("argv", SIMPLE)
def test_simple_command_lines_read_as_typer_reads_them(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from infercode.cli import app as command

    seen: list[RunArgs] = []

    def capture(args: RunArgs) -> NoReturn:
        seen.append(args)
        raise SystemExit(0)

    monkeypatch.setattr(command, "launch", capture)
    with pytest.raises(SystemExit):
        command.make_app()(args=argv, prog_name="infercode")
    assert simple_args(argv) == seen[0]


@pytest.mark.parametrize("argv", NOT_SIMPLE)
def test_other_command_lines_are_left_to_typer(argv: list[str]) -> None:
    assert simple_args(argv) is None


@pytest.mark.parametrize(
    "error", [KeyboardInterrupt(), EOFError(), ValueError("boom"), SystemExit(3)], ids=repr
)
def test_what_escapes_the_run_ends_it_as_with_typer(
    error: BaseException, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from infercode.cli import app as command
    from infercode.cli import main as cli

    def failing(_args: RunArgs) -> NoReturn:
        raise error

    monkeypatch.setattr(cli, "launch", failing)
    monkeypatch.setattr(command, "launch", failing)
    outcomes = []
    for argv in (["-p", "x"], ["--max-turns", "3", "-p", "x"]):  # fast path, typer
        monkeypatch.setattr(sys, "argv", ["infercode", *argv])
        try:
            cli.main()
        except SystemExit as exited:
            outcomes.append(("exit", exited.code, capsys.readouterr().err))
        except BaseException as other:
            outcomes.append(("raised", repr(other), capsys.readouterr().err))
    assert outcomes[0] == outcomes[1]

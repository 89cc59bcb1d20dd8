"""A state dir that cannot be written never stops the work; what is written there is private.

Tests run as root, which ignores permission bits: an unusable state dir is simulated with a
regular file where the folder should be, or with a path under a regular file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from infercode.git.checkpoints import Checkpoints
from tests.conftest import run_infercode
from tests.support.pty import start_repl
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

EDIT = {"path": "app.py", "old_string": "print('hi')", "new_string": "print('hello')"}


def _script_edit(server: ResponsesServer) -> None:
    server.enqueue(call_reply(FunctionCall("edit_file", EDIT, "call_e")), text_reply("Changed it."))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.parametrize("where", ["file", "under-file"])
def test_headless_edit_with_a_state_dir_that_is_a_file(
    server: ResponsesServer, workspace: Path, tmp_path: Path, where: str
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder\n")
    state = blocker if where == "file" else blocker / "state"
    (workspace / "app.py").write_text("print('hi')\n")
    _script_edit(server)
    result = run_infercode(
        ["--base-url", server.url, "--yes", "--diff", "-p", "say hello"],
        cwd=workspace,
        env={"INFERCODE_STATE_DIR": str(state)},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (workspace / "app.py").read_text() == "print('hello')\n"  # the work went on
    notices = [line for line in result.stderr.splitlines() if "/undo unavailable" in line]
    assert len(notices) == 1, result.stderr
    assert "/undo unavailable" in notices[0] and "Not a directory" in notices[0]
    assert "cannot show the diff: checkpoints are off" in result.stderr
    assert "this session is not recorded: Not a directory: " in result.stderr
    assert result.stdout == "Changed it.\n"


def test_headless_checkpoints_unusable_but_sessions_fine(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    state = isolated_home / "state"
    state.mkdir()
    (state / "checkpoints").write_text("in the way\n")
    (workspace / "app.py").write_text("print('hi')\n")
    _script_edit(server)
    result = run_infercode(["--base-url", server.url, "--yes", "-p", "say hello"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (workspace / "app.py").read_text() == "print('hello')\n"
    assert "checkpoints are off for this session (/undo unavailable)" in result.stderr
    server.enqueue(text_reply("Still here."))
    again = run_infercode(["--base-url", server.url, "--continue", "-p", "and now?"], cwd=workspace)
    assert again.returncode == 0, again.stderr
    assert [r.rejected for r in server.requests if r.rejected] == []
    assert len(server.requests[-1].body["input"]) == 5  # type: ignore[index]


def test_repl_with_a_state_dir_that_is_a_file(server: ResponsesServer, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder\n")
    _script_edit(server)
    term, workspace = start_repl(
        server.url,
        tmp_path,
        "--allow",
        "edit",
        files={"app.py": "print('hi')\n"},
        env={"INFERCODE_STATE_DIR": str(blocker)},
    )
    with term:
        term.wait_for("input history is not saved: Not a directory")
        term.wait_prompt()
        term.send_line("say hello")
        term.wait_for("Changed it.")
        term.wait_prompt()
        assert (workspace / "app.py").read_text() == "print('hello')\n"
        term.send_line("/undo")
        term.wait_for("/undo and /diff unavailable")
        term.wait_prompt()
        screen = term.history_text()
        assert "Traceback" not in screen
        assert "Not a directory" in screen
        assert screen.count("checkpoints are off for this session") == 1
        assert screen.count("the session is no longer recorded: Not a directory") == 1
    assert (workspace / "app.py").read_text() == "print('hello')\n"


def test_state_is_private(server: ResponsesServer, workspace: Path, isolated_home: Path) -> None:
    state = isolated_home / "state"
    (workspace / "app.py").write_text("print('hi')\n")
    (workspace / ".env").write_text("SECRET=hunter2\n")  # untracked: copied into the store
    _script_edit(server)
    result = run_infercode(["--base-url", server.url, "--yes", "-p", "say hello"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    checked = 0
    for path in [state, *state.rglob("*")]:
        mode = _mode(path)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"
        if path.is_dir():
            assert mode == 0o700, f"{path} is {oct(mode)}"
        checked += 1
    objects = list(state.glob("checkpoints/*.git/objects/**/*"))
    assert any(p.is_file() for p in objects) and checked > 20
    (session,) = state.glob("sessions/*.jsonl")
    assert _mode(session) == 0o600


def test_existing_loose_folders_are_tightened(
    server: ResponsesServer, workspace: Path, isolated_home: Path
) -> None:
    state = isolated_home / "state"
    for name in ("sessions", "checkpoints"):
        (state / name).mkdir(parents=True)
        (state / name).chmod(0o755)
    state.chmod(0o755)
    (workspace / "app.py").write_text("print('hi')\n")
    _script_edit(server)
    result = run_infercode(["--base-url", server.url, "--yes", "-p", "say hello"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert _mode(state / "sessions") == 0o700 and _mode(state / "checkpoints") == 0o700
    assert _mode(state) == 0o755  # the user's choice of folder is left as it was


def test_repl_input_history_is_private(server: ResponsesServer, tmp_path: Path) -> None:
    server.enqueue(text_reply("Hi."))
    term, _ = start_repl(server.url, tmp_path)
    with term:
        term.wait_prompt()
        term.send_line("my password is swordfish")
        term.wait_for("Hi.")
        term.wait_prompt()
    history = tmp_path / "state" / "history"
    assert "swordfish" in history.read_text()
    assert _mode(history) == 0o600 and _mode(history.parent) == 0o700


def test_a_file_named_git_backslash_config_keeps_checkpoints_on(
    tmp_path: Path, isolated_home: Path
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "app.py").write_text("a\n")
    checkpoints = Checkpoints(root, isolated_home / "state")
    checkpoints.begin_turn("make odd files")
    (root / ".git\\config").write_text("[core]\n")
    (root / "app.py").write_text("b\n")
    change = checkpoints.end_turn()
    assert change is not None
    assert set(change.paths) == {".git\\config", "app.py"}
    checkpoints.undo()
    assert not (root / ".git\\config").exists()
    assert (root / "app.py").read_text() == "a\n"


def test_git_backslash_config_made_by_a_command_keeps_undo(
    server: ResponsesServer, workspace: Path
) -> None:
    (workspace / "app.py").write_text("print('hi')\n")
    server.enqueue(
        call_reply(
            FunctionCall("shell", {"command": "printf '[core]\\n' > '.git\\config'"}, "call_s")
        ),
        call_reply(FunctionCall("edit_file", EDIT, "call_e")),
        text_reply("Done."),
    )
    result = run_infercode(["--base-url", server.url, "--yes", "--diff", "-p", "go"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert (workspace / ".git\\config").exists()
    assert "checkpoints are off" not in result.stderr
    assert "+print('hello')" in result.stderr and ".git\\config" in result.stderr
    server.enqueue(text_reply("Ok."))
    again = run_infercode(["--base-url", server.url, "--continue", "-p", "next"], cwd=workspace)
    assert again.returncode == 0, again.stderr
    assert [r.rejected for r in server.requests if r.rejected] == []
    assert os.path.exists(workspace / ".git\\config")


def test_private_paths_tighten_what_an_older_version_left(tmp_path: Path) -> None:
    from infercode.private_paths import private_dir, private_file

    history = tmp_path / "state" / "history"
    history.parent.mkdir()
    history.write_text("old prompt\n")
    history.chmod(0o644)
    assert private_file(history) == history
    assert _mode(history) == 0o600 and history.read_text() == "old prompt\n"
    made = private_dir(tmp_path / "a" / "b" / "c")
    assert [_mode(p) for p in (made, made.parent, made.parent.parent)] == [0o700] * 3
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(NotADirectoryError):
        private_dir(blocker)
    with pytest.raises(OSError):
        private_dir(blocker / "below")

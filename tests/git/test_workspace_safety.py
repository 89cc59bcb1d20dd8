"""Checkpoints, --diff, --auto-commit and outside paths through the real command (issue 4)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pexpect

from tests.conftest import INFERCODE, run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

MENU = "\\^C stop"  # the end of the approval menu's one line (a regex)


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def make_repo(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    (root / "keep.txt").write_text("keep\n")
    (root / "app.py").write_text("print('hi')\n")
    (root / "old.txt").write_text("old\n")
    (root / ".gitignore").write_text("build/\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")


def edit_create_delete(server: ResponsesServer) -> None:
    server.enqueue(
        call_reply(
            FunctionCall(
                "edit_file", {"path": "app.py", "old_string": "'hi'", "new_string": "'hello'"}
            ),
            FunctionCall("shell", {"command": "echo new > made.txt; rm old.txt; mkdir -p build"}),
        ),
        text_reply("Done."),
    )


def test_diff_shows_edit_create_and_delete(server: ResponsesServer, workspace: Path) -> None:
    make_repo(workspace)
    (workspace / "unrelated.txt").write_text("the user's own file\n")
    edit_create_delete(server)
    result = run_infercode([*base(server), "--yes", "--diff", "-p", "go"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Done.\n"  # the diff goes to stderr, stdout stays the answer
    for needle in ("+print('hello')", "-print('hi')", "+new", "-old", "made.txt", "old.txt"):
        assert needle in result.stderr, needle
    assert "unrelated.txt" not in result.stderr
    # the user's repository is untouched by checkpoints: nothing staged, no new commits
    assert git(workspace, "log", "--oneline").count("\n") == 1
    assert git(workspace, "diff", "--cached", "--name-only") == ""


def test_auto_commit_commits_exactly_the_touched_files(
    server: ResponsesServer, workspace: Path
) -> None:
    make_repo(workspace)
    (workspace / "keep.txt").write_text("the user's unstaged edit\n")
    (workspace / "staged.txt").write_text("staged by the user\n")
    git(workspace, "add", "staged.txt")
    edit_create_delete(server)
    result = run_infercode(
        [*base(server), "--yes", "--auto-commit", "-p", "greet with hello"], cwd=workspace
    )
    assert result.returncode == 0, result.stderr
    assert "committed" in result.stderr
    files = git(workspace, "show", "--name-status", "--format=%s%n%b", "HEAD")
    assert "infercode: greet with hello" in files and "Co-authored-by: infercode" in files
    changed = sorted(line for line in files.splitlines() if line[:2] in ("M\t", "A\t", "D\t"))
    assert changed == ["A\tmade.txt", "D\told.txt", "M\tapp.py"]
    assert git(workspace, "diff", "--cached", "--name-only").split() == ["staged.txt"]
    assert "keep.txt" in git(workspace, "diff", "--name-only")


def test_no_auto_commit_by_default(server: ResponsesServer, workspace: Path) -> None:
    make_repo(workspace)
    edit_create_delete(server)
    run_infercode([*base(server), "--yes", "-p", "go"], cwd=workspace)
    assert git(workspace, "log", "--oneline").count("\n") == 1


def test_checkpoints_work_outside_a_git_repository(
    server: ResponsesServer, workspace: Path
) -> None:
    (workspace / "app.py").write_text("print('hi')\n")
    (workspace / "old.txt").write_text("old\n")
    edit_create_delete(server)
    result = run_infercode([*base(server), "--yes", "--diff", "-p", "go"], cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "+print('hello')" in result.stderr and "made.txt" in result.stderr
    assert not (workspace / ".git").exists()


def test_git_config_write_is_refused_even_with_yes(
    server: ResponsesServer, workspace: Path
) -> None:
    make_repo(workspace)
    before = (workspace / ".git" / "config").read_text()
    server.enqueue(
        call_reply(
            FunctionCall(
                "edit_file",
                {"path": ".git/config", "old_string": "[core]", "new_string": "[core]\n\tx = 1"},
            )
        ),
        text_reply("ok"),
    )
    result = run_infercode([*base(server), "--yes", "-p", "go"], cwd=workspace)
    assert result.returncode == 0
    assert (workspace / ".git" / "config").read_text() == before
    body = server.requests[1].body
    assert body is not None and ".git" in str(body["input"][-1]["output"])


def test_symlink_outside_is_refused_without_a_terminal(
    server: ResponsesServer, workspace: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret\n")
    (workspace / "link.txt").symlink_to(secret)
    server.enqueue(call_reply(FunctionCall("read_file", {"path": "link.txt"})), text_reply("ok"))
    result = run_infercode([*base(server), "--yes", "-p", "go"], cwd=workspace)
    assert result.returncode == 3
    body = server.requests[1].body
    assert body is not None
    output = str(body["input"][-1]["output"])
    assert "outside the workspace" in output and "top secret" not in output


def test_outside_path_read_after_the_user_confirms_it(
    server: ResponsesServer, workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "notes.txt"
    outside.write_text("outside notes\n")
    server.enqueue(
        call_reply(FunctionCall("read_file", {"path": str(outside)})),
        call_reply(FunctionCall("read_file", {"path": str(tmp_path / "other.txt")})),
        text_reply("Read it."),
    )
    (tmp_path / "other.txt").write_text("other\n")
    command = " ".join(shlex.quote(p) for p in [*INFERCODE, *base(server), "--yes"])
    child = pexpect.spawn(
        "bash",
        ["-c", f"echo 'read my notes' | {command}"],
        cwd=str(workspace),
        env=dict(os.environ),
        encoding="utf-8",
        timeout=30,
    )
    child.expect("OUTSIDE the workspace")
    child.expect(MENU)
    child.send("y")
    # a different outside path is asked about again, even with --yes
    child.expect("other.txt")
    child.expect(MENU)
    child.send("\x1b")  # Esc: no
    child.expect("Read it.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    first = server.requests[1].body
    second = server.requests[2].body
    assert first is not None and second is not None
    assert "outside notes" in str(first["input"][-1]["output"])
    assert "denied" in str(second["input"][-1]["output"])


def base(server: ResponsesServer) -> list[str]:
    return ["--base-url", server.url]

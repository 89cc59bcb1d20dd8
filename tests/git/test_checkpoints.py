"""Checkpoints against real git in temporary repositories, isolated from the user's git config."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path

import pytest

from infercode.git.checkpoints import COMMIT_TRAILER, Checkpoints, UndoRefused, current_branch


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def write(path: Path, text: str, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mode is not None:
        path.chmod(mode)


def is_exec(path: Path) -> bool:
    return bool(path.stat().st_mode & stat.S_IXUSR)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A committed repository: two text files, an executable, a .gitignore for logs and build/."""
    root = tmp_path / "ws"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Tester")
    git(root, "config", "user.email", "tester@example.com")
    write(root / "a.txt", "alpha\n")
    write(root / "keep.txt", "keep me\n")
    write(root / "bin" / "run.sh", "#!/bin/sh\necho hi\n", 0o755)
    write(root / ".gitignore", "*.log\nbuild/\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


@pytest.fixture
def cp(ws: Path, tmp_path: Path) -> Checkpoints:
    return Checkpoints(ws, tmp_path / "state")


def git_dir_digest(root: Path) -> dict[str, str]:
    """Content and mode of every file in the user's .git: HEAD, refs, index, stash, objects..."""
    result: dict[str, str] = {}
    for path in sorted((root / ".git").rglob("*")):
        if path.is_file():
            data = hashlib.sha256(path.read_bytes()).hexdigest()
            result[path.relative_to(root).as_posix()] = f"{oct(path.stat().st_mode)} {data}"
    return result


def test_undo_restores_edit_created_and_deleted(ws: Path, cp: Checkpoints) -> None:
    cp.begin_turn("three changes")
    write(ws / "a.txt", "alpha edited\n")  # an edit tool
    write(ws / "gen" / "deep" / "new.txt", "created by shell\n")  # a shell-created file
    (ws / "keep.txt").unlink()  # a shell-deleted file
    change = cp.end_turn()
    assert change is not None
    assert (change.modified, change.added, change.deleted) == (
        ("a.txt",),
        ("gen/deep/new.txt",),
        ("keep.txt",),
    )
    assert change.summary() == "1 modified, 1 added, 1 deleted"

    result = cp.undo()
    assert (ws / "a.txt").read_text() == "alpha\n"
    assert (ws / "keep.txt").read_text() == "keep me\n"
    assert not (ws / "gen").exists()  # the folders the turn created went with the file
    assert result.turn == change
    assert (result.restored, result.deleted, result.recreated) == (
        ("a.txt",),
        ("gen/deep/new.txt",),
        ("keep.txt",),
    )
    assert "a.txt" in result.message and "keep.txt" in result.message
    assert cp.turns == ()
    assert cp.undo().turn is None
    assert "Nothing to undo" in cp.undo().message


def test_two_turns_walk_back_one_by_one(ws: Path, cp: Checkpoints) -> None:
    cp.begin_turn("first")
    write(ws / "a.txt", "one\n")
    first = cp.end_turn()
    cp.begin_turn("second")
    write(ws / "a.txt", "two\n")
    write(ws / "b.txt", "bee\n")
    second = cp.end_turn()
    assert first is not None and second is not None
    assert [t.number for t in cp.turns] == [1, 2]

    assert cp.undo().turn == second
    assert (ws / "a.txt").read_text() == "one\n"
    assert not (ws / "b.txt").exists()
    assert cp.undo().turn == first
    assert (ws / "a.txt").read_text() == "alpha\n"


def test_odd_file_names(ws: Path, cp: Checkpoints) -> None:
    odd = ("star*.txt", "[x].txt", "space and ü.txt", "-dash.txt", ":(glob)magic")
    for name in odd:
        write(ws / name, f"{name}\n")
    cp.begin_turn("odd names")
    for name in odd:
        (ws / name).unlink()
    write(ws / "new ü*.txt", "new\n")
    change = cp.end_turn()
    assert change is not None and set(change.deleted) == set(odd)
    assert "new ü*.txt" in cp.diff()
    cp.undo()
    for name in odd:
        assert (ws / name).read_text() == f"{name}\n"
    assert not (ws / "new ü*.txt").exists()


def test_turn_without_changes_is_not_on_the_stack(ws: Path, cp: Checkpoints) -> None:
    cp.begin_turn("reads only")
    assert cp.end_turn() is None
    assert cp.end_turn() is None  # no open turn
    assert cp.turns == ()


def test_undo_refuses_when_user_edited_a_touched_file(ws: Path, cp: Checkpoints) -> None:
    cp.begin_turn("edit")
    write(ws / "a.txt", "agent\n")
    cp.end_turn()
    write(ws / "keep.txt", "user edits an unrelated file\n")
    write(ws / "a.txt", "user's own later edit\n")

    with pytest.raises(UndoRefused) as info:
        cp.undo()
    assert info.value.paths == ("a.txt",)
    assert "a.txt" in str(info.value)
    assert (ws / "a.txt").read_text() == "user's own later edit\n"
    assert len(cp.turns) == 1

    # Once the file is back as the turn left it, unrelated user edits don't block the undo.
    write(ws / "a.txt", "agent\n")
    cp.undo()
    assert (ws / "a.txt").read_text() == "alpha\n"
    assert (ws / "keep.txt").read_text() == "user edits an unrelated file\n"


def test_undo_refuses_to_remove_a_new_folder_where_a_file_returns(
    ws: Path, cp: Checkpoints
) -> None:
    cp.begin_turn("delete keep")
    (ws / "keep.txt").unlink()
    cp.end_turn()
    write(ws / "keep.txt" / "user.txt", "user's file in a new folder\n")
    with pytest.raises(UndoRefused) as info:
        cp.undo()
    assert info.value.paths == ("keep.txt/user.txt",)
    assert (ws / "keep.txt" / "user.txt").exists()


def test_folder_that_is_not_a_repository(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    write(root / "x.py", "x = 1\n")
    cp = Checkpoints(root, tmp_path / "state")
    cp.begin_turn("plain")
    write(root / "x.py", "x = 2\n")
    write(root / "y.py", "y = 1\n")
    change = cp.end_turn()
    assert change is not None and change.paths == ("x.py", "y.py")
    assert "+x = 2" in cp.diff()
    assert cp.auto_commit(change, "msg") is None
    assert current_branch(root) is None
    cp.undo()
    assert (root / "x.py").read_text() == "x = 1\n"
    assert not (root / "y.py").exists()
    assert not (root / ".git").exists()


def test_ignored_files_are_out_of_scope(ws: Path, cp: Checkpoints) -> None:
    write(ws / ".git" / "info" / "exclude", "secret.txt\n")
    write(ws / "old.log", "before\n")
    write(ws / "sub" / ".gitignore", "*.tmp\n")
    nested = ws / "vendored"  # a nested repository with a commit, and one without
    write(nested / "lib.py", "lib\n")
    git(nested, "init", "-q")
    git(nested, "-c", "user.name=n", "-c", "user.email=n@x", "add", "-A")
    git(nested, "-c", "user.name=n", "-c", "user.email=n@x", "commit", "-q", "-m", "n")
    write(ws / "fresh" / "f.py", "f\n")
    git(ws / "fresh", "init", "-q")

    cp.begin_turn("ignored only")
    write(ws / "old.log", "after\n")
    write(ws / "new.log", "new\n")
    write(ws / "build" / "out.bin", "out\n")
    write(ws / "secret.txt", "excluded by info/exclude\n")
    write(ws / "sub" / "scratch.tmp", "nested .gitignore\n")
    write(nested / "lib.py", "inside a nested repository\n")
    write(ws / "fresh" / "f.py", "inside a repository without commits\n")
    assert cp.end_turn() is None

    cp.begin_turn("real change")
    write(ws / "a.txt", "changed\n")
    write(ws / "another.log", "ignored, created during the turn\n")
    change = cp.end_turn()
    assert change is not None and change.paths == ("a.txt",)
    cp.undo()
    for name in ("another.log", "new.log", "build/out.bin", "secret.txt", "sub/scratch.tmp"):
        assert (ws / name).exists(), name
    assert (ws / "old.log").read_text() == "after\n"
    assert (nested / "lib.py").read_text() == "inside a nested repository\n"


def test_state_dir_inside_the_workspace_is_not_snapshotted(ws: Path) -> None:
    cp = Checkpoints(ws, ws / ".infercode" / "state")
    cp.begin_turn("edit")
    write(ws / "a.txt", "edited\n")
    change = cp.end_turn()
    assert change is not None and change.paths == ("a.txt",)
    cp.begin_turn("nothing")
    assert cp.end_turn() is None


def test_user_repository_is_untouched(ws: Path, cp: Checkpoints) -> None:
    write(ws / "keep.txt", "stashed change\n")
    git(ws, "stash", "-q")
    write(ws / "staged.txt", "staged by the user\n")
    git(ws, "add", "staged.txt")
    write(ws / "keep.txt", "unstaged user change\n")
    before = git_dir_digest(ws)

    cp.snapshot()
    cp.begin_turn("edit")
    write(ws / "a.txt", "agent\n")
    (ws / "staged.txt").unlink()
    cp.end_turn()
    cp.diff()
    cp.undo()

    assert git_dir_digest(ws) == before
    assert (ws / "staged.txt").read_text() == "staged by the user\n"
    assert git(ws, "diff", "--cached", "--name-only") == "staged.txt\n"
    assert git(ws, "stash", "list").count("\n") == 1


def test_auto_commit_commits_only_the_turns_files(ws: Path, cp: Checkpoints) -> None:
    write(ws / "other.txt", "user's staged work\n")
    git(ws, "add", "other.txt")
    write(ws / "keep.txt", "user's unstaged work\n")
    cp.begin_turn("agent work")
    write(ws / "a.txt", "agent edit\n")
    write(ws / "n*w.txt", "agent file\n")
    (ws / "bin" / "run.sh").unlink()
    change = cp.end_turn()
    assert change is not None
    write(ws / "nXw.txt", "user's untracked file, matched by n*w.txt as a glob\n")

    sha = cp.auto_commit(change, "Agent work")
    assert sha is not None and sha == git(ws, "rev-parse", "HEAD").strip()
    files = git(ws, "show", "--name-status", "--format=", sha).split("\n")
    assert sorted(f for f in files if f) == ["A\tn*w.txt", "D\tbin/run.sh", "M\ta.txt"]
    assert git(ws, "log", "-1", "--format=%B").strip().endswith(COMMIT_TRAILER)
    assert git(ws, "diff", "--cached", "--name-only") == "other.txt\n"
    assert git(ws, "diff", "--name-only") == "keep.txt\n"
    assert "nXw.txt" in git(ws, "status", "--porcelain")
    assert cp.auto_commit(change, "again") is None  # nothing left to commit


def test_auto_commit_from_a_subfolder_of_a_repository_without_commits(tmp_path: Path) -> None:
    top = tmp_path / "top"
    top.mkdir()
    git(top, "init", "-q")
    git(top, "config", "user.name", "Tester")
    git(top, "config", "user.email", "tester@example.com")
    write(top / "outside.txt", "not ours\n")
    cp = Checkpoints(top / "pkg", tmp_path / "state")
    (top / "pkg").mkdir()
    cp.begin_turn("create")
    write(top / "pkg" / "mod.py", "x = 1\n")
    change = cp.end_turn()
    assert change is not None and change.paths == ("mod.py",)
    sha = cp.auto_commit(change, "")
    assert sha is not None
    assert git(top, "show", "--name-only", "--format=%s", sha).split() == [
        "infercode",
        "turn",
        "1",
        "pkg/mod.py",
    ]


def test_executable_bit_is_restored(ws: Path, cp: Checkpoints) -> None:
    script = ws / "bin" / "run.sh"
    write(ws / "tool.sh", "#!/bin/sh\n", 0o755)
    cp.snapshot()
    cp.begin_turn("chmod")
    write(script, "#!/bin/sh\necho changed\n", 0o644)
    (ws / "tool.sh").unlink()
    change = cp.end_turn()
    assert change is not None and change.paths == ("bin/run.sh", "tool.sh")
    cp.undo()
    assert is_exec(script) and script.read_text() == "#!/bin/sh\necho hi\n"
    assert is_exec(ws / "tool.sh")


def test_symlink_is_recreated(ws: Path, cp: Checkpoints) -> None:
    (ws / "link").symlink_to("a.txt")
    cp.begin_turn("remove link")
    (ws / "link").unlink()
    cp.end_turn()
    cp.undo()
    assert (ws / "link").is_symlink() and os.readlink(ws / "link") == "a.txt"


def test_diff_shows_what_infercode_changed(ws: Path, cp: Checkpoints) -> None:
    cp.begin_turn("first")
    write(ws / "a.txt", "alpha\nmore\n")
    cp.end_turn()
    write(ws / "keep.txt", "user edit between turns\n")
    cp.begin_turn("second")
    (ws / "blob.bin").write_bytes(b"\x00\x01\x02binary")
    cp.end_turn()

    text = cp.diff()
    assert "diff --git a/a.txt b/a.txt" in text
    assert "--- a/a.txt\n+++ b/a.txt" in text and "+more" in text
    assert "Binary files /dev/null and b/blob.bin differ" in text
    assert "keep.txt" not in text
    since = cp.diff(since_turn=2)
    assert "blob.bin" in since and "a.txt" not in since
    assert "\x1b[" in cp.diff(color=True)
    assert cp.diff(since_turn=3) == ""


def test_current_branch(ws: Path) -> None:
    assert current_branch(ws) == "main"
    assert current_branch(ws / "bin") == "main"
    git(ws, "checkout", "-q", "--detach")
    assert (current_branch(ws) or "").startswith("(detached ")

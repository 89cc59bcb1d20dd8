"""Write-time confinement (issue 10, item 4): a directory swapped for a symlink after the call was
prepared (and approved) must not redirect the write, the parent ``mkdir`` or the read.

The swap happens between ``prepare`` (what the user approves) and ``execute``, exactly where a
background process of an earlier approved command could do it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infercode.errors import ToolError
from infercode.tools import confined_io
from infercode.tools.base import ToolContext
from infercode.tools.edit import EditFileTool
from infercode.tools.read import ReadFileTool
from infercode.tools.workspace import Workspace


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    path.mkdir()
    return path


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "outside"
    path.mkdir()
    return path


def swap_for_symlink(directory: Path, target: Path) -> None:
    """What the attacker's background process does: move the directory away, link elsewhere."""
    directory.rename(directory.with_name(directory.name + ".moved"))
    directory.symlink_to(target, target_is_directory=True)


def test_create_in_a_directory_swapped_after_approval_is_refused(root: Path, outside: Path) -> None:
    (root / "sub").mkdir()
    prepared = EditFileTool(Workspace(root)).prepare(
        {"path": "sub/new.py", "old_string": "", "new_string": "print('planted')\n"}
    )
    swap_for_symlink(root / "sub", outside)
    with pytest.raises(ToolError, match="no longer what it was"):
        prepared.execute(ToolContext())
    assert list(outside.iterdir()) == []
    assert not (root / "sub.moved" / "new.py").exists()


def test_edit_of_a_file_whose_directory_was_swapped_is_refused(root: Path, outside: Path) -> None:
    # The outside copy has the same bytes, so a hash check that followed the symlink would pass.
    for where in (root / "sub", outside):
        where.mkdir(exist_ok=True)
        (where / "app.py").write_text("x = 1\n")
    prepared = EditFileTool(Workspace(root)).prepare(
        {"path": "sub/app.py", "old_string": "x = 1", "new_string": "x = 2"}
    )
    swap_for_symlink(root / "sub", outside)
    with pytest.raises(ToolError, match="no longer what it was"):
        prepared.execute(ToolContext())
    assert (outside / "app.py").read_text() == "x = 1\n"


def test_file_swapped_for_a_symlink_is_refused(root: Path, outside: Path) -> None:
    (root / "app.py").write_text("x = 1\n")
    (outside / "app.py").write_text("x = 1\n")
    prepared = EditFileTool(Workspace(root)).prepare(
        {"path": "app.py", "old_string": "x = 1", "new_string": "x = 2"}
    )
    (root / "app.py").unlink()
    (root / "app.py").symlink_to(outside / "app.py")
    with pytest.raises(ToolError, match="no longer what it was"):
        prepared.execute(ToolContext())
    assert (outside / "app.py").read_text() == "x = 1\n"
    assert (root / "app.py").is_symlink()


def test_create_where_a_symlink_appeared_is_refused(root: Path, outside: Path) -> None:
    prepared = EditFileTool(Workspace(root)).prepare(
        {"path": "new.py", "old_string": "", "new_string": "planted\n"}
    )
    (root / "new.py").symlink_to(outside / "target.py")  # dangling: open() would create it
    with pytest.raises(ToolError, match="created by something else"):
        prepared.execute(ToolContext())
    assert not (outside / "target.py").exists()


def test_mkdir_of_parents_does_not_follow_a_swapped_directory(root: Path, outside: Path) -> None:
    (root / "a").mkdir()
    prepared = EditFileTool(Workspace(root)).prepare(
        {"path": "a/b/c/new.py", "old_string": "", "new_string": "planted\n"}
    )
    swap_for_symlink(root / "a", outside)
    with pytest.raises(ToolError, match="no longer what it was"):
        prepared.execute(ToolContext())
    assert list(outside.iterdir()) == []  # not even the folder b was made out there


def test_mkdir_of_parents_still_works_when_nothing_changed(root: Path) -> None:
    prepared = EditFileTool(Workspace(root)).prepare(
        {"path": "a/b/c/new.py", "old_string": "", "new_string": "ok\n"}
    )
    prepared.execute(ToolContext())
    assert (root / "a" / "b" / "c" / "new.py").read_text() == "ok\n"


def test_edit_keeps_the_mode_and_leaves_no_temp_file(root: Path) -> None:
    script = root / "run.sh"
    script.write_text("echo hi\n")
    script.chmod(0o750)
    prepared = EditFileTool(Workspace(root)).prepare(
        {"path": "run.sh", "old_string": "hi", "new_string": "hello"}
    )
    prepared.execute(ToolContext())
    assert script.read_text() == "echo hello\n"
    assert script.stat().st_mode & 0o777 == 0o750
    assert sorted(p.name for p in root.iterdir()) == ["run.sh"]


def test_read_through_a_swapped_directory_is_refused(root: Path, outside: Path) -> None:
    (root / "docs").mkdir()
    (root / "docs" / "notes.txt").write_text("public\n")
    (outside / "notes.txt").write_text("SECRET-TOKEN\n")
    tool = ReadFileTool(Workspace(root))
    prepared = tool.prepare({"path": "docs/notes.txt"})
    swap_for_symlink(root / "docs", outside)
    with pytest.raises(ToolError, match="no longer what it was") as info:
        prepared.execute(ToolContext())
    assert "SECRET" not in str(info.value)


def test_a_swapped_ancestor_above_the_workspace_is_caught_too(tmp_path: Path) -> None:
    # The walk starts at "/", not at the root's path string: the root itself moving is caught.
    parent = tmp_path / "parent"
    (parent / "ws").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "ws").mkdir(parents=True)
    prepared = EditFileTool(Workspace(parent / "ws")).prepare(
        {"path": "new.py", "old_string": "", "new_string": "planted\n"}
    )
    swap_for_symlink(parent, elsewhere)
    with pytest.raises(ToolError, match="no longer what it was"):
        prepared.execute(ToolContext())
    assert list((elsewhere / "ws").iterdir()) == []


@pytest.mark.skipif(not confined_io.supports_dir_fd(), reason="needs dir_fd support")
def test_workspace_below_an_execute_only_directory_still_works(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every directory")
    locked = tmp_path / "locked"
    (locked / "ws").mkdir(parents=True)
    locked.chmod(0o111)
    try:
        prepared = EditFileTool(Workspace(locked / "ws")).prepare(
            {"path": "f.txt", "old_string": "", "new_string": "ok\n"}
        )
        prepared.execute(ToolContext())
        assert (locked / "ws" / "f.txt").read_text() == "ok\n"
    finally:
        locked.chmod(0o755)


def test_without_dir_fd_support_a_swap_is_still_refused(
    root: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows has no dir_fd: the path is resolved again right before the write instead.
    monkeypatch.setattr(confined_io, "supports_dir_fd", lambda: False)
    (root / "a").mkdir()
    prepared = EditFileTool(Workspace(root)).prepare(
        {"path": "a/b/new.py", "old_string": "", "new_string": "planted\n"}
    )
    swap_for_symlink(root / "a", outside)
    with pytest.raises(ToolError, match="no longer what it was"):
        prepared.execute(ToolContext())
    assert list(outside.iterdir()) == []

"""glob: paths matching a pattern, newest first, ignores respected, capped with a count."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infercode.errors import ToolError
from infercode.tools.base import ToolContext, ToolResult
from infercode.tools.glob import GlobTool
from infercode.tools.walk import walk_files
from infercode.tools.workspace import OutsideWorkspace, Workspace


def make(root: Path, names: list[str]) -> None:
    for age, name in enumerate(names):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
        stamp = 1_700_000_000 - age * 60  # the first name is the newest
        os.utime(path, (stamp, stamp))


def glob(root: Path, max_files: int = 200, **args: object) -> ToolResult:
    return GlobTool(Workspace(root), max_files=max_files).prepare(dict(args)).execute(ToolContext())


def test_newest_first_and_ignores(tmp_path: Path) -> None:
    make(
        tmp_path,
        ["src/new.py", "README.md", "src/deep/mid.py", "old.py", "build/gen.py", ".tool/x.py"],
    )
    (tmp_path / ".gitignore").write_text("build/\n")
    os.utime(tmp_path / ".gitignore", (1, 1))
    result = glob(tmp_path, pattern="**/*.py")
    assert result.output.splitlines() == ["src/new.py", "src/deep/mid.py", "old.py", ".tool/x.py"]
    assert result.summary == "4 files"
    assert glob(tmp_path, pattern="*.py").output == "old.py"  # `*` stays in one directory
    assert glob(tmp_path, pattern="*", path="src").output == "src/new.py"
    assert glob(tmp_path, pattern="{*.md,src/*.py}").output.splitlines() == [
        "src/new.py",
        "README.md",
    ]


def test_cap_says_how_many_more(tmp_path: Path) -> None:
    make(tmp_path, [f"f{i}.txt" for i in range(12)])
    result = glob(tmp_path, max_files=5, pattern="*.txt")
    lines = result.output.splitlines()
    assert lines[:5] == ["f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt"]
    assert "7 more files match" in lines[-1]


def test_no_match_outside_and_bad_arguments(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    make(root, ["a.py"])
    assert "No files match *.rs in ." in glob(root, pattern="*.rs").output
    with pytest.raises(OutsideWorkspace):
        glob(root, pattern="*", path="..")
    with pytest.raises(ToolError, match="relative pattern"):
        glob(root, pattern="/etc/*")
    with pytest.raises(ToolError, match="is a file"):
        glob(root, pattern="*", path="a.py")
    with pytest.raises(ToolError, match="does not exist"):
        glob(root, pattern="*", path="nope")


def test_walk_lets_a_deeper_ignore_file_re_include(tmp_path: Path) -> None:
    make(tmp_path, ["a.log", "sub/b.log", "sub/c.txt", "node_modules/m.js"])
    (tmp_path / ".gitignore").write_text("*.log\nnode_modules/\n")
    (tmp_path / "sub" / ".gitignore").write_text("!b.log\n")
    assert walk_files(tmp_path, 100) == [".gitignore", "sub/.gitignore", "sub/b.log", "sub/c.txt"]

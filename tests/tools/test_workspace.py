"""Path confinement, .git protection, atomic writes, and the tool registry built on them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from infercode.config.settings import Settings
from infercode.errors import ToolError
from infercode.tools.registry import ToolRegistry, build_tools
from infercode.tools.workspace import OutsideWorkspace, ProtectedPath, Workspace, find_root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    (path / "src").mkdir(parents=True)
    (path / "src" / "app.py").write_text("print('hi')\n")
    (path / ".git").mkdir()
    (path / ".git" / "config").write_text("[core]\n")
    return path


@pytest.fixture
def ws(root: Path) -> Workspace:
    return Workspace(root)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere"
    path.mkdir()
    (path / "secret.txt").write_text("secret\n")
    return path


# --- find_root ---------------------------------------------------------------------------------


def test_find_root_walks_up_to_the_git_directory(root: Path) -> None:
    deep = root / "src" / "pkg" / "sub"
    deep.mkdir(parents=True)
    assert find_root(deep) == root
    assert Workspace.discover(deep).root == root


def test_find_root_accepts_a_git_file(tmp_path: Path) -> None:
    # Worktrees and submodules have a .git *file* pointing at the real git directory.
    (tmp_path / "wt" / "a").mkdir(parents=True)
    (tmp_path / "wt" / ".git").write_text("gitdir: /somewhere/else\n")
    assert find_root(tmp_path / "wt" / "a") == tmp_path / "wt"


def test_find_root_without_a_repository_is_cwd(tmp_path: Path) -> None:
    if any((parent / ".git").exists() for parent in tmp_path.parents):
        pytest.skip("the temporary directory is itself inside a git repository")
    plain = tmp_path / "plain"
    plain.mkdir()
    assert find_root(plain) == plain


# --- resolve: inside ---------------------------------------------------------------------------


def test_relative_and_absolute_paths_inside(ws: Workspace, root: Path) -> None:
    assert ws.resolve("src/app.py") == root / "src" / "app.py"
    assert ws.resolve(str(root / "src" / "app.py")) == root / "src" / "app.py"
    assert ws.resolve("src/../src/app.py") == root / "src" / "app.py"
    assert ws.resolve(".") == root
    assert ws.resolve("new/dir/file.txt", write=True) == root / "new" / "dir" / "file.txt"


def test_symlink_inside_resolves_to_its_target(ws: Workspace, root: Path) -> None:
    (root / "link.py").symlink_to(root / "src" / "app.py")
    assert ws.resolve("link.py") == root / "src" / "app.py"


def test_root_reached_through_a_symlink(root: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(root)
    ws = Workspace(alias)
    assert ws.root == root
    assert ws.resolve(str(alias / "src" / "app.py")) == root / "src" / "app.py"


# --- resolve: outside --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["..", "../elsewhere/secret.txt", "src/../../elsewhere/x"])
def test_dotdot_outside_is_refused(ws: Workspace, root: Path, path: str) -> None:
    with pytest.raises(OutsideWorkspace) as info:
        ws.resolve(path)
    message = str(info.value)
    assert "outside the workspace root" in message
    assert str(root) in message
    assert info.value.root == root


def test_absolute_path_outside_is_refused(ws: Workspace, outside: Path) -> None:
    with pytest.raises(OutsideWorkspace) as info:
        ws.resolve(str(outside / "secret.txt"))
    assert info.value.path == outside / "secret.txt"


def test_file_symlink_to_outside_is_refused(ws: Workspace, root: Path, outside: Path) -> None:
    (root / "leak.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(OutsideWorkspace) as info:
        ws.resolve("leak.txt")
    assert info.value.path == outside / "secret.txt"
    with pytest.raises(OutsideWorkspace):
        ws.resolve("leak.txt", write=True)


def test_directory_symlink_to_outside_is_refused(ws: Workspace, root: Path, outside: Path) -> None:
    (root / "vendor").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutsideWorkspace):
        ws.resolve("vendor/secret.txt")
    # A file that does not exist yet is judged by where its existing parent really is.
    with pytest.raises(OutsideWorkspace) as info:
        ws.resolve("vendor/new/file.txt", write=True)
    assert info.value.path == outside / "new" / "file.txt"


def test_dangling_symlink_to_outside_is_refused(ws: Workspace, root: Path, outside: Path) -> None:
    (root / "dangling").symlink_to(outside / "not-yet.txt")
    with pytest.raises(OutsideWorkspace):
        ws.resolve("dangling", write=True)


def test_outside_error_is_a_tool_error_and_can_be_allowed(ws: Workspace, outside: Path) -> None:
    with pytest.raises(ToolError):
        ws.resolve("/etc/passwd")
    assert ws.resolve(str(outside / "secret.txt"), allow_outside=True) == outside / "secret.txt"
    assert not ws.is_inside(outside / "secret.txt")
    assert ws.is_inside(ws.root / "src")


@pytest.mark.parametrize("path", ["", "   ", "a\x00b"])
def test_malformed_paths(ws: Workspace, path: str) -> None:
    with pytest.raises(ToolError):
        ws.resolve(path)


# --- .git --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [".git/config", ".git", "sub/.git/hooks/pre-commit", ".GIT/x"])
def test_writes_into_git_are_refused(ws: Workspace, path: str) -> None:
    with pytest.raises(ProtectedPath) as info:
        ws.resolve(path, write=True)
    assert ".git" in str(info.value)
    assert isinstance(info.value, ToolError)


def test_git_write_through_a_symlink_is_refused(ws: Workspace, root: Path) -> None:
    (root / "cfg").symlink_to(root / ".git" / "config")
    with pytest.raises(ProtectedPath):
        ws.resolve("cfg", write=True)


def test_reading_git_files_is_allowed(ws: Workspace, root: Path) -> None:
    assert ws.resolve(".git/config") == root / ".git" / "config"
    assert ws.resolve(".gitignore", write=True) == root / ".gitignore"


# --- display -----------------------------------------------------------------------------------


def test_display(ws: Workspace, root: Path, outside: Path) -> None:
    assert ws.display(root / "src" / "app.py") == "src/app.py"
    assert ws.display(root) == "."
    assert ws.display(outside / "secret.txt") == str(outside / "secret.txt")


# --- atomic_write ------------------------------------------------------------------------------


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_atomic_write_new_file_gets_umask_mode(ws: Workspace, root: Path) -> None:
    target = root / "new.txt"
    ws.atomic_write(target, b"hello\n", None)
    assert target.read_bytes() == b"hello\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_current_umask()
    assert sorted(p.name for p in root.iterdir()) == [".git", "new.txt", "src"]


def test_atomic_write_keeps_the_given_mode(ws: Workspace, root: Path) -> None:
    script = root / "run.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    ws.atomic_write(script, b"#!/bin/sh\necho hi\n", stat.S_IMODE(script.stat().st_mode))
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert script.read_text() == "#!/bin/sh\necho hi\n"


def test_atomic_write_failure_leaves_original_and_no_temp_file(
    ws: Workspace, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = root / "src" / "app.py"

    def broken_replace(*_args: object, **_dir_fds: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        ws.atomic_write(target, b"new", None)
    assert target.read_text() == "print('hi')\n"
    assert [p.name for p in (root / "src").iterdir()] == ["app.py"]


# --- registry ----------------------------------------------------------------------------------


def test_build_tools_registers_the_builtin_tools(ws: Workspace) -> None:
    registry = build_tools(ws, Settings(shell_timeout_s=7, tool_output_limit=500))
    assert registry.names() == ["read_file", "glob", "grep", "edit_file", "shell"]
    assert [spec.kind for spec in registry.specs()] == ["read", "read", "read", "edit", "shell"]
    assert [spec.mutating for spec in registry.specs()] == [False, False, False, True, True]
    api = registry.api_tools()
    assert all(entry["type"] == "function" for entry in api)
    assert [entry["name"] for entry in api] == registry.names()
    shell = registry.get("shell")
    assert shell is not None and "default 7" in shell.spec.description
    assert registry.get("nope") is None
    assert "read_file" in registry and len(registry) == 5
    assert [tool.spec.name for tool in registry] == registry.names()


def test_registry_refuses_duplicate_names(ws: Workspace) -> None:
    tools = list(build_tools(ws, Settings()))
    with pytest.raises(ValueError, match="already registered"):
        ToolRegistry([*tools, tools[0]])

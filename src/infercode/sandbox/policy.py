"""What a sandboxed command may do: the mode, the network switch and the paths involved.

The policy is plain data; ``paths_for`` turns it into the concrete writable roots and the
read-only islands inside them for one command. Each mechanism (bubblewrap, Landlock,
sandbox-exec) enforces exactly that list, so they agree on what is confined.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Mode = Literal["workspace-write", "read-only", "off"]
MODES: tuple[Mode, ...] = ("workspace-write", "read-only", "off")

#: Device files a command may write (``> /dev/null``); everything else under /dev stays closed.
WRITABLE_DEVICES = (
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/tty",
    "/dev/random",
    "/dev/urandom",
)


@dataclass(frozen=True)
class SandboxPolicy:
    """``workspace``: the root the command runs in; ``writable``: extra roots from config
    (``sandbox_writable``); ``protected``: paths kept read-only even inside a writable root
    (infercode's state and config dirs). Git dirs are found and added per command."""

    workspace: Path
    mode: Mode = "workspace-write"
    network: bool = False
    writable: tuple[Path, ...] = ()
    protected: tuple[Path, ...] = ()
    hooks_dir: Path | None = field(default=None)
    """``core.hooksPath`` when set (found once at start: reading it needs git)."""


@dataclass(frozen=True)
class CommandPaths:
    """The concrete file-system picture for one command (all paths resolved, existing)."""

    writable: tuple[Path, ...]
    protected: tuple[Path, ...]


def is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def git_dirs(workspace: Path) -> list[Path]:
    """The workspace's ``.git`` (dir or file), the git dir a ``.git`` file points to, and the
    common dir of a linked worktree: without running git (this runs before every command)."""
    found: list[Path] = []
    dot_git = workspace / ".git"
    if dot_git.is_dir():
        found.append(dot_git)
        git_dir = dot_git
    elif dot_git.is_file():
        found.append(dot_git)  # rewriting the pointer would redirect git elsewhere
        try:
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return found
        if not text.startswith("gitdir:"):
            return found
        git_dir = (workspace / text.removeprefix("gitdir:").strip()).resolve()
        found.append(git_dir)
    else:
        return found
    try:
        common = (git_dir / "commondir").read_text(encoding="utf-8").strip()
    except OSError:
        return found
    found.append((git_dir / common).resolve())
    return found


def hooks_path(workspace: Path) -> Path | None:
    """``core.hooksPath`` of the workspace's repository, when set (one git call)."""
    import subprocess

    try:
        done = subprocess.run(
            ["git", "config", "--get", "core.hooksPath"],
            cwd=workspace,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip()
    if done.returncode != 0 or not value:
        return None
    return (workspace / os.path.expanduser(value)).resolve()


def paths_for(policy: SandboxPolicy, tmpdir: Path) -> CommandPaths:
    """Writable roots (the private temp dir first) and the protected paths inside them."""
    roots = [tmpdir]
    if policy.mode == "workspace-write":
        roots += [policy.workspace, *policy.writable]
    writable: list[Path] = []
    for root in roots:
        resolved = root.resolve()
        if resolved.exists() and resolved not in writable:
            writable.append(resolved)
    candidates = [*git_dirs(policy.workspace.resolve()), *policy.protected]
    if policy.hooks_dir is not None:
        candidates.append(policy.hooks_dir)
    protected: list[Path] = []
    for path in candidates:
        resolved = path.resolve() if not path.is_symlink() else path
        if not resolved.exists() or resolved in protected:
            continue
        if any(is_within(resolved, root) for root in writable):
            protected.append(resolved)
    return CommandPaths(tuple(writable), tuple(protected))

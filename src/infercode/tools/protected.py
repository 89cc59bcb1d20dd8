"""Paths whose content decides what code runs or what gets approved: protected from edits.

Two levels:

* **git directories** are refused outright, inside or outside the workspace: every ``.git`` by
  name, the git dir and common dir git itself reports for the workspace (a ``--separate-git-dir``,
  a worktree's), and any directory that *is* a repository by git's own test (``HEAD``,
  ``objects/``, ``refs/``: a bare repository, the workspace itself when it is one, infercode's
  checkpoint stores). Their ``config`` and ``hooks/`` run code; git commands through the shell
  tool are the way to change them.
* **protected paths** are asked about one by one with a warning, never covered by a rule,
  ``--allow edit``, ``--yes`` or "always", and refused headless without a terminal: the hooks
  directory git uses (``core.hooksPath``, e.g. ``.husky``), infercode's own config and state
  dirs, and git's global config (which infercode's own ``--auto-commit`` reads).

Git facts are asked from git on every check (one ``rev-parse``), so a ``core.hooksPath`` set
during the session counts at once.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from infercode.git.safety import safe_env


@dataclass(frozen=True, slots=True)
class GitFacts:
    git_dirs: tuple[Path, ...] = ()
    hooks_dir: Path | None = None


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _within(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def looks_like_git_dir(directory: Path) -> bool:
    """git's own test for a repository directory (``is_git_directory``), minus HEAD's content."""
    return (
        (directory / "HEAD").is_file()
        and (directory / "objects").is_dir()
        and (directory / "refs").is_dir()
    )


def git_facts(root: Path) -> GitFacts:
    """The workspace repository's git dirs and hooks directory, as git reports them.

    ``rev-parse`` runs no hook and reads no index; SAFE_CONFIG is not passed because its
    ``core.hooksPath`` would hide the hooks directory this asks for.
    """
    args = ["rev-parse", "--absolute-git-dir", "--git-common-dir", "--git-path", "hooks"]
    try:
        proc = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", *args],
            cwd=root,
            capture_output=True,
            env=safe_env(),
            check=False,
        )
    except OSError:
        return GitFacts()  # no git: nothing git would run either
    lines = [line for line in os.fsdecode(proc.stdout).splitlines() if line]
    if proc.returncode != 0 or len(lines) != 3:
        return GitFacts()
    git_dir, common_dir, hooks = (_real(root / line) for line in lines)
    return GitFacts((git_dir, common_dir), hooks)


def infercode_dirs(environ: Mapping[str, str] | None = None) -> list[tuple[Path, str]]:
    from infercode.config.paths import config_dir, state_dir

    env = dict(os.environ if environ is None else environ)
    config_why = "infercode's config directory: it decides what infercode approves"
    return [
        (_real(config_dir(env)), config_why),
        (_real(state_dir(env)), "infercode's state directory (sessions, checkpoint stores)"),
    ]


def global_git_config(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The files git reads as the user's global config (and so does ``--auto-commit``)."""
    env = os.environ if environ is None else environ
    home = Path(env.get("HOME") or Path.home())
    xdg = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    paths = [home / ".gitconfig", xdg / "git"]
    if env.get("GIT_CONFIG_GLOBAL"):
        paths.append(Path(env["GIT_CONFIG_GLOBAL"]))
    return [_real(p) for p in paths]


class Protection:
    """Decides, for a fully resolved path, whether an edit of it is refused or specially asked."""

    def __init__(self, root: Path, environ: Mapping[str, str] | None = None) -> None:
        self.root = _real(root)
        self.environ = environ

    def git_dir_containing(self, path: Path) -> Path | None:
        """The git directory ``path`` lies in (refused for writes), or None."""
        for part_index, part in enumerate(path.parts):
            # casefold: on case-insensitive file systems ".GIT" is the same directory.
            if part.casefold() == ".git":
                return Path(*path.parts[: part_index + 1])
        for directory in path.parents:
            if looks_like_git_dir(directory):
                return directory
        for git_dir in git_facts(self.root).git_dirs:
            if _within(path, git_dir):
                return git_dir
        return None

    def reason(self, path: Path) -> str | None:
        """Why an edit of ``path`` must be asked with a warning (never by a rule), or None."""
        hooks = git_facts(self.root).hooks_dir
        if hooks is not None and _within(path, hooks):
            return "git's hooks directory (core.hooksPath): git runs these files as programs"
        for directory, why in infercode_dirs(self.environ):
            if _within(path, directory):
                return why
        for config in global_git_config(self.environ):
            if _within(path, config):
                return "git's global config: it names programs git runs"
        return None

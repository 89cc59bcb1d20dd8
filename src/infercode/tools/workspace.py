"""Path confinement and atomic writes for the tools.

Every path a tool touches goes through ``Workspace.resolve``: relative paths are taken from the
workspace root, symlinks and ``..`` are resolved fully (also for files that do not exist yet), and
anything that ends up outside the root raises ``OutsideWorkspace``. That exception carries the
resolved path, so a caller that wants to ask the user ("allow access outside the workspace?") can
catch it, ask, and then either grant that one path for reading (``grant``) or allow it for the one
edit being prepared (``allow_once``): an outside edit is asked about every time.

Writes into any git directory are refused (``ProtectedPath``); other paths that decide what code
runs are flagged by ``protection_reason`` (see ``infercode.tools.protected``). Writing itself goes
through ``infercode.tools.confined_io``, which re-checks the path at write time.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from infercode.errors import ToolError
from infercode.tools import confined_io
from infercode.tools.protected import Protection


class OutsideWorkspace(ToolError):
    """A path resolves to somewhere outside the workspace root."""

    def __init__(self, message: str, *, path: Path, root: Path) -> None:
        super().__init__(message)
        self.path = path
        self.root = root


class ProtectedPath(ToolError):
    """A write into a git directory: never allowed, whatever the user approves."""


def find_root(cwd: Path) -> Path:
    """The root of the git repository containing ``cwd`` (a ``.git`` dir or file), else ``cwd``.

    A ``.git`` *file* marks a worktree or submodule, which is a root too.
    """
    start = Path(os.path.realpath(cwd))
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


class Workspace:
    """The directory the agent works in; the tools may not read or write outside it."""

    def __init__(self, root: Path) -> None:
        # realpath once, so that comparisons with fully resolved paths are meaningful even when
        # the root itself is reached through a symlink (e.g. /tmp -> /private/tmp on macOS).
        self.root = Path(os.path.realpath(root))
        #: Outside paths the user allowed to be *read* for the session (never edits).
        self._read_grants: set[Path] = set()
        #: The outside path allowed for the one edit being prepared right now (``allow_once``).
        self._edit_once: Path | None = None
        #: Directories whose direct files may be read (never written) though outside (skills).
        self._read_dirs: frozenset[Path] = frozenset()
        self.protection = Protection(self.root)

    @classmethod
    def discover(cls, cwd: Path) -> Workspace:
        """The workspace for a session started in ``cwd``: its git root, or ``cwd`` itself."""
        return cls(find_root(cwd))

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    def resolve(self, path: str, *, write: bool = False, allow_outside: bool = False) -> Path:
        """The fully resolved absolute path for a path the model gave.

        Raises ``ToolError`` for an empty or malformed path, ``ProtectedPath`` for a write into
        any git directory (inside the root or not), and ``OutsideWorkspace`` when the path leads
        outside the root, unless ``allow_outside``, or the user granted it: for a read, a grant
        for the session (``grant``); for a write, only the one edit in ``allow_once``.
        """
        if not path or not path.strip():
            raise ToolError("The path is empty.")
        if "\x00" in path:
            raise ToolError("The path contains a NUL character.")
        given = Path(path).expanduser()
        joined = given if given.is_absolute() else self.root / given
        # realpath (non-strict) follows every symlink that exists, including a dangling one's
        # target, and applies ".." after that, so not-yet-existing files are judged by where
        # their nearest existing parent really is.
        resolved = Path(os.path.realpath(joined))
        if write:
            # Checked before the outside question: nobody should be asked about a write that
            # would be refused anyway.
            git_dir = self.protection.git_dir_containing(resolved)
            if git_dir is not None:
                raise ProtectedPath(
                    f"Writing to '{self.display(resolved)}' is not allowed: it is inside the git "
                    f"directory {self.display(git_dir)}, and files inside .git and other git "
                    "directories (config, hooks) are managed by git. Use git commands through "
                    "the shell tool instead."
                )
        if not _is_within(resolved, self.root) and not allow_outside:
            granted = (
                resolved == self._edit_once
                if write
                else resolved in self._read_grants or resolved.parent in self._read_dirs
            )
            if not granted:
                raise OutsideWorkspace(
                    f"The path '{path}' is outside the workspace root {self.root} "
                    f"(it resolves to {resolved}). Only files inside the workspace can be used.",
                    path=resolved,
                    root=self.root,
                )
        return resolved

    def grant(self, path: Path) -> None:
        """The user allowed *reading* this one path outside the root: remember it for the session.

        Never an edit: each edit outside the root shows its diff and is asked again."""
        self._read_grants.add(Path(os.path.realpath(path)))

    def allow_reads(self, files: list[Path]) -> None:
        """Reading these files and the files beside them (a skill's ``SKILL.md`` and its
        siblings) needs no outside-path question. Reads only: a write is judged as before."""
        self._read_dirs = frozenset(Path(os.path.realpath(f)).parent for f in files)

    @contextlib.contextmanager
    def allow_once(self, path: Path) -> Iterator[None]:
        """Within the block, ``resolve(..., write=True)`` accepts this one outside path.

        For preparing the one edit the user just allowed; nothing is remembered after it."""
        self._edit_once = Path(os.path.realpath(path))
        try:
            yield
        finally:
            self._edit_once = None

    def is_inside(self, path: Path) -> bool:
        return _is_within(Path(os.path.realpath(path)), self.root)

    def protection_reason(self, resolved: Path) -> str | None:
        """Why editing ``resolved`` must be asked with a warning, never by a rule (or None)."""
        return self.protection.reason(resolved)

    def display(self, path: Path) -> str:
        """``path`` relative to the root for messages ("src/app.py"), absolute if outside."""
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            return str(path)
        return rel.as_posix() or "."

    def atomic_write(self, path: Path, data: bytes, mode: int | None = None) -> None:
        """Replace ``path`` with ``data`` so readers see the old or the new content, never half.

        ``path`` must be fully resolved: the write goes through directory descriptors without
        following symlinks, so a directory swapped for a symlink since ``resolve`` makes it fail
        (``confined_io.PathChanged``) instead of landing elsewhere. ``mode`` is the permission
        bits to keep (pass the original file's); ``None`` means a new file with the default
        mode the umask gives.
        """
        confined_io.replace(path, data, mode)


def fsync_dir(directory: Path) -> None:
    """Make the rename durable; best effort (not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

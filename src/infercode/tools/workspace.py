"""Path confinement and atomic writes for the tools.

Every path a tool touches goes through ``Workspace.resolve``: relative paths are taken from the
workspace root, symlinks and ``..`` are resolved fully (also for files that do not exist yet), and
anything that ends up outside the root raises ``OutsideWorkspace``. That exception carries the
resolved path, so a caller that wants to ask the user ("allow access outside the workspace?") can
catch it, ask, and call ``resolve(..., allow_outside=True)``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from infercode.errors import ToolError


class OutsideWorkspace(ToolError):
    """A path resolves to somewhere outside the workspace root."""

    def __init__(self, message: str, *, path: Path, root: Path) -> None:
        super().__init__(message)
        self.path = path
        self.root = root


class ProtectedPath(ToolError):
    """A write into a ``.git`` directory: never allowed, whatever the user approves."""


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
        self._granted: set[Path] = set()

    @classmethod
    def discover(cls, cwd: Path) -> Workspace:
        """The workspace for a session started in ``cwd``: its git root, or ``cwd`` itself."""
        return cls(find_root(cwd))

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    def resolve(self, path: str, *, write: bool = False, allow_outside: bool = False) -> Path:
        """The fully resolved absolute path for a path the model gave.

        Raises ``ToolError`` for an empty or malformed path, ``OutsideWorkspace`` when the path
        leads outside the root (unless ``allow_outside``), and ``ProtectedPath`` for a write into
        any ``.git`` directory inside the root.
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
        if not _is_within(resolved, self.root):
            if not allow_outside and resolved not in self._granted:
                raise OutsideWorkspace(
                    f"The path '{path}' is outside the workspace root {self.root} "
                    f"(it resolves to {resolved}). Only files inside the workspace can be used.",
                    path=resolved,
                    root=self.root,
                )
        elif write and self._in_git_dir(resolved):
            raise ProtectedPath(
                f"Writing to '{self.display(resolved)}' is not allowed: files inside .git are "
                "managed by git. Use git commands through the shell tool instead."
            )
        return resolved

    def grant(self, path: Path) -> None:
        """The user confirmed this one path outside the root: allow it for the session."""
        self._granted.add(Path(os.path.realpath(path)))

    def is_inside(self, path: Path) -> bool:
        return _is_within(Path(os.path.realpath(path)), self.root)

    def _in_git_dir(self, resolved: Path) -> bool:
        parts = resolved.relative_to(self.root).parts
        # casefold: on case-insensitive file systems ".GIT" is the same directory.
        return any(part.casefold() == ".git" for part in parts)

    def display(self, path: Path) -> str:
        """``path`` relative to the root for messages ("src/app.py"), absolute if outside."""
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            return str(path)
        return rel.as_posix() or "."

    def atomic_write(self, path: Path, data: bytes, mode: int | None = None) -> None:
        """Replace ``path`` with ``data`` so readers see the old or the new content, never half.

        The temp file lives in the same directory (``os.replace`` is only atomic within one file
        system). ``mode`` is the permission bits to keep (pass the original file's); ``None``
        means a new file with the default mode the umask gives.
        """
        directory = path.parent
        tmp = directory / f".{path.name}.{secrets.token_hex(4)}.infercode-tmp"
        # Creating with 0o666 lets the kernel apply the umask, so new files get the same mode as
        # any other tool would give them, without the racy os.umask() read-and-restore.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if mode is not None:
                os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        fsync_dir(directory)


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

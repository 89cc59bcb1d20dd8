"""Reading and writing a file exactly where it was when the user approved it (no TOCTOU).

``Workspace.resolve`` judges a path when the call is prepared; the write happens later, after the
user looked at the diff. In between, a background process of an earlier approved shell command can
replace a directory of that path with a symlink to somewhere else, and a plain ``open(path)`` would
follow it. So nothing here opens a path by name: the already fully resolved path is walked one
component at a time from ``/`` through directory file descriptors opened with ``O_NOFOLLOW``, the
file itself is opened with ``O_NOFOLLOW``, and the new content goes into a temp file in the same
directory that ``os.replace`` renames over the name (``renameat``: it replaces a symlink instead of
following it). A component that is no longer a real directory is a ``PathChanged`` error and
nothing is written.

Where the platform cannot do ``dir_fd`` operations (Windows), the path is resolved again just
before the write and refused if that differs; that narrows the window but cannot close it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from infercode.errors import ToolError

# getattr: Windows has none of these flags (it takes the fallback path below).
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
#: Directory descriptors only used as ``dir_fd``: ``O_PATH`` (Linux) needs no read permission on
#: the directory, so a workspace below an execute-only parent still works.
_DIR_FLAGS = getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | getattr(os, "O_PATH", os.O_RDONLY)


class PathChanged(ToolError):
    """A directory on the way to the file was replaced (by a symlink or a file) after approval."""


def supports_dir_fd() -> bool:
    # os.replace is not listed in supports_dir_fd, but it is renameat wherever os.rename is.
    return _NOFOLLOW != 0 and os.open in os.supports_dir_fd and os.rename in os.supports_dir_fd


def _changed(path: Path, component: Path) -> PathChanged:
    return PathChanged(
        f"Nothing was read or written at {path}: {component} is no longer what it was when the "
        "call was approved (a symlink or something else took its place), so the file could be "
        "somewhere else now. Check what changed it, then redo the call."
    )


@contextlib.contextmanager
def open_parent(path: Path, *, create: bool = False) -> Iterator[int]:
    """A descriptor of ``path``'s directory, reached without following any symlink.

    ``path`` must be absolute and already resolved (no symlinks, no ``..``). ``create`` makes the
    missing directories (like ``mkdir -p``), each one created and then entered through the
    descriptor of its parent, so a swapped-in symlink cannot redirect them either.
    """
    if not path.is_absolute():
        raise ValueError(f"not an absolute path: {path}")
    fd = os.open(path.anchor, _DIR_FLAGS | _CLOEXEC)
    try:
        current = Path(path.anchor)
        for name in path.parent.parts[1:]:
            current = current / name
            try:
                child = os.open(name, _DIR_FLAGS | _CLOEXEC, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                # Made by someone else meanwhile? Entering it below checks what it is.
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o777, dir_fd=fd)
                try:
                    child = os.open(name, _DIR_FLAGS | _CLOEXEC, dir_fd=fd)
                except OSError as exc:
                    raise _changed(path, current) from exc
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise _changed(path, current) from exc
                raise
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def read_bytes(path: Path) -> tuple[bytes, int]:
    """The content and permission bits of the regular file at ``path`` (never via a symlink)."""
    if not supports_dir_fd():
        _check_unchanged(path)
        return path.read_bytes(), stat.S_IMODE(path.stat().st_mode)
    with open_parent(path) as parent:
        try:
            fd = os.open(path.name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=parent)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _changed(path, path) from exc
            raise
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _changed(path, path)
            return handle.read(), stat.S_IMODE(info.st_mode)


def open_for_reading(path: Path) -> int:
    """A read descriptor of the file at ``path``, reached without following any symlink."""
    if not supports_dir_fd():
        _check_unchanged(path)
        return os.open(path, os.O_RDONLY | _CLOEXEC)
    with open_parent(path) as parent:
        try:
            return os.open(path.name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=parent)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _changed(path, path) from exc
            raise


def exists(path: Path) -> bool:
    """Whether anything (a symlink too) has ``path``'s name; False if its directory is missing."""
    if not supports_dir_fd():
        return os.path.lexists(path)
    try:
        with open_parent(path) as parent:
            os.stat(path.name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def replace(path: Path, data: bytes, mode: int | None, *, create_parents: bool = False) -> None:
    """Atomically put ``data`` at ``path`` (temp file + rename in the same directory).

    ``mode``: the permission bits to give (the original file's); ``None``: a new file with the
    mode the umask gives. ``create_parents``: make missing directories first.
    """
    if not supports_dir_fd():
        _check_unchanged(path)
        if create_parents:
            path.parent.mkdir(parents=True, exist_ok=True)
            _check_unchanged(path)
        _replace_by_name(path, data, mode)
        return
    with open_parent(path, create=create_parents) as parent:
        tmp = f".{path.name}.{secrets.token_hex(4)}.infercode-tmp"
        # 0o666 lets the kernel apply the umask, as any other tool creating the file would.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
        fd = os.open(tmp, flags, 0o666 if mode is None else 0o600, dir_fd=parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if mode is not None:
                    os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
            os.replace(tmp, path.name, src_dir_fd=parent, dst_dir_fd=parent)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=parent)
            raise
        _fsync_dir_fd(parent)


def _fsync_dir_fd(parent: int) -> None:
    """Make the rename durable; best effort (an ``O_PATH`` descriptor cannot be synced)."""
    try:
        fd = os.open(".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC, dir_fd=parent)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_unchanged(path: Path) -> None:
    """Fallback without ``dir_fd``: the path must still resolve to itself."""
    parent = path.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    if Path(os.path.realpath(parent)) != parent or os.path.islink(path):
        raise _changed(path, parent)


def _replace_by_name(path: Path, data: bytes, mode: int | None) -> None:
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.infercode-tmp"
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

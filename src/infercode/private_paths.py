"""infercode's own files are private: folders 0700, files 0600, whatever the umask says.

The state dir holds session transcripts (prompts, tool output, file contents), the checkpoint
store (copies of every file in the workspace, ``.env`` included) and the input history. On a
shared machine the default umask (022) would make all of that world-readable.

Folders infercode creates are 0700, parents included. Existing folders are only tightened when
they are infercode's own by name (``sessions``, ``checkpoints``, a store), never the state dir
itself: ``INFERCODE_STATE_DIR`` may point anywhere, and changing the mode of a folder the user
chose is not ours to do.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create ``path`` (and missing parents) 0700; with ``tighten``, make an existing one 0700.

    Raises OSError as ``mkdir`` does (a regular file in the way, a read-only file system).
    """
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not directory.is_dir():
                raise
            continue  # another process made it meanwhile
        _chmod(directory, DIR_MODE)  # mkdir's mode is filtered by the umask
    if not path.is_dir():
        raise NotADirectoryError(20, "Not a directory", str(path))
    if tighten and not missing:
        _narrow(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists and is 0600 (created empty if missing)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    try:
        info = os.fstat(fd)
        if info.st_mode & 0o077 and _mine(info):
            _chmod(path, FILE_MODE)
    finally:
        os.close(fd)
    return path


def reason(error: OSError) -> str:
    """``error`` for a one-line notice: "Not a directory: /x/state" rather than "[Errno 20] ..."."""
    what = error.strerror or str(error)
    where = error.filename
    return f"{what}: {where}" if where else what


def _narrow(path: Path, mode: int) -> None:
    """Take group and other permissions away from a folder we own."""
    try:
        info = path.stat()
    except OSError:
        return
    if stat.S_IMODE(info.st_mode) & 0o077 and _mine(info):
        _chmod(path, mode)


def _mine(info: os.stat_result) -> bool:
    """Owned by this user (where the platform has owners): only then is the mode ours to set."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


def _chmod(path: Path, mode: int) -> None:
    with contextlib.suppress(OSError):  # a file system without modes: nothing to do
        path.chmod(mode)

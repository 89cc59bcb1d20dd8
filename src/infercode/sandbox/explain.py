"""Telling the model what the sandbox refused, from a failed command's output.

Programs report a refused write as EROFS ("Read-only file system", bubblewrap's read-only
binds) or EACCES ("Permission denied", Landlock), naming the path in their own format; a refused
connection shows as "Connection refused", "Network is unreachable", a failed name lookup or,
under Landlock, EACCES from ``connect``. A path is blamed on the sandbox only when the policy
really keeps it read-only, so a genuine permission problem is not misreported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from infercode.sandbox.policy import is_within

_FS_ERRORS = ("Read-only file system", "Permission denied", "Operation not permitted")
_NET_ERRORS = (
    "Connection refused",
    "Network is unreachable",
    "Could not resolve host",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Couldn't connect to server",
    "Failed to connect",
    "No address associated with hostname",
    "getaddrinfo failed",
)
#: 'path', "path", ‘path’ (coreutils in a UTF-8 locale) or `path'.
_QUOTED = re.compile(r"""'([^'\n]+)'|"([^"\n]+)"|‘([^’\n]+)’|`([^'\n]+)'""")
#: bash: line 1: PATH: Read-only file system / sh: 1: cannot create PATH: Permission denied
_FS_ALTERNATIVES = "|".join(re.escape(e) for e in _FS_ERRORS)
_SHELL = re.compile(
    r"^(?:\S*sh)(?:: line \d+|: \d+)?: (?:cannot create )?(.+?): (?:" + _FS_ALTERNATIVES + ")"
)
_MAX_NOTES = 5


def _candidates(line: str) -> list[str]:
    found = [next(g for g in match.groups() if g) for match in _QUOTED.finditer(line)]
    shell = _SHELL.match(line)
    if shell:
        found.append(shell.group(1))
    return found


def blocked_writes(
    output: str,
    *,
    cwd: Path,
    writable: Sequence[Path],
    protected: Sequence[Path],
    closed: Sequence[Path] = (),
) -> list[Path]:
    """Paths a refused write named that the policy keeps read-only, in order, once each.
    ``closed``: writable directories whose own entries cannot be created or removed (Landlock
    around a protected path)."""
    blocked: list[Path] = []
    for line in output.splitlines():
        if not any(error in line for error in _FS_ERRORS):
            continue
        # EROFS only comes from writes; EACCES also from reads, which the sandbox never
        # refuses: blame it only where infercode itself could write.
        read_only = "Read-only file system" in line
        for text in _candidates(line):
            if "\x00" in text or len(text) > 4096:
                continue
            path = Path(text) if text.startswith("/") else cwd / text
            path = Path(_normalise(path))
            inside = any(is_within(path, root) for root in writable)
            shielded = any(is_within(path, p) for p in protected)
            if not read_only and not _writable_outside(path):
                continue
            if (not inside or shielded or path.parent in closed) and path not in blocked:
                blocked.append(path)
    return blocked[:_MAX_NOTES]


def _writable_outside(path: Path) -> bool:
    """Whether this (unsandboxed) process may write ``path``, or create it in its directory."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return os.access(candidate, os.W_OK)
    return False


def _normalise(path: Path) -> str:
    """Resolve ``..`` and symlinks of the existing part without touching the disk otherwise."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path)


def network_refused(output: str) -> bool:
    if any(error in output for error in _NET_ERRORS):
        return True
    # Landlock refuses connect() with EACCES, which carries no path.
    for line in output.splitlines():
        if "Permission denied" in line and not _candidates(line):
            lowered = output.lower()
            if "connect" in lowered or "socket" in lowered:
                return True
    return False

"""macOS: ``sandbox-exec`` with a profile generated from the policy.

The profile denies by default, allows reading everything and running programs, and allows
writes only beneath the writable roots, minus the protected paths (``require-not``). Network
access is allowed only when the policy says so. It cannot run on Linux: tests check its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SANDBOX_EXEC = "/usr/bin/sandbox-exec"

BASE = """\
(version 1)
(deny default)
(allow process-exec)
(allow process-fork)
(allow signal (target same-sandbox))
(allow file-read*)
(allow sysctl-read)
(allow mach-lookup)
(allow ipc-posix-shm)
(allow pseudo-tty)
(allow file-ioctl (literal "/dev/tty"))
"""


def quote(path: Path | str) -> str:
    """A path as an SBPL string literal (backslash and double quote escaped)."""
    text = str(path).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def profile(
    *,
    writable: Sequence[Path],
    protected: Sequence[Path],
    devices: Sequence[str],
    network: bool,
) -> str:
    lines = [BASE.rstrip("\n")]
    for root in writable:
        inside = [p for p in protected if p == root or root in p.parents]
        if inside:
            nots = " ".join(f"(require-not (subpath {quote(p)}))" for p in inside)
            lines.append(f"(allow file-write* (require-all (subpath {quote(root)}) {nots}))")
        else:
            lines.append(f"(allow file-write* (subpath {quote(root)}))")
    for device in devices:
        lines.append(f"(allow file-write* (literal {quote(device)}))")
    if network:
        lines.append("(allow network*)")
    else:
        # Unix sockets stay usable (local tools talk over them); IP does not.
        lines.append("(allow network-outbound (remote unix-socket))")
    return "\n".join(lines) + "\n"


def seatbelt_argv(argv: Sequence[str], profile_text: str) -> list[str]:
    return [SANDBOX_EXEC, "-p", profile_text, "--", *argv]

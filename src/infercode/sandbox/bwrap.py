"""bubblewrap: the command runs in new mount, PID (and network) namespaces.

The whole file system is bound read-only, then each writable root is bound read-write over it,
then each protected path is bound read-only again over that (later binds win). ``/dev`` is a
fresh minimal one, ``/proc`` belongs to the new PID namespace (the command cannot see or signal
infercode), and ``--unshare-net`` leaves only a loopback device of its own: no connection
reaches anything outside, the host's loopback included. ``--die-with-parent`` plus the PID
namespace mean that killing bwrap kills every process the command started.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

#: The flags every run uses; the start-up probe runs ``true`` with exactly these.
BASE_FLAGS = ("--die-with-parent", "--unshare-pid", "--ro-bind", "/", "/", "--dev", "/dev")
PROC_FLAGS = ("--proc", "/proc")


def find_bwrap() -> str | None:
    return shutil.which("bwrap")


def bwrap_argv(
    bwrap: str,
    argv: Sequence[str],
    *,
    cwd: Path,
    writable: Sequence[Path],
    protected: Sequence[Path],
    network: bool,
) -> list[str]:
    out = [bwrap, *BASE_FLAGS, *PROC_FLAGS]
    if not network:
        out.append("--unshare-net")
    for path in writable:
        out += ["--bind", str(path), str(path)]
    for path in protected:
        out += ["--ro-bind", str(path), str(path)]
    out += ["--chdir", str(cwd), "--", *argv]
    return out


def probe(bwrap: str, timeout_s: float = 5.0) -> str | None:
    """None when a trivial sandboxed run works here; else why not (bwrap's own words).

    Where unprivileged user namespaces are off (Ubuntu 24.04's AppArmor default, some
    containers) bwrap fails with "setting up uid map: Permission denied" or similar.
    """
    argv = [bwrap, *BASE_FLAGS, *PROC_FLAGS, "--unshare-net", "--", "true"]
    try:
        done = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return str(error)
    if done.returncode != 0:
        return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
    return None

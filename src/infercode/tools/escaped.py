"""Which processes a shell command started are still alive after its process group was killed.

Killing the group reaches everything that stayed in it, but a child can leave: ``setsid``,
a double-forking daemon, ``nohup setsid ...``. Once its parent dies it is re-parented to init,
so the process tree no longer leads back to the command. Two things still do, read from /proc:

* the environment: every process the command starts inherits ``INFERCODE_SHELL_RUN=<mark>``
  (unique per call) unless it deliberately clears its environment;
* the output pipe: a background process that kept the command's stdout open holds that pipe.

Where there is no /proc (macOS), nothing can be said: ``survivors`` returns None and the caller
says that such processes may still run.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

MARK_ENV = "INFERCODE_SHELL_RUN"
_PROC = Path("/proc")
_SHOWN = 5  # processes named in the note; the rest are counted


@dataclass(frozen=True)
class Survivor:
    pid: int
    command: str


def new_mark() -> str:
    return f"{os.getpid()}-{secrets.token_hex(6)}"


def survivors(mark: str, pipe_fd: int | None = None) -> list[Survivor] | None:
    """Running (not zombie) processes other than this one that carry ``mark`` in their
    environment or hold the pipe ``pipe_fd`` refers to; None when /proc cannot tell."""
    if not (_PROC / "self" / "environ").exists():
        return None
    needle = f"{MARK_ENV}={mark}".encode()
    pipe = None
    if pipe_fd is not None:
        try:
            pipe = f"pipe:[{os.fstat(pipe_fd).st_ino}]"
        except OSError:
            pipe = None
    me = os.getpid()
    found: list[Survivor] = []
    with os.scandir(_PROC) as entries:
        for entry in entries:
            if not entry.name.isdigit() or int(entry.name) == me:
                continue
            pid = int(entry.name)
            if not _running(pid):
                continue
            if _has_mark(pid, needle) or (pipe is not None and _holds(pid, pipe)):
                found.append(Survivor(pid, _command(pid)))
    return sorted(found, key=lambda s: s.pid)


def describe(found: list[Survivor] | None) -> str:
    """A note for the tool output: what is still running, or that we cannot know."""
    if found is None:
        return (
            "[processes that left the command's process group (e.g. with setsid) cannot be "
            "checked on this system and may still be running]"
        )
    if not found:
        return ""
    names = ", ".join(f"{s.pid} ({s.command})" for s in found[:_SHOWN])
    more = f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    pids = " ".join(str(s.pid) for s in found[:_SHOWN])
    return (
        f"[{len(found)} process(es) it started left its process group (e.g. with setsid) and "
        f"are still running: {names}{more}. Stop them with `kill {pids}` if they are not "
        "wanted]"
    )


def _running(pid: int) -> bool:
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return False
    fields = stat[stat.rfind(")") + 2 :].split()
    return bool(fields) and fields[0] not in ("Z", "X")


def _has_mark(pid: int, needle: bytes) -> bool:
    try:
        environ = (_PROC / str(pid) / "environ").read_bytes()
    except OSError:  # another user's process, or gone
        return False
    return any(var == needle for var in environ.split(b"\0"))


def _holds(pid: int, pipe: str) -> bool:
    try:
        with os.scandir(_PROC / str(pid) / "fd") as fds:
            for fd in fds:
                try:
                    if os.readlink(fd.path) == pipe:
                        return True
                except OSError:
                    continue
    except OSError:
        return False
    return False


def _command(pid: int) -> str:
    try:
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return "?"
    text = " ".join(part.decode("utf-8", "replace") for part in raw.split(b"\0") if part)
    return text if len(text) <= 60 else text[:59] + "…"

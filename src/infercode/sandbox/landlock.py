"""Landlock: the kernel's unprivileged sandbox, applied in the child just before ``exec``.

A small ctypes layer over three system calls. The ruleset is built in the parent (opening the
paths, adding the rules); the child only sets ``no_new_privs`` and calls
``landlock_restrict_self`` on the ruleset's descriptor, so almost nothing runs between fork and
exec. What each kernel gives (ABI version):

- 1 (Linux 5.13): file-system writes confined to the rules; renames across directories refused.
- 2 (5.19): renames and links between writable directories allowed (``REFER``).
- 3 (6.2): truncating a file counts as a write.
- 4 (6.7): TCP ``connect`` and ``bind`` refused (UDP is not covered by Landlock).
- 6 (6.12): signals to processes outside the sandbox refused (infercode cannot be signalled),
  and abstract unix sockets outside it unreachable.

Landlock only ever *grants* access beneath a path: a rule on the workspace would also grant its
``.git``. So when a writable root holds a protected path, its children are granted one by one
instead, skipping the protected ones; the root itself then gets no rule, which means a command
cannot create or delete entries directly in that root (it can in every subdirectory).
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Sequence
from pathlib import Path

SYS_CREATE_RULESET = 444  # the same numbers on every architecture (generic syscall table)
SYS_ADD_RULE = 445
SYS_RESTRICT_SELF = 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
RULE_NET_PORT = 2
PR_SET_NO_NEW_PRIVS = 38

EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13
TRUNCATE = 1 << 14

NET_BIND_TCP = 1 << 0
NET_CONNECT_TCP = 1 << 1

SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1

#: Rights that may be granted on a file (the rest only make sense on a directory).
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


class LandlockError(OSError):
    pass


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is absent or disabled."""
    try:
        syscall = _libc().syscall
    except (OSError, AttributeError):
        return 0
    syscall.restype = ctypes.c_long
    version = syscall(
        ctypes.c_long(SYS_CREATE_RULESET),
        ctypes.c_void_p(None),
        ctypes.c_size_t(0),
        ctypes.c_uint32(CREATE_RULESET_VERSION),
    )
    return max(int(version), 0)


def write_rights(abi: int) -> int:
    """Every write-like right the kernel knows (reads and execution are left unrestricted)."""
    rights = (
        WRITE_FILE
        | REMOVE_DIR
        | REMOVE_FILE
        | MAKE_CHAR
        | MAKE_DIR
        | MAKE_REG
        | MAKE_SOCK
        | MAKE_FIFO
        | MAKE_BLOCK
        | MAKE_SYM
    )
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    return rights


def plan_rules(
    writable: Sequence[Path], protected: Sequence[Path], devices: Sequence[str]
) -> list[tuple[Path, bool]]:
    """(path, is_dir) to grant: each writable root, or its children when it holds a protected
    path (recursively, down to the protected ones), plus the writable device files."""
    rules: list[tuple[Path, bool]] = []

    def grant(path: Path, inside: list[Path]) -> None:
        if path in inside:
            return
        below = [p for p in inside if path in p.parents]
        if not below:
            rules.append((path, path.is_dir()))
            return
        try:
            entries = list(os.scandir(path))
        except OSError:
            return
        for entry in entries:
            if entry.is_symlink():
                continue  # a write through a link is checked at its target
            grant(Path(entry.path), below)

    for root in writable:
        grant(root, list(protected))
    for device in devices:
        if os.path.exists(device):
            rules.append((Path(device), False))
    return rules


def build_ruleset(
    writable: Sequence[Path],
    protected: Sequence[Path],
    devices: Sequence[str],
    *,
    network: bool,
    abi: int,
) -> int:
    """A ruleset descriptor (close-on-exec) ready for ``restrict_self`` in the child."""
    libc = _libc()
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    fs_rights = write_rights(abi)
    attr = _RulesetAttr(fs_rights, 0, 0)
    if abi >= 4 and not network:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP  # no rule: nothing allowed
    if abi >= 6:
        attr.scoped = SCOPE_SIGNAL | (0 if network else SCOPE_ABSTRACT_UNIX_SOCKET)
    fd = syscall(
        ctypes.c_long(SYS_CREATE_RULESET),
        ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
        ctypes.c_uint32(0),
    )
    if fd < 0:
        errno = ctypes.get_errno()
        raise LandlockError(errno, f"landlock_create_ruleset: {os.strerror(errno)}")
    try:
        for path, is_dir in plan_rules(writable, protected, devices):
            rights = fs_rights if is_dir else fs_rights & FILE_RIGHTS
            try:
                target = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # vanished meanwhile: nothing to grant
            try:
                rule = _PathBeneathAttr(rights, target)
                done = syscall(
                    ctypes.c_long(SYS_ADD_RULE),
                    ctypes.c_int(fd),
                    ctypes.c_int(RULE_PATH_BENEATH),
                    ctypes.byref(rule),
                    ctypes.c_uint32(0),
                )
                if done < 0:
                    errno = ctypes.get_errno()
                    raise LandlockError(errno, f"landlock_add_rule {path}: {os.strerror(errno)}")
            finally:
                os.close(target)
    except BaseException:
        os.close(fd)
        raise
    return int(fd)


def restrictor(ruleset_fd: int) -> Callable[[], None]:
    """The ``preexec_fn``: two system calls, everything looked up before the fork."""
    libc = _libc()
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    prctl = libc.prctl
    prctl.restype = ctypes.c_int
    args = (ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(ruleset_fd), ctypes.c_uint32(0))
    no_new_privs = (
        ctypes.c_int(PR_SET_NO_NEW_PRIVS),
        ctypes.c_ulong(1),
        ctypes.c_ulong(0),
        ctypes.c_ulong(0),
        ctypes.c_ulong(0),
    )

    def restrict() -> None:
        if prctl(*no_new_privs) != 0 or syscall(*args) != 0:
            raise LandlockError(ctypes.get_errno(), "landlock_restrict_self failed")

    return restrict

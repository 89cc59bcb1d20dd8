"""Which sandbox mechanisms the tests can exercise here, as pytest parameters.

bubblewrap runs whenever we are root (CI installs it with apt-get: a missing bwrap is then a
failure, not a skip); otherwise its cases are skipped when bwrap is absent or cannot work
(unprivileged user namespaces off). Landlock is skipped only on a kernel without it.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def _bwrap_skip() -> str | None:
    if os.geteuid() == 0:
        return None
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bwrap is not installed and we are not root (.ci/run installs it as root)"
    from infercode.sandbox.bwrap import probe

    failure = probe(bwrap)
    return f"bwrap cannot run here: {failure}" if failure else None


def _landlock_skip() -> str | None:
    from infercode.sandbox.landlock import abi_version

    return None if abi_version() >= 1 else "the kernel has no Landlock"


def mechanism_params() -> list[object]:
    params: list[object] = []
    for name, why in (("bwrap", _bwrap_skip()), ("landlock", _landlock_skip())):
        marks = [pytest.mark.skip(reason=why)] if why else []
        params.append(pytest.param(name, marks=marks, id=name))
    return params


MECHANISMS = mechanism_params()


@contextmanager
def loopback_listener() -> Iterator[socket.socket]:
    """A TCP listener on 127.0.0.1 that nothing inside a sandbox should reach."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    try:
        yield listener
    finally:
        listener.close()


def accepted(listener: socket.socket) -> bool:
    """Whether anything connected to ``listener`` (without waiting)."""
    try:
        connection, _ = listener.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def connect_command(port: int) -> str:
    return (
        'python3 -c \'import socket; socket.create_connection(("127.0.0.1", '
        f'{port}), timeout=3); print("connected")\''
    )

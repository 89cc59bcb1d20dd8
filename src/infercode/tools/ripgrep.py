"""grep through ripgrep, when ``rg`` is on PATH: the same results, from a faster search.

rg is told to behave like the Python search: hidden files searched but never ``.git``,
``.gitignore`` (and ``.ignore``, ``.rgignore``, ``.git/info/exclude``) applied even outside a git
repository, no user config (``RIPGREP_CONFIG_PATH`` could change the output format), symlinks not
followed, output sorted by path. Its output (``path NUL line:text``) is read as it comes, and rg
is stopped once the results are complete or the user cancels.
"""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

from infercode.tools.search import Hit, Results

#: Set ``INFERCODE_GREP=python`` to use the Python search even when rg is installed.
ENGINE_ENV = "INFERCODE_GREP"


class RipgrepFailed(Exception):
    """rg could not run the search (most often: a pattern its regex syntax rejects)."""


def find_rg() -> str | None:
    if os.environ.get(ENGINE_ENV, "").lower() == "python":
        return None
    return shutil.which("rg")


def rg_command(
    rg: str, pattern: str, target: str, *, ignore_case: bool, context: int, glob: str | None
) -> list[str]:
    command = [
        rg,
        "--no-config",
        "--no-require-git",
        "--hidden",
        "--glob",
        "!.git",
        "--sort",
        "path",
        "--null",
        "--line-number",
        "--with-filename",
        "--no-heading",
        "--color",
        "never",
        "--no-messages",
    ]
    if ignore_case:
        command.append("--ignore-case")
    if context:
        command += ["--context", str(context)]
    if glob:
        command += ["--glob", glob]
    return [*command, "--regexp", pattern, "--", target]


def rg_search(command: list[str], cwd: Path, results: Results, cancelled: threading.Event) -> None:
    """Run ``command`` in ``cwd`` and feed its lines to ``results``; paths are shown as rg
    prints them, without a leading ``./``."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    wanted_more = True
    got_any = False
    try:
        for line in _lines(process, cancelled):
            got_any = True
            hit = _parse(line)
            if hit is not None and not results.add(hit):
                wanted_more = False
                break
    finally:
        if process.poll() is None:
            process.kill()
        stderr = process.stderr.read().decode("utf-8", "replace").strip()
        process.stdout.close()
        process.stderr.close()
        code = process.wait()
    if wanted_more and not cancelled.is_set() and code == 2 and not got_any:
        raise RipgrepFailed(stderr or "rg failed")


def _lines(process: subprocess.Popen[bytes], cancelled: threading.Event) -> Iterator[bytes]:
    """rg's output lines; reading stops at its end or when ``cancelled`` is set (checked every
    100 ms, so a long search with no output yet can still be stopped)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    pending = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while not cancelled.is_set():
            if not selector.select(timeout=0.1):
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            pending += chunk
            *complete, pending = pending.split(b"\n")
            yield from complete
    if pending and not cancelled.is_set():
        yield pending


def _parse(line: bytes) -> Hit | None:
    """``path NUL 12:text`` (a match) or ``path NUL 12-text`` (context); ``--`` is a break."""
    path, sep, rest = line.partition(b"\x00")
    if not sep:
        return None
    digits = 0
    while digits < len(rest) and 48 <= rest[digits] <= 57:
        digits += 1
    if not digits or digits >= len(rest) or rest[digits] not in b":-":
        return None
    shown = path.decode("utf-8", "replace")
    shown = shown[2:] if shown.startswith("./") else shown
    text = rest[digits + 1 :].decode("utf-8", "replace").removesuffix("\r")
    return Hit(shown, int(rest[:digits]), text, rest[digits] == ord(":"))

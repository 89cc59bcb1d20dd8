"""Drive the installed ``infercode`` in a pseudo-terminal and read its screen, like a person.

``Terminal`` spawns the command with pexpect at a fixed size and feeds everything it writes into a
pyte screen (which also answers cursor-position requests, as a real terminal does, so
prompt-toolkit never waits for one). Tests wait for text on the screen, type, and press keys::

    with Terminal.spawn(["--base-url", server.url], cwd=workspace, env=env) as term:
        term.wait_prompt()
        term.type("hello")
        term.press("enter")
        term.wait_for("You said: hello")
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import pexpect
import pyte

KEYS = {
    "enter": "\r",
    "tab": "\t",
    "shift-tab": "\x1b[Z",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "escape": "\x1b",
    "backspace": "\x7f",
    "alt-enter": "\x1b\r",
    "ctrl-c": "\x03",
    "ctrl-d": "\x04",
    "ctrl-j": "\n",
    "ctrl-r": "\x12",
    "ctrl-u": "\x15",
}
PROMPT = "›"
DEFAULT_TIMEOUT = 15.0


#: The console script installed beside this interpreter (as users run it), else the module.
_SCRIPT = Path(sys.executable).with_name("infercode")
COMMAND: list[str] = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "infercode"]


def isolated_env(tmp: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment, with home, XDG dirs and input history under ``tmp`` and no color or
    size overrides, for a terminal of known kind."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env.update(
        {
            "HOME": str(tmp / "home"),
            "XDG_CONFIG_HOME": str(tmp / "xdg" / "config"),
            "XDG_STATE_HOME": str(tmp / "xdg" / "state"),
            "XDG_DATA_HOME": str(tmp / "xdg" / "data"),
            "XDG_CACHE_HOME": str(tmp / "xdg" / "cache"),
            "INFERCODE_STATE_DIR": str(tmp / "state"),
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
    )
    for key in ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    env.update(extra or {})
    return env


def make_workspace(path: Path, files: Mapping[str, str | bytes] | None = None) -> Path:
    """A git repository (branch ``main``) with ``files`` in it."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    for name, content in (files or {}).items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return path


class _Screen(pyte.HistoryScreen):
    """A screen that keeps scrolled-off lines and answers the program's status requests."""

    def __init__(self, columns: int, lines: int, reply: Callable[[str], None]) -> None:
        super().__init__(columns, lines, history=2000)
        self._reply = reply

    def write_process_input(self, data: str) -> None:
        self._reply(data)


class Terminal:
    def __init__(self, child: Any, rows: int, cols: int) -> None:
        self.child = child
        self.rows = rows
        self.cols = cols
        self.screen = _Screen(cols, rows, self._answer)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()

    @classmethod
    def spawn(
        cls,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        rows: int = 40,
        cols: int = 100,
    ) -> Terminal:
        child = pexpect.spawn(
            COMMAND[0],
            [*COMMAND[1:], *args],
            cwd=str(cwd),
            env=dict(env),
            dimensions=(rows, cols),
            encoding=None,
        )
        return cls(child, rows, cols)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()

    def _answer(self, data: str) -> None:
        if self.child.isalive():
            self.child.send(data.encode())

    # -- reading ---------------------------------------------------------------------------------

    def pump(self, timeout: float = 0.05) -> bool:
        """Read what the program wrote (waiting up to ``timeout``); True if anything came."""
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return False
        except pexpect.EOF:
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    def lines(self) -> list[str]:
        """The visible screen, one string per row, right-stripped."""
        return [line.rstrip() for line in self.screen.display]

    def text(self) -> str:
        return "\n".join(self.lines())

    def history_text(self) -> str:
        """Scrolled-off lines followed by the visible screen."""
        top = [
            "".join(line[x].data for x in range(self.cols)).rstrip()
            for line in self.screen.history.top
        ]
        return "\n".join([*top, *self.lines()])

    def cursor_line(self) -> str:
        return self.lines()[self.screen.cursor.y]

    def wait_until(
        self, predicate: Callable[[], bool], what: str, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.pump(0.02)
            if predicate():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{self.text()}")
            if not self.child.isalive() and not self.pump(0.05) and not predicate():
                raise AssertionError(f"the program exited waiting for {what}:\n{self.text()}")

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until ``pattern`` (a substring or regex) is on screen or in scrollback."""
        if isinstance(pattern, str):
            self.wait_until(lambda: pattern in self.history_text(), repr(pattern), timeout)
        else:
            regex = pattern
            self.wait_until(lambda: bool(regex.search(self.history_text())), regex.pattern, timeout)

    def wait_prompt(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait for an empty input prompt (the cursor on a line holding only the prompt)."""
        self.wait_until(lambda: self.cursor_line().strip() == PROMPT, "an empty prompt", timeout)

    def count(self, text: str) -> int:
        return self.history_text().count(text)

    # -- writing ---------------------------------------------------------------------------------

    def type(self, text: str) -> None:
        self.child.send(text.encode())

    def press(self, *keys: str) -> None:
        for key in keys:
            self.child.send(KEYS[key].encode())

    def resize(self, rows: int, cols: int) -> None:
        """Change the terminal size (the program gets SIGWINCH); the screen does not reflow,
        like xterm."""
        self.screen.resize(rows, cols)
        self.rows, self.cols = rows, cols
        self.child.setwinsize(rows, cols)

    def paste(self, text: str) -> None:
        """Bracketed paste, as a terminal sends it when prompt-toolkit enabled the mode."""
        self.child.send(b"\x1b[200~" + text.encode() + b"\x1b[201~")

    def send_line(self, text: str) -> None:
        self.type(text)
        self.press("enter")

    def wait_exit(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """Wait for the program to end; its exit status."""
        deadline = time.monotonic() + timeout
        while self.child.isalive():
            self.pump(0.05)
            if time.monotonic() > deadline:
                raise AssertionError(f"the program did not exit; screen:\n{self.text()}")
        while self.pump(0.01):
            pass
        self.child.close()
        status = self.child.exitstatus
        return int(status) if status is not None else 128 + int(self.child.signalstatus or 0)


def start_repl(
    url: str,
    tmp: Path,
    *args: str,
    files: Mapping[str, str | bytes] | None = None,
    env: Mapping[str, str] | None = None,
    rows: int = 40,
    cols: int = 100,
) -> tuple[Terminal, Path]:
    """The REPL against the server at ``url`` in a fresh workspace ``tmp/ws``, at its prompt."""
    workspace = make_workspace(tmp / "ws", files)
    term = Terminal.spawn(
        ["--base-url", url, *args],
        cwd=workspace,
        env=isolated_env(tmp, env),
        rows=rows,
        cols=cols,
    )
    return term, workspace

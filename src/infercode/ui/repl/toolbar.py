"""The prompt's bottom toolbar: model, workspace (and git branch), context used / window."""

from __future__ import annotations

import os
import time
from pathlib import Path

from infercode.formatting import format_tokens
from infercode.git.plumbing import current_branch
from infercode.ui.terminal_text import safe_line

BRANCH_TTL_S = 2.0


def short_path(path: Path) -> str:
    home = os.path.expanduser("~")
    text = str(path)
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home) :]
    return text


class BranchCache:
    """The toolbar is redrawn on every key; read ``.git/HEAD`` at most every two seconds."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._value: str | None = None
        self._read_at = float("-inf")

    def get(self) -> str | None:
        now = time.monotonic()
        if now - self._read_at >= BRANCH_TTL_S:
            self._value = current_branch(self.root)
            self._read_at = now
        return self._value


def compact_path(path: Path, limit: int = 40) -> str:
    """``short_path``, and only the last two parts if that is still long."""
    text = short_path(path)
    if len(text) <= limit or len(path.parts) <= 3:
        return text
    return "…/" + "/".join(path.parts[-2:])


def toolbar_text(
    model: str, root: Path, branch: str | None, used: int, window: int, mode: str | None = None
) -> str:
    # The workspace goes last: when the terminal is narrow, it is what gets cut.
    where = compact_path(root) + (f" ({branch})" if branch else "")
    share = f" ({100 * used / window:.0f}%)" if window else ""
    tokens = f"{format_tokens(used)} / {format_tokens(window)} tokens{share}"
    shown_mode = f"{mode} mode (shift+tab) · " if mode else ""
    # A directory or branch name can carry control characters: through the choke point.
    return safe_line(f" {shown_mode}{model} · {tokens} · {where} ")

"""One line per recorded session, for ``infercode sessions``, the picker and ``/resume``."""

from __future__ import annotations

import time

from infercode.formatting import age, size_text
from infercode.store.session_files import SessionInfo
from infercode.ui.terminal_text import safe_line


def describe(info: SessionInfo, now: float, *, with_root: bool = False, width: int = 60) -> str:
    """One line per session: id, age, size, first prompt (and the workspace with ``--all``)."""
    # The first prompt may be a piped file's text: shown through the terminal choke point.
    prompt = safe_line(info.first_prompt or "(no prompt)")
    if len(prompt) > width:
        prompt = prompt[: width - 1] + "…"
    where = f"  [{safe_line(str(info.root))}]" if with_root else ""
    return (
        f"{info.id}  {age(now - info.modified):>8}  {info.items:>4} items  "
        f"{size_text(info.size_bytes):>7}  {prompt}{where}"
    )


def format_sessions(
    infos: list[SessionInfo], *, numbered: bool = False, with_root: bool = False
) -> str:
    now = time.time()
    lines = []
    for number, info in enumerate(infos, 1):
        mark = f"{number:>2}) " if numbered else ""
        lines.append(mark + describe(info, now, with_root=with_root))
    return "\n".join(lines)

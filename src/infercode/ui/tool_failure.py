"""The lines of a failed tool's message the user sees under its ``✗`` line.

The model gets the whole message (which edit failed, the closest region the file has); the
user sees its first lines, so that ``✗ invalid`` says what went wrong in the REPL and in the
headless progress alike.
"""

from __future__ import annotations

from infercode.ui.terminal_text import safe_line

#: Lines shown at most: the reason and a short region (the closest match is a few lines).
FAILURE_LINES = 8
LINE_CHARS = 200


def failure_lines(output: str) -> list[str]:
    """The first lines of ``output``, escaped for the terminal, with ``…`` when cut."""
    lines = output.strip().split("\n")
    shown = [safe_line(line[:LINE_CHARS]) for line in lines[:FAILURE_LINES]]
    if len(lines) > FAILURE_LINES:
        shown.append(f"… ({len(lines) - FAILURE_LINES} more lines)")
    return shown if output.strip() else []

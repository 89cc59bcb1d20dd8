"""A diff as the user sees it before approving an edit: the REPL, ``/diff`` and the headless
terminal question all colour it here."""

from __future__ import annotations

from rich.text import Text

from infercode.ui.terminal_text import pieces


def colored_diff(diff: str, max_lines: int = 400) -> Text:
    """A unified diff with the usual colors (headers bold, hunks cyan, + green, - red).

    The diff shows file content the model wrote: control and invisible characters in it are
    shown escaped (in reverse video), so an injected ``ESC [2K`` cannot hide a line."""
    text = Text()
    lines = diff.rstrip("\n").split("\n")
    shown = lines[:max_lines]
    for line in shown:
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        else:
            style = ""
        for piece, escaped in pieces(line.removesuffix("\r"), strict=True):
            text.append(piece, style=f"{style} reverse".strip() if escaped else style)
        text.append("\n", style=style)
    if len(lines) > max_lines:
        text.append(f"… {len(lines) - max_lines} more diff lines not shown\n", style="dim")
    text.rstrip()
    return text

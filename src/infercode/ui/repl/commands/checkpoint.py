"""REPL commands about what infercode changed on disk: ``/diff`` and ``/undo``."""

from __future__ import annotations

from rich.text import Text

from infercode.git.checkpoints import CheckpointError, Checkpoints, UndoRefused
from infercode.ui.diff_view import colored_diff
from infercode.ui.repl.commands.registry import Command, CommandRegistry, ReplState
from infercode.ui.terminal_text import safe_line, safe_text

#: Tells the model, in history, that its earlier edits are gone, so it does not build on them.
UNDO_NOTE = "[infercode] The user ran /undo. {message} Those files are back as they were before."


def _checkpoints(state: ReplState) -> Checkpoints | None:
    hooks = state.checkpoints
    if hooks is not None and hooks.broken:
        state.console.print(
            Text(
                f"Checkpoints are off in this session (/undo and /diff unavailable): "
                f"{safe_text(hooks.broken)}",
                style="yellow",
            ),
            highlight=False,
        )
        return None
    if hooks is not None:
        return hooks.checkpoints
    state.console.print(Text("Checkpoints are off in this session.", style="yellow"))
    return None


def diff(state: ReplState, arg: str) -> None:
    checkpoints = _checkpoints(state)
    if checkpoints is None:
        return
    since: int | None = None
    if arg:
        if not arg.isdigit():
            state.console.print(Text("Use /diff or /diff TURN (a turn number).", style="yellow"))
            return
        since = int(arg)
    try:
        # Uncolored from git and colored by ``colored_diff``: the file content in it passes the
        # terminal choke point (``Text.from_ansi`` would interpret escapes the model wrote).
        text = checkpoints.diff(since_turn=since)
    except CheckpointError as error:
        state.console.print(Text(f"Cannot show the diff: {safe_text(str(error))}", style="red"))
        return
    if not text:
        state.console.print(Text("infercode has changed no files in this session.", style="dim"))
        return
    state.console.print(colored_diff(text, max_lines=1_000_000), highlight=False)
    turns = ", ".join(f"{t.number} ({t.summary()})" for t in checkpoints.turns)
    state.console.print(Text(f"Turns with changes: {turns}. /diff N shows from turn N.", "dim"))


def undo(state: ReplState, arg: str) -> None:
    checkpoints = _checkpoints(state)
    if checkpoints is None:
        return
    try:
        result = checkpoints.undo()
    except UndoRefused as refused:
        state.console.print(Text(safe_text(refused.reason), style="yellow"), highlight=False)
        return
    except (CheckpointError, OSError) as error:
        state.console.print(Text(f"Undo failed: {safe_text(str(error))}", style="red"))
        return
    if result.turn is None:
        state.console.print(Text(result.message, style="dim"))
        return
    for label, paths, style in (
        ("restored", result.restored, "green"),
        ("deleted", result.deleted, "red"),
        ("recreated", result.recreated, "green"),
        ("left alone", result.left_alone, "yellow"),
    ):
        for path in paths:
            line = Text(f"  {label:<10} {safe_line(str(path))}", style=style)
            state.console.print(line, highlight=False)
    state.console.print(Text(safe_text(result.message), style="dim"), highlight=False)
    state.agent.note(UNDO_NOTE.format(message=result.message))


def add_git_commands(registry: CommandRegistry) -> None:
    registry.add(Command("diff", "show what infercode changed (since turn N)", diff, "[N]"))
    registry.add(Command("undo", "take back the files of the last turn that changed any", undo))

"""REPL commands about what infercode changed on disk: ``/diff`` and ``/undo``."""

from __future__ import annotations

from rich.text import Text

from infercode.checkpoint_hooks import CheckpointHooks
from infercode.checkpoints import CheckpointError, UndoRefused
from infercode.history import user_message
from infercode.ui.commands import Command, CommandRegistry, ReplState

#: Tells the model, in history, that its earlier edits are gone, so it does not build on them.
UNDO_NOTE = "[infercode] The user ran /undo. {message} Those files are back as they were before."


def _hooks(state: ReplState) -> CheckpointHooks | None:
    hooks = state.agent.hooks
    if isinstance(hooks, CheckpointHooks) and hooks.broken:
        state.console.print(
            Text(
                f"Checkpoints are off in this session (/undo and /diff unavailable): "
                f"{hooks.broken}",
                style="yellow",
            ),
            highlight=False,
        )
        return None
    if isinstance(hooks, CheckpointHooks):
        return hooks
    state.console.print(Text("Checkpoints are off in this session.", style="yellow"))
    return None


def diff(state: ReplState, arg: str) -> None:
    hooks = _hooks(state)
    if hooks is None:
        return
    since: int | None = None
    if arg:
        if not arg.isdigit():
            state.console.print(Text("Use /diff or /diff TURN (a turn number).", style="yellow"))
            return
        since = int(arg)
    color = state.console.color_system is not None and not state.console.no_color
    try:
        text = hooks.checkpoints.diff(since_turn=since, color=color)
    except CheckpointError as error:
        state.console.print(Text(f"Cannot show the diff: {error}", style="red"))
        return
    if not text:
        state.console.print(Text("infercode has changed no files in this session.", style="dim"))
        return
    state.console.print(Text.from_ansi(text.rstrip("\n")) if color else Text(text.rstrip("\n")))
    turns = ", ".join(f"{t.number} ({t.summary()})" for t in hooks.checkpoints.turns)
    state.console.print(Text(f"Turns with changes: {turns}. /diff N shows from turn N.", "dim"))


def undo(state: ReplState, arg: str) -> None:
    hooks = _hooks(state)
    if hooks is None:
        return
    try:
        result = hooks.checkpoints.undo()
    except UndoRefused as refused:
        state.console.print(Text(refused.reason, style="yellow"), highlight=False)
        return
    except (CheckpointError, OSError) as error:
        state.console.print(Text(f"Undo failed: {error}", style="red"), highlight=False)
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
            state.console.print(Text(f"  {label:<10} {path}", style=style), highlight=False)
    state.console.print(Text(result.message, style="dim"), highlight=False)
    state.agent.history.append(user_message(UNDO_NOTE.format(message=result.message)))


def add_git_commands(registry: CommandRegistry) -> None:
    registry.add(Command("diff", "show what infercode changed (since turn N)", diff, "[N]"))
    registry.add(Command("undo", "take back the files of the last turn that changed any", undo))

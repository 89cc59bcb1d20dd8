"""The built-in slash commands; ``default_commands`` is the registry the REPL starts with."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from infercode.formatting import format_tokens
from infercode.ui.repl.commands.checkpoint import add_git_commands
from infercode.ui.repl.commands.mcp import add_mcp_commands
from infercode.ui.repl.commands.modes import add_mode_commands
from infercode.ui.repl.commands.registry import Command, CommandRegistry, ExitRepl, ReplState
from infercode.ui.repl.commands.sandbox import add_sandbox_command
from infercode.ui.repl.commands.session import add_session_commands
from infercode.ui.terminal_text import safe_line, safe_text

KEYS_HELP = """\
Enter sends · Alt-Enter or Ctrl-J: new line · Up/Down: history · Ctrl-R: search history
Shift-Tab cycles the approval mode: ask, auto-edit, plan (shown in the bottom line)
Tab completes /commands and @paths · @path attaches a workspace file to your message
Ctrl-C stops the reply or the running command; at a question it denies and stops the turn
Ctrl-C on an empty prompt twice (within 2 s) or Ctrl-D leaves"""

EXIT_HELP = """\
Exit status: 0 whenever you leave the REPL (/exit, Ctrl-D, Ctrl-C twice), even after an \
interrupted turn; 2 for a usage or configuration error at start."""


def _help(state: ReplState, arg: str) -> None:
    table = Table.grid(padding=(0, 2))
    for command in state.commands:
        name = f"/{command.name}" + (f" {command.usage}" if command.usage else "")
        table.add_row(Text(name, style="bold"), command.help)
    state.console.print(table)
    state.console.print(Text(KEYS_HELP, style="dim"))
    state.console.print(Text(EXIT_HELP, style="dim"))


def _clear(state: ReplState, arg: str) -> None:
    state.agent.reset([])
    if state.recorder is not None:
        state.recorder.start_new()  # the old conversation stays resumable
    state.console.print(
        Text("Started a new conversation (the model sees no earlier messages).", "dim")
    )


def _model(state: ReplState, arg: str) -> None:
    names = state.model_names()
    if not arg:
        for name in names:
            mark = "*" if name == state.settings.model else " "
            window = state.settings.context_windows.get(name)
            extra = f"  ({format_tokens(window)} context)" if window else ""
            state.console.print(Text(f"{mark} {safe_line(name)}{extra}"), highlight=False)
        state.console.print(Text("/model NAME switches.", style="dim"))
        return
    if state._models and arg not in state._models:
        # Many servers list only some of the models they serve: warn, and switch all the same.
        state.console.print(
            Text(
                safe_text(f"Unknown model {arg!r}: not in the server's list; using it anyway."),
                "yellow",
            )
        )
    state.set_model(arg)
    context = format_tokens(state.settings.context_window())
    state.console.print(Text(f"Model: {safe_line(arg)} ({context} context)", style="dim"))


def _usage(state: ReplState, arg: str) -> None:
    total = state.agent.usage_total
    window = state.settings.context_window()
    used = state.context_used()
    left = max(window - used, 0)
    share = 100 * used / window if window else 0.0
    turn = state.last_turn
    lines = [
        f"Last turn: {turn.input_tokens:,} input tokens ({turn.cached_tokens:,} cached), "
        f"{turn.output_tokens:,} output ({turn.reasoning_tokens:,} reasoning).",
        f"Session: {total.input_tokens:,} input tokens ({total.cached_tokens:,} cached), "
        f"{total.output_tokens:,} output ({total.reasoning_tokens:,} reasoning).",
        f"Context: {used:,} of {window:,} tokens ({share:.0f}%) used by the conversation; "
        f"{left:,} left ({100 - share:.0f}% of the {state.settings.model} window).",
    ]
    for line in lines:
        state.console.print(line, highlight=False)


def _reasoning(state: ReplState, arg: str) -> None:
    value = arg.lower()
    if value in ("on", "off"):
        state.show_reasoning = value == "on"
    elif value:
        state.console.print(Text("Use /reasoning on or /reasoning off.", style="yellow"))
        return
    else:
        state.show_reasoning = not state.show_reasoning
    shown = "shown" if state.show_reasoning else "hidden (still kept in history)"
    state.console.print(Text(f"Reasoning is {shown}.", style="dim"))


def _retry(state: ReplState, arg: str) -> None:
    if not state.last_failed or state.retry is None or not state.agent.transcript():
        state.console.print(Text("Nothing to retry: the last turn did not fail.", style="dim"))
        return
    state.retry()


def _exit(state: ReplState, arg: str) -> None:
    raise ExitRepl(0)


def default_commands() -> CommandRegistry:
    registry = CommandRegistry()
    registry.add(Command("help", "this help", _help))
    registry.add(Command("clear", "start a new conversation (empties the history)", _clear))
    registry.add(
        Command(
            "model",
            "list the models, or switch to NAME",
            _model,
            usage="[NAME]",
            complete=ReplState.model_names,
        )
    )
    registry.add(Command("usage", "tokens used this session and context left", _usage))
    registry.add(Command("retry", "send a failed turn again (the message is not repeated)", _retry))
    registry.add(
        Command(
            "reasoning",
            "show or hide the model's reasoning (kept in history either way)",
            _reasoning,
            usage="[on|off]",
            complete=lambda _state: ["on", "off"],
        )
    )
    registry.add(Command("exit", "leave infercode (also Ctrl-D)", _exit, aliases=("quit",)))
    add_session_commands(registry)
    add_git_commands(registry)
    add_sandbox_command(registry)
    add_mode_commands(registry)
    add_mcp_commands(registry)
    return registry

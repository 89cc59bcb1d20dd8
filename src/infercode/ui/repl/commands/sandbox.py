"""``/sandbox``: show where shell commands run, or change the mode or the network switch."""

from __future__ import annotations

from rich.text import Text

from infercode.sandbox import MODES
from infercode.ui.repl.commands.registry import Command, CommandRegistry, ReplState

USAGE = "/sandbox [workspace-write|read-only|off] · /sandbox network on|off"


def _sandbox(state: ReplState, arg: str) -> None:
    sandbox = state.sandbox
    if sandbox is None:
        state.console.print(Text("Shell commands run without a sandbox.", style="yellow"))
        return
    words = arg.split()
    if len(words) == 1 and words[0] in MODES:
        sandbox.set_mode(words[0])  # one of MODES
    elif len(words) == 2 and words[0] == "network" and words[1] in ("on", "off"):
        sandbox.set_network(words[1] == "on")
    elif words:
        state.console.print(Text(f"Use {USAGE}.", style="yellow"))
        return
    for line in sandbox.describe():
        state.console.print(Text(line), highlight=False)
    if not words:
        state.console.print(Text(USAGE, style="dim"))
    warning = sandbox.warning()
    if warning is not None:
        state.console.print(Text(warning, style="bold yellow"), highlight=False)


def add_sandbox_command(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            "sandbox",
            "show where shell commands may write, or change it",
            _sandbox,
            usage="[MODE]",
            complete=lambda _state: [*MODES, "network on", "network off"],
        )
    )

"""``/mcp``: each MCP server's state and tools; ``/mcp restart NAME`` starts one again."""

from __future__ import annotations

from rich.text import Text

from infercode.ui.repl.commands.registry import Command, CommandRegistry, ReplState

STYLES = {"ready": "green", "starting": "yellow", "failed": "red", "stopped": "dim"}


def mcp(state: ReplState, arg: str) -> None:
    control = state.mcp
    console = state.console
    if control is None:
        console.print(
            Text(
                "No MCP servers in this session (add one: infercode mcp add NAME -- CMD ARGS...).",
                style="dim",
            )
        )
        return
    word, _, name = arg.partition(" ")
    if word == "restart":
        names = [view.name for view in control.views()]
        if name.strip() not in names:
            console.print(Text(f"Use /mcp restart NAME, one of: {', '.join(names)}", "yellow"))
            return
        control.restart(name.strip())
        console.print(Text(f"restarting {name.strip()}; /mcp shows when it is ready", "dim"))
        return
    if word:
        console.print(Text("Use /mcp, or /mcp restart NAME.", style="yellow"))
        return
    for view in control.views():
        line = Text(f"  {view.name}", style="bold")
        if view.status == "ready":
            line.append(f"  ready with {len(view.tools)} tools", style=STYLES["ready"])
        else:
            line.append(f"  {view.status}", style=STYLES.get(view.status, ""))
        if view.reason:
            line.append(f": {view.reason}", style="dim")
        if view.origin == "project":
            line.append("  (.mcp.json)", style="dim")
        console.print(line, highlight=False)
        if view.tools:
            console.print(Text("    " + ", ".join(view.tools), style="dim"), highlight=False)


def add_mcp_commands(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            "mcp",
            "MCP servers: their state and tools; /mcp restart NAME",
            mcp,
            usage="[restart NAME]",
            complete=lambda state: (
                [f"restart {v.name}" for v in state.mcp.views()] if state.mcp else []
            ),
        )
    )

"""The user's and the project's custom commands (markdown prompt files) as slash commands."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text

from infercode.config.paths import config_dir
from infercode.engine.custom_commands import CustomCommand, load_commands
from infercode.engine.skills import discover_skills
from infercode.ui.repl.commands.registry import Command, CommandRegistry, Handler, ReplState
from infercode.ui.terminal_text import safe_line, safe_text


def _handler(command: CustomCommand) -> Handler:
    def run(state: ReplState, arg: str) -> None:
        if state.send is None:
            return
        model = state.settings.model
        if command.model and command.model != model:
            # The file asks for a model for this prompt only (Claude Code's ``model`` field).
            state.set_model(command.model)
            try:
                state.send(command.expand(arg))
            finally:
                state.set_model(model)
            return
        state.send(command.expand(arg))

    return run


def _skills(state: ReplState, arg: str) -> None:
    skills = discover_skills(state.root, config_dir())
    if not skills:
        state.console.print(
            Text(
                "No skills: put SKILL.md files in .agents/skills/NAME/, .infercode/skills/NAME/ "
                f"or {safe_text(str(config_dir() / 'skills'))}/NAME/.",
                "dim",
            ),
            highlight=False,
        )
        return
    table = Table.grid(padding=(0, 2))
    for skill in skills:
        table.add_row(
            Text(safe_line(skill.name), style="bold"),
            Text(f"{safe_text(skill.description)} ({skill.source}: {safe_line(str(skill.path))})"),
        )
    state.console.print(table)


def add_custom_commands(registry: CommandRegistry, root: Path) -> list[str]:
    """Adds every custom command whose name no built-in has; returns the warnings to show."""
    registry.add(Command("skills", "the skills the model can read (SKILL.md)", _skills))
    commands, warnings = load_commands(root, config_dir())
    for custom in commands:
        if registry.get(custom.name) is not None:
            warnings.append(
                f"custom command /{custom.name} ({custom.path}) ignored: "
                "a built-in command has that name"
            )
            continue
        about = custom.description or "custom command"
        registry.add(
            Command(
                custom.name,
                f"{about} ({custom.source})",
                _handler(custom),
                usage=custom.argument_hint,
            )
        )
    return warnings

"""A headless prompt that names a custom command (``infercode -p "/review src/app.py"``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from infercode.config.paths import config_dir
from infercode.engine.custom_commands import load_commands, match_command
from infercode.ui.terminal_text import safe_text


def expand_prompt(prompt: str, root: Path, err: TextIO | None = None) -> tuple[str, str | None]:
    """The prompt with a custom command expanded (its ``@path`` files attached, as the REPL
    does) and the model the command file asks for; other prompts are returned unchanged."""
    if not prompt.lstrip().startswith("/"):
        return prompt, None
    err = sys.stderr if err is None else err
    commands, warnings = load_commands(root, config_dir())
    found = match_command(prompt, commands)
    if found is None:
        return prompt, None
    for warning in warnings:
        err.write(f"warning: {safe_text(warning)}\n")
    command, arguments = found
    # Only here: the REPL's attachment code is not needed on a plain headless prompt's path.
    from infercode.ui.repl.completion import expand_attachments

    text, notes = expand_attachments(command.expand(arguments), root)
    for note in notes:
        err.write(f"{safe_text(note)}\n")
    return text, command.model

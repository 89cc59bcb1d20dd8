"""Custom slash commands: markdown prompt files, loaded and expanded (no terminal, no model).

The format is Claude Code's: a file ``review.md`` is ``/review``, ``frontend/review.md`` is
``/frontend:review``; optional front matter gives ``description``, ``argument-hint`` and
``model``; the body is the prompt, with ``$ARGUMENTS`` replaced by everything after the command
and ``$1``, ``$2``... by its words. Project files come first, then the user's, then a project's
``.claude/commands/`` (so a team's infercode file wins over the same name from Claude Code).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

#: A command file bigger than this is not a prompt someone wrote by hand: skipped.
MAX_COMMAND_BYTES = 256 * 1024
_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_POSITIONAL = re.compile(r"\$(\d+)")


@dataclass(frozen=True)
class CustomCommand:
    name: str
    body: str
    source: str
    """Where it came from, as /help shows it: ``project``, ``user`` or ``.claude``."""
    path: Path
    description: str = ""
    argument_hint: str = ""
    model: str | None = None

    def expand(self, arguments: str) -> str:
        """The prompt with ``$ARGUMENTS`` and ``$1``... replaced; the arguments appended when
        the body names none of them (so ``/review src/app.py`` still says which file)."""
        arguments = arguments.strip()
        try:
            words = shlex.split(arguments)
        except ValueError:  # an unbalanced quote: plain words
            words = arguments.split()
        uses_args = "$ARGUMENTS" in self.body or _POSITIONAL.search(self.body) is not None

        def positional(match: re.Match[str]) -> str:
            index = int(match.group(1))
            return words[index - 1] if 0 < index <= len(words) else ""

        text = _POSITIONAL.sub(positional, self.body.replace("$ARGUMENTS", arguments))
        if arguments and not uses_args:
            text = text.rstrip() + "\n\n" + arguments
        return text.strip()


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """``---`` key: value lines ``---`` then the body. A small, safe subset of YAML: flat
    string keys and scalar values (quotes removed); anything else in the block is ignored."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        return {}, text
    fields: dict[str, str] = {}
    for line in lines[1:end]:
        if not line.strip() or line.lstrip().startswith("#") or line[:1].isspace():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        fields[key.strip()] = value
    return fields, "".join(lines[end + 1 :])


def command_dirs(root: Path, user_dir: Path) -> list[tuple[str, Path]]:
    """Where command files are looked for, first wins: project, user, then Claude Code's."""
    return [
        ("project", root / ".infercode" / "commands"),
        ("user", user_dir / "commands"),
        (".claude", root / ".claude" / "commands"),
    ]


def load_commands(root: Path, user_dir: Path) -> tuple[list[CustomCommand], list[str]]:
    """The custom commands (sorted by name, first source wins) and warnings about files that
    could not be read."""
    found: dict[str, CustomCommand] = {}
    warnings: list[str] = []
    for source, directory in command_dirs(root, user_dir):
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*.md")):
            parts = path.relative_to(directory).with_suffix("").parts
            if not all(_NAME_PART.match(part) for part in parts):
                continue
            name = ":".join(parts)
            if name in found:
                continue
            try:
                if path.stat().st_size > MAX_COMMAND_BYTES:
                    warnings.append(f"command file {path} skipped: over 256 KB")
                    continue
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                warnings.append(f"command file {path} skipped: {error}")
                continue
            fields, body = split_front_matter(text)
            found[name] = CustomCommand(
                name=name,
                body=body,
                source=source,
                path=path,
                description=fields.get("description", ""),
                argument_hint=fields.get("argument-hint", ""),
                model=fields.get("model") or None,
            )
    return [found[name] for name in sorted(found)], warnings


def match_command(text: str, commands: list[CustomCommand]) -> tuple[CustomCommand, str] | None:
    """``/review src/app.py`` -> (the review command, "src/app.py"); None when not one."""
    match = re.match(r"/(\S+)\s*(.*)", text.strip(), re.DOTALL)
    if match is None:
        return None
    word, arguments = match.group(1), match.group(2)
    for command in commands:
        if command.name == word:
            return command, arguments
    return None

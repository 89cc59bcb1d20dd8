"""Agent Skills: ``SKILL.md`` files whose names and descriptions go into the instructions.

Only the front matter (``name``, ``description``) is sent up front; the model reads a skill's
body with ``read_file`` when the task matches, so a dozen skills cost a few lines of context.
A skill in the user's config dir is outside the workspace: its ``SKILL.md`` and the files beside
it may be read without the outside-path question (they are the user's own configuration), and
never written (``Workspace.allow_reads``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from infercode.engine.custom_commands import split_front_matter

MAX_SKILL_BYTES = 256 * 1024
MAX_DESCRIPTION_CHARS = 1024


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    path: Path
    """The resolved ``SKILL.md``."""
    source: str
    """``project`` (``.agents/skills``, ``.infercode/skills``) or ``user``."""


def skill_dirs(root: Path, user_dir: Path) -> list[tuple[str, Path]]:
    return [
        ("project", root / ".agents" / "skills"),
        ("project", root / ".infercode" / "skills"),
        ("user", user_dir / "skills"),
    ]


def discover_skills(root: Path, user_dir: Path) -> list[Skill]:
    """Every ``<dir>/<skill>/SKILL.md`` with a description; the first skill of a name wins."""
    found: dict[str, Skill] = {}
    for source, directory in skill_dirs(root, user_dir):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*/SKILL.md")):
            try:
                if path.stat().st_size > MAX_SKILL_BYTES:
                    continue
                fields, _body = split_front_matter(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
            real = Path(os.path.realpath(path))
            if source == "project" and Path(os.path.realpath(root)) not in real.parents:
                # A repository's symlink must not open reads of a directory outside it.
                continue
            name = fields.get("name") or path.parent.name
            description = " ".join(fields.get("description", "").split())
            if not description or name in found:
                continue
            found[name] = Skill(
                name=name,
                description=description[:MAX_DESCRIPTION_CHARS],
                path=real,
                source=source,
            )
    return list(found.values())


def skills_section(skills: list[Skill]) -> str | None:
    """The instructions' paragraph listing the skills, or None when there are none."""
    if not skills:
        return None
    lines = [
        "# Skills",
        "",
        "These skills hold procedures for specific tasks. When a task matches a skill's "
        "description, read its SKILL.md with read_file (at the path given) before you start, "
        "and follow it; files it mentions are in the same directory.",
        "",
    ]
    lines += [f"- {skill.name}: {skill.description} ({skill.path})" for skill in skills]
    return "\n".join(lines)


def with_skills(instructions: str, skills: list[Skill]) -> str:
    section = skills_section(skills)
    return instructions if section is None else f"{instructions.rstrip()}\n\n{section}\n"

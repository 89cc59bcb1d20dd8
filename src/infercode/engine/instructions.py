"""Project instructions: ``AGENTS.md`` files appended to the default instructions.

Read, general to specific: the user's own (in the config dir), then the repository root's, then
each directory's down to the current one. Deeper files come later, so where they disagree the
more specific one has the last word. The total is capped: a huge generated file must not eat the
context window, and the model is told when something was cut.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from infercode.engine.prompts import default_instructions

FILE_NAME = "AGENTS.md"
#: Cap on the AGENTS.md text, in UTF-8 bytes, across all files.
MAX_BYTES = 32 * 1024

HEADER = """\
# Project instructions (AGENTS.md)

The user and the repository give these instructions. Follow them; where two disagree, the one
listed later (closer to the current directory) wins."""

INIT_PROMPT = """\
Write a starter AGENTS.md at the repository root for coding agents that will work here.
First look around: list the files (e.g. `git ls-files | head -200`), read the README, the build or
package files and the test setup. Then create AGENTS.md with edit_file (empty old_string) holding,
briefly and only what you verified: what the project is; how to set it up, build, run the tests
and the linters (exact commands); the layout (main directories and what lives where); the code
style and conventions you see. Keep it under 80 lines. If AGENTS.md already exists, read it and
propose improvements as an edit instead of replacing it."""


@dataclass(frozen=True)
class InstructionFile:
    path: Path
    label: str
    text: str


def chain(root: Path, cwd: Path, user_dir: Path | None) -> list[InstructionFile]:
    """The AGENTS.md files that apply in ``cwd``, general first."""
    candidates: list[tuple[Path, str]] = []
    if user_dir is not None:
        candidates.append((user_dir / FILE_NAME, f"{user_dir / FILE_NAME} (user)"))
    root = Path(os.path.realpath(root))
    here = Path(os.path.realpath(cwd))
    directories = [root]
    if here != root and root in here.parents:
        # Every directory below the root, down to and including the cwd.
        directories += [root / part for part in _descend(here.relative_to(root))]
    for directory in directories:
        shown = (directory / FILE_NAME).relative_to(root)
        candidates.append((directory / FILE_NAME, str(shown)))
    found: list[InstructionFile] = []
    for path, label in candidates:
        text = _read(path)
        if text is not None and text.strip():
            found.append(InstructionFile(path, label, text.strip()))
    return found


def _descend(relative: Path) -> list[Path]:
    """``a/b/c`` -> ``a``, ``a/b``, ``a/b/c``."""
    parts = relative.parts
    return [Path(*parts[: i + 1]) for i in range(len(parts))]


def _read(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:  # missing, a directory, unreadable: nothing to add
        return None
    return data.decode("utf-8", errors="replace")


def render(files: list[InstructionFile], limit: int = MAX_BYTES) -> str | None:
    """The AGENTS.md section, cut to ``limit`` bytes with a note; None when there is none."""
    if not files:
        return None
    parts: list[str] = []
    used = 0
    left_out: list[str] = []
    for file in files:
        block = f"## {file.label}\n\n{file.text}"
        size = len(block.encode("utf-8"))
        if used + size <= limit:
            parts.append(block)
            used += size
            continue
        room = limit - used
        if room > 200:  # a few words of a file are worse than none
            cut = block.encode("utf-8")[:room].decode("utf-8", errors="ignore")
            parts.append(cut.rstrip())
            used = limit
        left_out.append(file.label)
    text = "\n\n".join([HEADER, *parts])
    if left_out:
        text += (
            f"\n\n[AGENTS.md text was cut at {limit // 1024} KiB: {', '.join(left_out)} "
            "did not fit in full. Read the file(s) with read_file if you need the rest.]"
        )
    return text


def build_instructions(
    root: Path, cwd: Path | None = None, user_dir: Path | None = None, limit: int = MAX_BYTES
) -> str:
    """The default instructions followed by the AGENTS.md section, if there is one."""
    base = default_instructions(root)
    section = render(chain(root, cwd if cwd is not None else root, user_dir), limit)
    return base if section is None else f"{base}\n{section}\n"

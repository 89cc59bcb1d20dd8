"""Listing a directory tree the way git sees it: ignore files applied, ``.git`` skipped.

Shared by the ``glob`` and ``grep`` tools and the REPL's ``@path`` completion. The walk is
depth-first in name order (the order ``rg --sort path`` prints), never follows a symlink into a
directory, and prunes ignored directories instead of listing and filtering their contents, so a
``node_modules`` or ``build`` costs one check, not one per file.

Ignore files are read as git reads them: deeper files override shallower ones, and within a file
the last matching pattern wins (``!keep.log`` re-includes). ``.git/info/exclude`` of the walk's
root comes first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

#: What the REPL's completion reads.
GIT_IGNORE_FILES: tuple[str, ...] = (".gitignore",)
#: What the search tools read: ripgrep's defaults too (later files take precedence).
SEARCH_IGNORE_FILES: tuple[str, ...] = (".gitignore", ".ignore", ".rgignore")


@dataclass(frozen=True, slots=True)
class _Ignore:
    base: str  # directory of the ignore file, relative to the root ("" for the root)
    spec: pathspec.GitIgnoreSpec

    def verdict(self, rel: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included (``!pattern``), None: no pattern matched."""
        if self.base:
            if not rel.startswith(self.base + "/"):
                return None
            rel = rel[len(self.base) + 1 :]
        return self.spec.check_file(rel + "/" if is_dir else rel).include


def _load(path: Path, base: str) -> _Ignore | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    import pathspec  # lazily: nothing on the startup path walks a tree

    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    return _Ignore(base, spec) if spec.patterns else None


@dataclass(frozen=True, slots=True)
class WalkedFile:
    rel: str
    """The path relative to the walk's root, POSIX separators."""
    path: str
    """The absolute path."""
    is_symlink: bool


class _Rules:
    def __init__(self) -> None:
        self.stack: list[_Ignore] = []

    def ignored(self, rel: str, is_dir: bool) -> bool:
        for ignore in reversed(self.stack):  # the deepest file that has an opinion decides
            verdict = ignore.verdict(rel, is_dir)
            if verdict is not None:
                return verdict
        return False


def walk(
    root: Path,
    start: Path | None = None,
    *,
    ignore_files: tuple[str, ...] = GIT_IGNORE_FILES,
) -> Iterator[WalkedFile]:
    """Every file (and symlink) under ``start`` (default ``root``) that the ignore files of
    ``root`` and the directories down to ``start`` do not ignore. ``start`` must be ``root`` or a
    directory inside it."""
    rules = _Rules()
    exclude = _load(root / ".git" / "info" / "exclude", "")
    if exclude is not None:
        rules.stack.append(exclude)
    start = root if start is None else start
    rel_start = start.relative_to(root).as_posix()
    rel_start = "" if rel_start == "." else rel_start
    # The ignore files of the directories above ``start`` apply to it too.
    parts = rel_start.split("/") if rel_start else []
    for depth in range(len(parts)):
        base = "/".join(parts[:depth])
        directory = root.joinpath(*parts[:depth])
        for name in ignore_files:
            loaded = _load(directory / name, base)
            if loaded is not None:
                rules.stack.append(loaded)
    yield from _walk_dir(str(start), rel_start, rules, ignore_files)


def _walk_dir(
    directory: str, rel_dir: str, rules: _Rules, ignore_files: tuple[str, ...]
) -> Iterator[WalkedFile]:
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:
        return  # unreadable directories are skipped, as git and rg do
    pushed = 0
    names = {entry.name for entry in entries}
    for name in ignore_files:
        if name in names:
            loaded = _load(Path(directory, name), rel_dir)
            if loaded is not None:
                rules.stack.append(loaded)
                pushed += 1
    prefix = rel_dir + "/" if rel_dir else ""
    try:
        for entry in entries:
            if entry.name == ".git":
                continue
            rel = prefix + entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_symlink = entry.is_symlink()
            except OSError:
                continue
            if rules.ignored(rel, is_dir):
                continue
            if is_dir:
                yield from _walk_dir(entry.path, rel, rules, ignore_files)
            else:
                yield WalkedFile(rel, entry.path, is_symlink)
    finally:
        del rules.stack[len(rules.stack) - pushed :]


def walk_files(root: Path, limit: int) -> list[str]:
    """Workspace files as relative POSIX paths, ``.gitignore`` applied, at most ``limit``."""
    found: list[str] = []
    for entry in walk(root):
        found.append(entry.rel)
        if len(found) >= limit:
            break
    return found

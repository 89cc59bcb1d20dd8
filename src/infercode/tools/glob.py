"""``glob``: the workspace's files whose path matches a pattern, newest first.

It also serves as the directory listing (``*`` lists a directory's files, ``**/*`` a whole
subtree), which is why there is no ``list_dir`` tool: one schema fewer in every request.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

from infercode.engine.events import JSON
from infercode.errors import ToolError
from infercode.tools.base import PreparedCall, ToolContext, ToolResult, ToolSpec, require_str
from infercode.tools.globs import glob_regex
from infercode.tools.read import missing_message
from infercode.tools.walk import SEARCH_IGNORE_FILES, walk
from infercode.tools.workspace import Workspace

MAX_FILES = 200

SPEC = ToolSpec(
    name="glob",
    description=(
        "Find files by path pattern, newest first (modification time). `*` and `?` match within "
        "one path part, `**` any number of directories, `{a,b}` either: `**/*.py`, "
        "`src/**/test_*.{ts,tsx}`, `*` (the files directly in `path`). Files ignored by "
        f".gitignore and .git are left out; at most {MAX_FILES} paths are listed. Use it to "
        "list directories and find files instead of running ls or find in the shell."
    ),
    parameters={
        "type": "object",
        "properties": {
            "pattern": {
                "type": "string",
                "description": "Glob matched against paths relative to `path`.",
            },
            "path": {
                "type": "string",
                "description": "Directory to search in, relative to the workspace root. "
                "Default: the workspace root.",
            },
        },
        "required": ["pattern"],
        "additionalProperties": False,
    },
    kind="read",
    mutating=False,
)


class GlobTool:
    spec = SPEC

    def __init__(self, workspace: Workspace, *, max_files: int = MAX_FILES) -> None:
        self.workspace = workspace
        self.max_files = max_files

    def prepare(self, args: JSON) -> PreparedCall:
        pattern = require_str(args, "pattern", allow_empty=False)
        raw_path = args.get("path") or "."
        if not isinstance(raw_path, str):
            raise ToolError("Parameter 'path' must be a string.")
        if pattern.startswith("/") or ".." in pattern.split("/"):
            raise ToolError(
                "The pattern is matched against paths relative to `path`: pass the directory "
                "as `path` and a relative pattern (no leading `/`, no `..`)."
            )
        regex = glob_regex(pattern)
        start = self.workspace.resolve(raw_path)
        if not start.exists():
            raise ToolError(missing_message(self.workspace, start))
        if not start.is_dir():
            raise ToolError(f"{self.workspace.display(start)} is a file; `path` is a directory.")
        shown = self.workspace.display(start)
        return PreparedCall(
            kind="read",
            summary=f"glob {pattern}" + (f" in {shown}" if shown != "." else ""),
            detail=shown,
            execute=partial(self._execute, start, pattern, regex.fullmatch),
            paths=(shown,),
        )

    def _execute(
        self, start: Path, pattern: str, matches: Callable[[str], object], ctx: ToolContext
    ) -> ToolResult:
        found = _find(self.workspace, start, matches, ctx.cancelled)
        shown = self.workspace.display(start)
        if not found:
            return ToolResult(
                f"No files match {pattern} in {shown} (files ignored by .gitignore are left out).",
                summary="no files",
            )
        found.sort(key=lambda item: (-item[0], item[1]))
        listed = [path for _mtime, path in found[: self.max_files]]
        output = "\n".join(listed)
        more = len(found) - len(listed)
        if more:
            output += (
                f"\n\n[{more:,} more files match, not shown (newest {len(listed)} listed); "
                "narrow the pattern or path]"
            )
        count = len(found)
        return ToolResult(output, summary=f"{count:,} file{'s' if count != 1 else ''}")


def _find(
    workspace: Workspace, start: Path, matches: Callable[[str], object], cancelled: threading.Event
) -> list[tuple[float, str]]:
    inside = workspace.is_inside(start)
    root = workspace.root if inside else start
    skip = len(start.relative_to(root).as_posix()) + 1 if start != root else 0
    found: list[tuple[float, str]] = []
    for entry in walk(root, start, ignore_files=SEARCH_IGNORE_FILES):
        if cancelled.is_set():
            break
        if not matches(entry.rel[skip:]):
            continue
        try:
            mtime = os.lstat(entry.path).st_mtime
        except OSError:
            continue
        found.append((mtime, entry.rel if inside else entry.path))
    return found

"""``grep``: a regex search over the workspace's files, as ``path:line:text``.

ripgrep runs the search when it is on PATH (``tools.ripgrep``); otherwise, or when rg cannot
read the pattern (Python's ``re`` has look-arounds and backreferences, rg's syntax does not), the
Python search of ``tools.search`` does, over the files ``tools.walk`` lists. Both skip what
``.gitignore`` ignores, binary files and ``.git``, and both stop at ``max_results`` matching
lines, then count the rest for the note.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from infercode.engine.events import JSON
from infercode.errors import ToolError
from infercode.tools.base import (
    PreparedCall,
    ToolContext,
    ToolResult,
    ToolSpec,
    optional_bool,
    optional_int,
    require_str,
)
from infercode.tools.globs import PathFilter
from infercode.tools.read import missing_message
from infercode.tools.ripgrep import RipgrepFailed, rg_command, rg_search
from infercode.tools.search import Results, python_search
from infercode.tools.walk import SEARCH_IGNORE_FILES, walk
from infercode.tools.workspace import Workspace

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS = 2000
MAX_CONTEXT = 20

SPEC = ToolSpec(
    name="grep",
    description=(
        "Search file contents with a regular expression (Python/ripgrep syntax). Returns matching "
        "lines as `path:line:text` (context lines as `path-line-text`, groups separated by `--`), "
        "in path order. Files ignored by .gitignore, binary files and .git are skipped. Prefer "
        "this to running grep/rg/find in the shell."
    ),
    parameters={
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "Regular expression to search for."},
            "path": {
                "type": "string",
                "description": "File or directory to search, relative to the workspace root. "
                "Default: the whole workspace.",
            },
            "glob": {
                "type": "string",
                "description": "Only files matching this glob: without a `/` it matches file "
                "names at any depth (`*.py`, `*.{ts,tsx}`), with one the path from the workspace "
                "root (`src/**/*.rs`); a leading `!` excludes instead (`!*.md`).",
            },
            "ignore_case": {"type": "boolean", "description": "Case-insensitive. Default false."},
            "context": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_CONTEXT,
                "description": "Lines of context before and after each match. Default 0.",
            },
            "max_results": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_RESULTS,
                "description": f"Matching lines to show at most. Default {DEFAULT_MAX_RESULTS}.",
            },
        },
        "required": ["pattern"],
        "additionalProperties": False,
    },
    kind="read",
    mutating=False,
)


class GrepTool:
    """``rg``: the ripgrep executable to use, or None for the Python search."""

    spec = SPEC

    def __init__(self, workspace: Workspace, *, max_chars: int = 30_000, rg: str | None) -> None:
        self.workspace = workspace
        self.max_chars = max_chars
        self.rg = rg

    def prepare(self, args: JSON) -> PreparedCall:
        pattern = require_str(args, "pattern", allow_empty=False)
        raw_path = args.get("path") or "."
        if not isinstance(raw_path, str):
            raise ToolError("Parameter 'path' must be a string.")
        glob = args.get("glob") or None
        if glob is not None and not isinstance(glob, str):
            raise ToolError("Parameter 'glob' must be a string.")
        ignore_case = optional_bool(args, "ignore_case")
        context = min(optional_int(args, "context", 0), MAX_CONTEXT)
        max_results = min(
            optional_int(args, "max_results", DEFAULT_MAX_RESULTS, minimum=1), MAX_RESULTS
        )
        target = self.workspace.resolve(raw_path)
        if not target.exists():
            raise ToolError(missing_message(self.workspace, target))
        path_filter = PathFilter.parse(glob) if glob else None
        flags = re.MULTILINE | (re.IGNORECASE if ignore_case else 0)
        try:
            regex: re.Pattern[str] | None = re.compile(pattern, flags)
        except re.error as error:
            if self.rg is None:
                raise ToolError(f"Invalid regular expression {pattern!r}: {error}.") from None
            regex = None  # perhaps valid in rg's syntax (\p{Greek}); rg will say
        shown = self.workspace.display(target)
        summary = f"grep /{pattern}/ in {shown}" + (f" ({glob})" if glob else "")
        search = _Search(
            target, pattern, regex, path_filter, glob, ignore_case, context, max_results
        )
        return PreparedCall(
            kind="read",
            summary=summary,
            detail=shown,
            execute=partial(self._execute, search),
            paths=(shown,),
        )

    def _execute(self, search: _Search, ctx: ToolContext) -> ToolResult:
        results = Results(
            max_results=search.max_results, max_chars=self.max_chars, context=search.context
        )
        if self.rg is not None:
            try:
                self._rg(search, results, ctx)
            except RipgrepFailed as failure:
                if search.regex is None:
                    raise ToolError(f"Invalid regular expression: {failure}") from None
                results = Results(
                    max_results=search.max_results, max_chars=self.max_chars, context=search.context
                )
                self._python(search, results, ctx)
        else:
            assert search.regex is not None
            self._python(search, results, ctx)
        shown = self.workspace.display(search.target)
        output = results.render(pattern=search.pattern, where=shown)
        total = results.shown + results.more
        files = len(results.files | results.more_files)
        summary = (
            f"{total:,} matching line{'s' if total != 1 else ''} in {files:,} file"
            f"{'s' if files != 1 else ''}"
            if total
            else "no matches"
        )
        return ToolResult(output, summary=summary)

    def _rg(self, search: _Search, results: Results, ctx: ToolContext) -> None:
        assert self.rg is not None
        root = self.workspace.root
        if self.workspace.is_inside(search.target):
            target = search.target.relative_to(root).as_posix()
        else:
            target = str(search.target)
        command = rg_command(
            self.rg,
            search.pattern,
            target,
            ignore_case=search.ignore_case,
            context=search.context,
            glob=search.glob,
        )
        rg_search(command, root, results, ctx.cancelled)

    def _python(self, search: _Search, results: Results, ctx: ToolContext) -> None:
        assert search.regex is not None
        python_search(_files(self.workspace, search), search.regex, results, ctx.cancelled)


@dataclass(frozen=True, slots=True)
class _Search:
    """One grep call's validated arguments."""

    target: Path
    pattern: str
    regex: re.Pattern[str] | None
    path_filter: PathFilter | None
    glob: str | None
    ignore_case: bool
    context: int
    max_results: int


def _files(workspace: Workspace, search: _Search) -> Iterator[tuple[str, str]]:
    """``(shown path, absolute path)`` of the files to search, lazily."""
    target = search.target
    if not target.is_dir():
        yield workspace.display(target), str(target)  # a file named explicitly: searched as is
        return
    inside = workspace.is_inside(target)
    # Inside the workspace its root's ignore files apply and paths are shown from the root; a
    # directory outside it (that the user allowed) is its own root.
    root = workspace.root if inside else target
    accepts = search.path_filter.accepts if search.path_filter is not None else None
    for entry in walk(root, target, ignore_files=SEARCH_IGNORE_FILES):
        if entry.is_symlink:
            continue  # never followed: a link could lead out of the workspace
        if accepts is not None and not accepts(entry.rel):
            continue
        yield (entry.rel if inside else entry.path), entry.path

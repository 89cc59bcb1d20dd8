"""``read_file``: a text file (or a slice of it) with line numbers, like ``cat -n``.

The numbered format is what ``edit_file``'s no-match message uses too, so the model sees one
consistent picture of a file. Files are streamed line by line: a 1 GB log costs a scan, not 1 GB
of memory.
"""

from __future__ import annotations

import codecs
import difflib
import os
import stat
from functools import partial
from pathlib import Path

from infercode.engine.events import JSON
from infercode.errors import ToolError
from infercode.tools import confined_io
from infercode.tools.base import (
    PreparedCall,
    ToolContext,
    ToolResult,
    ToolSpec,
    optional_int,
    require_str,
)
from infercode.tools.output import number_line
from infercode.tools.workspace import Workspace

DEFAULT_LIMIT = 2000
SNIFF_BYTES = 8192
UTF8_BOM = codecs.BOM_UTF8

SPEC = ToolSpec(
    name="read_file",
    description=(
        "Read a text file from the workspace. Returns its lines numbered like `cat -n` "
        "(line number, a tab, then the line); the numbers are not part of the file. Reads up to "
        f"{DEFAULT_LIMIT} lines from `offset`; for longer files the output ends with the offset to "
        "read on from. Lines longer than 2000 characters are cut. Directories and binary files are "
        "refused: list directories with the glob tool."
    ),
    parameters={
        "type": "object",
        "properties": {
            "path": {
                "type": "string",
                "description": "File path, relative to the workspace root (or absolute inside it).",
            },
            "offset": {
                "type": "integer",
                "minimum": 1,
                "description": "1-based number of the first line to show. Default 1.",
            },
            "limit": {
                "type": "integer",
                "minimum": 1,
                "description": f"Maximum number of lines to show. Default {DEFAULT_LIMIT}.",
            },
        },
        "required": ["path"],
        "additionalProperties": False,
    },
    kind="read",
    mutating=False,
)


def is_binary(sample: bytes, *, complete: bool) -> bool:
    """NUL bytes or invalid UTF-8 in ``sample`` (``complete``: the sample is the whole file).

    An incomplete sample may end inside a multibyte character; the incremental decoder with
    ``final=False`` tolerates exactly that and nothing else.
    """
    if b"\x00" in sample:
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return True
    return False


def binary_message(display: str, size: int) -> str:
    return (
        f"{display} is a binary file ({size:,} bytes), not UTF-8 text, so it cannot be shown or "
        "edited as text. Inspect it with the shell tool if needed (e.g. `file`, `xxd | head`)."
    )


def missing_message(workspace: Workspace, path: Path) -> str:
    """ "x does not exist", plus the closest names in its directory: typos are the usual cause."""
    shown = workspace.display(path)
    parent = path.parent
    if not parent.is_dir():
        return f"{shown} does not exist (nor does its directory {workspace.display(parent)}/)."
    try:
        siblings = os.listdir(parent)
    except OSError:
        siblings = []
    close = difflib.get_close_matches(path.name, siblings, n=3, cutoff=0.6)
    message = f"{shown} does not exist."
    if close:
        where = workspace.display(parent)
        names = ", ".join(f"{where}/{n}" if where != "." else n for n in close)
        message += f" Did you mean: {names}?"
    return message


def check_text_file(workspace: Workspace, path: Path) -> int:
    """Refuse missing paths, directories, special files and binary files; return the size."""
    shown = workspace.display(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ToolError(missing_message(workspace, path)) from None
    except OSError as exc:
        raise ToolError(f"Cannot access {shown}: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ToolError(
            f"{shown} is a directory, not a file. To see what it contains, use the glob tool, "
            f"e.g. pattern `*` with path `{shown}`."
        )
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or device would block or never end.
        raise ToolError(f"{shown} is not a regular file (a FIFO, socket or device).")
    try:
        with open(path, "rb") as handle:
            sample = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise ToolError(f"Cannot read {shown}: {exc.strerror}") from None
    if is_binary(sample.removeprefix(UTF8_BOM), complete=info.st_size <= SNIFF_BYTES):
        raise ToolError(binary_message(shown, info.st_size))
    return info.st_size


class ReadFileTool:
    """Reads text files inside the workspace. ``max_chars`` bounds one result's size."""

    spec = SPEC

    def __init__(self, workspace: Workspace, *, max_chars: int = 30_000) -> None:
        self.workspace = workspace
        self.max_chars = max_chars

    def prepare(self, args: JSON) -> PreparedCall:
        raw = require_str(args, "path", allow_empty=False)
        offset = optional_int(args, "offset", 1, minimum=1)
        limit = optional_int(args, "limit", DEFAULT_LIMIT, minimum=1)
        path = self.workspace.resolve(raw)
        check_text_file(self.workspace, path)
        shown = self.workspace.display(path)
        return PreparedCall(
            kind="read",
            summary=f"read {shown} ({_span(offset, limit, _count_lines(path))})",
            detail=shown,
            execute=partial(self._execute, path, offset, limit),
            paths=(shown,),
        )

    def _execute(self, path: Path, offset: int, limit: int, _ctx: ToolContext) -> ToolResult:
        shown = self.workspace.display(path)
        shown_lines: list[str] = []
        used = 0
        total = 0
        full = False  # stopped early because the character budget ran out
        try:
            # Opened without following symlinks on the way: a directory swapped for a symlink
            # after the approval must not turn this into a read of some other file.
            with os.fdopen(confined_io.open_for_reading(path), "rb") as handle:
                for total, raw in enumerate(handle, start=1):
                    if total < offset or full or total >= offset + limit:
                        continue
                    line = raw.removesuffix(b"\n").removesuffix(b"\r")
                    if total == 1:
                        line = line.removeprefix(UTF8_BOM)
                    # The file passed the binary sniff; a stray bad byte later on is shown as
                    # U+FFFD rather than refusing a whole large file.
                    entry = number_line(total, line.decode("utf-8", errors="replace"))
                    if shown_lines and used + len(entry) + 1 > self.max_chars:
                        full = True
                        continue
                    shown_lines.append(entry)
                    used += len(entry) + 1
        except OSError as exc:
            raise ToolError(f"Cannot read {shown}: {exc.strerror}") from None
        if total == 0:
            return ToolResult(f"{shown} is empty (0 bytes).", summary="empty file")
        if offset > total:
            raise ToolError(
                f"offset {offset} is past the end of {shown}: it has {total} line"
                f"{'s' if total != 1 else ''}."
            )
        last = offset + len(shown_lines) - 1
        output = "\n".join(shown_lines)
        if last < total:
            output += (
                f"\n\n[showing lines {offset}-{last} of {total}; call read_file with "
                f"offset={last + 1} to read on]"
            )
        count = len(shown_lines)
        return ToolResult(output, summary=f"{count} line{'s' if count != 1 else ''}")


#: Files up to this size have their lines counted for the tool line (a few ms at most).
COUNT_LINES_BYTES = 4 * 1024 * 1024


def _count_lines(path: Path) -> int | None:
    """The file's line count (a last line without a newline counts), or None if too big."""
    try:
        if path.stat().st_size > COUNT_LINES_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _span(offset: int, limit: int, total: int | None) -> str:
    """What the tool line says is read: ``8 lines`` for a whole file, else the range."""
    if total is None:
        return f"lines {offset}-{offset + limit - 1}"
    if total == 0:
        return "empty"
    last = min(offset + limit - 1, total)
    if offset == 1 and last == total:
        return f"{total} line{'s' if total != 1 else ''}"
    if offset > total:
        return f"from line {offset}, past its {total} lines"
    return f"lines {offset}-{last} of {total}"

"""``edit_file``: exact replacement, planned in ``prepare``, written atomically in ``execute``.

``prepare`` computes the new bytes and the diff the user approves; ``execute`` writes exactly those
bytes, and only if the file is still what ``prepare`` read. When ``old_string`` does not match,
the error shows the closest region and names the usual cause (indentation, line endings), because
an edit that fails with no hint is what makes models flail.
"""

from __future__ import annotations

import difflib
import hashlib
import heapq
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from infercode.engine.events import JSON
from infercode.errors import ToolError
from infercode.tools import confined_io
from infercode.tools.base import (
    PreparedCall,
    ToolContext,
    ToolResult,
    ToolSpec,
    optional_bool,
    require_str,
)
from infercode.tools.output import cap_middle, numbered, split_lines, unified_diff
from infercode.tools.read import UTF8_BOM, binary_message, is_binary, missing_message
from infercode.tools.workspace import Workspace

SIMILARITY_FLOOR = 0.5
#: Windows compared character by character when looking for the closest region.
CANDIDATES = 20
MAX_CHAR_COMPARE = 1000
#: Files larger than this get no closest-region search (it would cost seconds).
MAX_SEARCH_BYTES = 4_000_000
_TOKEN = re.compile(r"\w+|[^\w\s]")

SPEC = ToolSpec(
    name="edit_file",
    description=(
        "Edit a text file by exact string replacement: `old_string` must match the file's text "
        "exactly (including indentation and whitespace) and occur exactly once, unless "
        "`replace_all` is true. Include enough surrounding lines to make it unique. Read the file "
        "first; do not include read_file's line-number prefixes. To create a new file, pass an "
        "empty `old_string` and the whole content as `new_string` (parent folders are created). "
        "Returns the unified diff of the change."
    ),
    parameters={
        "type": "object",
        "properties": {
            "path": {
                "type": "string",
                "description": "File path, relative to the workspace root (or absolute inside it).",
            },
            "old_string": {
                "type": "string",
                "description": (
                    "Exact text to replace. Empty to create the file (or fill an empty one)."
                ),
            },
            "new_string": {
                "type": "string",
                "description": "Text to put in its place. Must differ from old_string.",
            },
            "replace_all": {
                "type": "boolean",
                "description": "Replace every occurrence of old_string. Default false.",
            },
        },
        "required": ["path", "old_string", "new_string"],
        "additionalProperties": False,
    },
    kind="edit",
    mutating=True,
)


@dataclass(frozen=True)
class _Plan:
    """What ``execute`` will do: write ``data`` if the file's hash is still ``expected``."""

    path: Path
    shown: str
    expected: str | None  # sha256 of the bytes prepare read; None: the file must not exist
    data: bytes
    diff: str
    summary: str


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _to_crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _eol_counts(text: str) -> tuple[int, int]:
    crlf = text.count("\r\n")
    return crlf, text.count("\n") - crlf


def _whitespace_match(text: str, old: str) -> tuple[int, int] | None:
    """First and last line (0-based) of where ``old`` matches ``text`` if runs of whitespace,
    indentation included, are treated as equal; None if it does not."""
    tokens = old.split()
    if not tokens:
        return None
    found = re.search(r"\s+".join(re.escape(token) for token in tokens), text)
    if found is None:
        return None
    first = text.count("\n", 0, found.start())
    return first, first + text.count("\n", found.start(), found.end())


def _similarity(a: str, b: str) -> float:
    if len(a) + len(b) <= MAX_CHAR_COMPARE:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    # Character-level matching is quadratic: seconds for a few thousand characters of
    # near-miss text. Long strings get two bounded measures: whole lines (robust to inserted
    # lines) and line-by-line character similarity (robust to a typo repeated on every line).
    a_lines, b_lines = a.split("\n"), b.split("\n")
    by_lines = difflib.SequenceMatcher(None, a_lines, b_lines).ratio()
    pairs = [
        difflib.SequenceMatcher(None, x[:300], y[:300], autojunk=False).ratio()
        for x, y in zip(a_lines, b_lines, strict=False)
    ]
    return max(by_lines, sum(pairs) / max(len(a_lines), len(b_lines)))


def _closest_window(file_lines: list[str], old_lines: list[str]) -> tuple[int, float]:
    """Start and similarity of the line window most like ``old_lines`` (same number of lines).

    Scoring every window with SequenceMatcher takes seconds on a big file, so windows are ranked
    first by the share of ``old_string``'s tokens they contain (linear, prefix sums), and only
    the best few are compared character by character.
    """
    n = len(old_lines)
    wanted = set(_TOKEN.findall("\n".join(old_lines)))
    hits, sizes = [0], [0]
    for line in file_lines:
        tokens = set(_TOKEN.findall(line))
        hits.append(hits[-1] + len(tokens & wanted))
        sizes.append(sizes[-1] + len(tokens))

    def score(i: int) -> float:
        j = min(i + n, len(file_lines))
        return (hits[j] - hits[i]) / (sizes[j] - sizes[i] + len(wanted) or 1)

    candidates = heapq.nlargest(CANDIDATES, range(max(1, len(file_lines) - n + 1)), key=score)
    old_text = "\n".join(old_lines)
    best, best_at = 0.0, 0
    for i in sorted(candidates):
        ratio = _similarity("\n".join(file_lines[i : i + n]), old_text)
        if ratio > best:
            best, best_at = ratio, i
    return best_at, best


def no_match_message(shown: str, text: str, old: str) -> str:
    """Why ``old`` is not in ``text``, with the closest region so the model can retry."""
    if not text:
        return f"old_string was not found: {shown} is empty."
    norm_text = text.replace("\r\n", "\n")
    norm_old = old.replace("\r\n", "\n")
    file_lines = norm_text.split("\n")
    old_lines = split_lines(norm_old)
    old_lines = [line.removesuffix("\n") for line in old_lines] or [""]
    head = f"old_string was not found in {shown}."
    tail = "Copy the exact current text (read_file shows it) and retry."
    crlf, lf = _eol_counts(text)
    if norm_old in norm_text:
        line = norm_text[: norm_text.index(norm_old)].count("\n") + 1
        return (
            f"{head} It matches at line {line} only if line endings are ignored: the file has "
            f"{crlf} CRLF and {lf} LF line endings, and old_string spans lines that end "
            "differently. Use a smaller old_string that stays within lines of one kind."
        )
    spaced = _whitespace_match(norm_text, norm_old)
    if spaced is not None:
        first, last = spaced
        region = file_lines[first : last + 1]
        tabs_file = any(line.startswith("\t") for line in region)
        tabs_old = any(line.startswith("\t") for line in old_lines)
        why = "the indentation or spacing differs"
        if tabs_file != tabs_old:
            why += f" (the file indents with {'tabs' if tabs_file else 'spaces'})"
        return (
            f"{head} It matches lines {first + 1}-{last + 1} if whitespace is ignored: {why}. "
            f"Those lines are:\n{numbered(region, first + 1)}\n{tail}"
        )
    if len(text) > MAX_SEARCH_BYTES:
        return f"{head} The file is too large to search for similar text. {tail}"
    at, ratio = _closest_window(file_lines, old_lines)
    if ratio < SIMILARITY_FLOOR:
        return f"{head} No similar text was found either. {tail}"
    region = file_lines[at : at + len(old_lines)]
    return (
        f"{head} The most similar region is lines {at + 1}-{at + len(region)} "
        f"({ratio:.0%} similar):\n{numbered(region, at + 1)}\n{tail}"
    )


def _occurrence_lines(text: str, needle: str, limit: int = 10) -> list[int]:
    lines: list[int] = []
    start = text.find(needle)
    while start != -1 and len(lines) < limit:
        lines.append(text.count("\n", 0, start) + 1)
        start = text.find(needle, start + len(needle))
    return lines


def replace_text(shown: str, text: str, old: str, new: str, replace_all: bool) -> str:
    """``text`` with ``old`` replaced; CRLF files get ``old``/``new`` in CRLF so they stay CRLF."""
    crlf, lf = _eol_counts(text)
    if crlf > lf:
        old, new = _to_crlf(old), _to_crlf(new)
    count = text.count(old)
    if count == 0:
        raise ToolError(no_match_message(shown, text, old))
    if count > 1 and not replace_all:
        where = ", ".join(str(n) for n in _occurrence_lines(text, old))
        raise ToolError(
            f"old_string occurs {count} times in {shown} (starting at lines {where}). Add "
            "surrounding lines to old_string so it matches exactly once, or set replace_all to "
            "true to replace every occurrence."
        )
    return text.replace(old, new) if replace_all else text.replace(old, new, 1)


class EditFileTool:
    """Edits and creates text files inside the workspace. ``max_chars`` caps the returned diff."""

    spec = SPEC

    def __init__(self, workspace: Workspace, *, max_chars: int = 30_000) -> None:
        self.workspace = workspace
        self.max_chars = max_chars

    def prepare(self, args: JSON) -> PreparedCall:
        raw = require_str(args, "path", allow_empty=False)
        old = require_str(args, "old_string")
        new = require_str(args, "new_string")
        replace_all = optional_bool(args, "replace_all")
        if old == new:
            raise ToolError("old_string and new_string are identical; there is nothing to change.")
        path = self.workspace.resolve(raw, write=True)
        plan = self._plan(path, old, new, replace_all)
        protected = self.workspace.protection_reason(path)
        summary = plan.summary if protected is None else f"{plan.summary} — PROTECTED: {protected}"
        return PreparedCall(
            kind="edit",
            summary=summary,
            detail=plan.diff,
            execute=lambda ctx: self._execute(plan, ctx),
            paths=(plan.shown,),
            protected=protected is not None,
        )

    def _plan(self, path: Path, old: str, new: str, replace_all: bool) -> _Plan:
        shown = self.workspace.display(path)
        try:
            info = path.stat()
        except FileNotFoundError:
            if old:
                raise ToolError(
                    f"{missing_message(self.workspace, path)} To create a new file, call "
                    "edit_file with an empty old_string and the whole content as new_string."
                ) from None
            diff, added, _ = unified_diff(shown, None, new)
            return _Plan(path, shown, None, new.encode("utf-8"), diff, f"create {shown} (+{added})")
        except OSError as exc:
            raise ToolError(f"Cannot access {shown}: {exc.strerror}") from None
        if stat.S_ISDIR(info.st_mode):
            raise ToolError(f"{shown} is a directory; edit_file edits files.")
        if not stat.S_ISREG(info.st_mode):
            raise ToolError(f"{shown} is not a regular file (a FIFO, socket or device).")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ToolError(f"Cannot read {shown}: {exc.strerror}") from None
        bom = UTF8_BOM if data.startswith(UTF8_BOM) else b""
        body = data[len(bom) :]
        if is_binary(body, complete=True):
            raise ToolError(binary_message(shown, len(data)))
        text = body.decode("utf-8")
        if not old:
            if text:
                raise ToolError(
                    f"{shown} already exists and is not empty, so old_string must not be empty. "
                    "Give the exact text to replace (read the file first)."
                )
            after = new
        else:
            after = replace_text(shown, text, old, new, replace_all)
        if after == text:
            raise ToolError(f"The edit would leave {shown} unchanged.")
        diff, added, removed = unified_diff(shown, text, after)
        if not diff:
            diff = f"(only line endings change in {shown})\n"
        summary = f"edit {shown} (+{added} -{removed})"
        return _Plan(path, shown, _sha256(data), bom + after.encode("utf-8"), diff, summary)

    def _execute(self, plan: _Plan, _ctx: ToolContext) -> ToolResult:
        # Every file operation here goes through confined_io: the path is walked again from "/"
        # without following symlinks, so a directory swapped for a symlink after the diff was
        # approved makes the write fail instead of landing somewhere else.
        path, shown = plan.path, plan.shown
        mode: int | None = None
        try:
            if plan.expected is None:
                if confined_io.exists(path):
                    raise ToolError(
                        f"{shown} was created by something else after this edit was prepared; "
                        "nothing was written. Read it and redo the edit."
                    )
            else:
                try:
                    current, mode = confined_io.read_bytes(path)
                except FileNotFoundError:
                    raise ToolError(
                        f"{shown} was deleted after this edit was prepared; nothing was written."
                    ) from None
                if _sha256(current) != plan.expected:
                    raise ToolError(
                        f"{shown} changed on disk after this edit was prepared (edited by the user "
                        "or another program); nothing was written. Read the file again and redo "
                        "the edit."
                    )
            confined_io.replace(path, plan.data, mode, create_parents=plan.expected is None)
        except ToolError:
            raise
        except OSError as exc:
            raise ToolError(f"Cannot write {shown}: {exc.strerror or exc}") from None
        return ToolResult(cap_middle(plan.diff, self.max_chars), summary=plan.summary)

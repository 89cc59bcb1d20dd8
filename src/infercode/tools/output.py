"""Shaping tool output for the model: cutting long output and lines, rendering diffs.

Long output is cut in the middle: the head usually says what ran and the tail how it ended (the
failing test, the exit status), so both matter more than the middle.
"""

from __future__ import annotations

from infercode.tools.bounded_diff import unified_lines

MAX_LINE_CHARS = 2000


def omitted_note(count: int) -> str:
    return f"\n[... {count} characters omitted ...]\n"


def cap_middle(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its head and tail around a note."""
    if len(text) <= limit:
        return text
    head = limit // 2
    tail = limit - head
    omitted = len(text) - head - tail
    return text[:head] + omitted_note(omitted) + (text[-tail:] if tail else "")


def cut_line(line: str, limit: int = MAX_LINE_CHARS) -> str:
    """One line cut to ``limit`` characters, saying how much was left off."""
    if len(line) <= limit:
        return line
    return f"{line[:limit]}… [line truncated, {len(line) - limit} more characters]"


def number_line(number: int, line: str, limit: int = MAX_LINE_CHARS) -> str:
    """``cat -n`` style, the format read_file shows and edit_file's errors quote."""
    return f"{number:>6}\t{cut_line(line, limit)}"


def numbered(lines: list[str], first: int, *, max_lines: int = 60, limit: int = 500) -> str:
    """A region of a file for an error message, numbered from ``first``, at most ``max_lines``."""
    body = "\n".join(
        number_line(first + i, line, limit) for i, line in enumerate(lines[:max_lines])
    )
    if len(lines) > max_lines:
        body += f"\n[... {len(lines) - max_lines} more lines]"
    return body


class HeadTailBuffer:
    """Collects streamed text in bounded memory: the first and last ``limit // 2`` characters.

    A command that prints gigabytes (``yes``, a log tail) must not fill memory; the result is the
    same as ``cap_middle`` over the whole text.
    """

    def __init__(self, limit: int) -> None:
        self._head_size = limit // 2
        self._tail_size = limit - self._head_size
        self._head: list[str] = []
        self._head_len = 0
        self._tail = ""
        self._total = 0

    def add(self, text: str) -> None:
        self._total += len(text)
        room = self._head_size - self._head_len
        if room > 0:
            taken = text[:room]
            self._head.append(taken)
            self._head_len += len(taken)
            text = text[room:]
        if text and self._tail_size:
            # Rebuilt at most once per chunk; chunks are pipe reads (<= 64 KiB), so this stays
            # linear in the output size.
            self._tail = (self._tail + text)[-self._tail_size :]

    @property
    def total(self) -> int:
        return self._total

    def text(self) -> str:
        head = "".join(self._head)
        omitted = self._total - len(head) - len(self._tail)
        if omitted <= 0:
            return head + self._tail
        return head + omitted_note(omitted) + self._tail


def split_lines(text: str) -> list[str]:
    """Lines with their ``\\n`` kept; unlike ``splitlines`` only ``\\n`` separates lines."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def unified_diff(shown: str, before: str | None, after: str) -> tuple[str, int, int]:
    """The ``a/`` ``b/`` unified diff (3 lines of context) and the added and removed line counts.

    Shown with ``\\n`` line endings: a CRLF file's diff would otherwise end every line in ``\\r``.
    """
    old_lines = split_lines(before.replace("\r\n", "\n")) if before is not None else []
    new_lines = split_lines(after.replace("\r\n", "\n"))
    fromfile = f"a/{shown}" if before is not None else "/dev/null"
    out: list[str] = []
    added = removed = 0
    # difflib's own output for ordinary edits; bounded work on big files (see bounded_diff).
    diff = unified_lines(old_lines, new_lines, fromfile, f"b/{shown}", n=3)
    for index, line in enumerate(diff):
        if index >= 2:  # after the ---/+++ headers, which a content line may look like
            added += line.startswith("+")
            removed += line.startswith("-")
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out), added, removed

"""grep's results and its Python search (used when ripgrep is not on PATH, or cannot read the
pattern).

Both implementations feed ``Results`` the same ``Hit`` lines, so the model sees one format:
``path:line:text`` for a matching line and ``path-line-text`` for a context line, with ``--``
between groups that are not adjacent (grep's and ripgrep's ``-n -C`` format).

The Python search streams: a file is read in blocks of whole lines (one block for most files) and
each block is searched with one ``regex.search`` over its text, so the per-line Python work is
only done for lines that match or are shown as context.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

BLOCK_BYTES = 4 * 1024 * 1024
MAX_LINE_CHARS = 500
#: After the cap, matches are still counted (for the "N more" note), up to this many.
MAX_COUNTED = 100_000
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Hit:
    path: str
    number: int
    text: str
    match: bool


class Results:
    """Collects hits up to ``max_results`` matching lines (and ``max_chars`` of output), then
    counts the matches it no longer shows. ``add`` returns False once counting is done too."""

    def __init__(self, *, max_results: int, max_chars: int, context: int) -> None:
        self.max_results = max_results
        self.max_chars = max_chars
        self.context = context
        self.lines: list[str] = []
        self.shown = 0
        self.more = 0
        self.files: set[str] = set()
        self.more_files: set[str] = set()
        self._chars = 0
        self._last: tuple[str, int] | None = None
        self._full = False

    @property
    def full(self) -> bool:
        return self._full

    def add(self, hit: Hit) -> bool:
        if self._full:
            if hit.match:
                self.more += 1
                self.more_files.add(hit.path)
            elif self._last is not None and self._trailing_context(hit):
                self._append(hit)  # the after-context of the last match shown
            return self.more < MAX_COUNTED
        if hit.match and self.shown >= self.max_results:
            self._full = True
            return self.add(hit)
        text = hit.text if len(hit.text) <= MAX_LINE_CHARS else hit.text[:MAX_LINE_CHARS] + "…"
        line = f"{hit.path}{':' if hit.match else '-'}{hit.number}{':' if hit.match else '-'}{text}"
        if self.lines and self._chars + len(line) + 1 > self.max_chars:
            self._full = True
            return self.add(hit)
        self._append(hit, line)
        if hit.match:
            self.shown += 1
            self.files.add(hit.path)
        return True

    def _trailing_context(self, hit: Hit) -> bool:
        assert self._last is not None
        path, number = self._last
        return hit.path == path and number < hit.number <= number + self.context

    def _append(self, hit: Hit, line: str | None = None) -> None:
        if line is None:
            text = hit.text[:MAX_LINE_CHARS]
            line = f"{hit.path}-{hit.number}-{text}"
        last = self._last
        if self.context and last is not None and (last[0] != hit.path or hit.number > last[1] + 1):
            self.lines.append("--")
        self.lines.append(line)
        self._chars += len(line) + 1
        self._last = (hit.path, hit.number)

    def render(self, *, pattern: str, where: str) -> str:
        if not self.lines:
            return (
                f"No matches for /{pattern}/ in {where} (files ignored by .gitignore and binary "
                "files are not searched)."
            )
        text = "\n".join(self.lines)
        if self.more:
            counted = f"{self.more:,}+" if self.more >= MAX_COUNTED else f"{self.more:,}"
            files = len(self.more_files - self.files) if self.more_files else 0
            elsewhere = f", {files:,} of them in files not shown" if files else ""
            text += (
                f"\n\n[showing {self.shown:,} matching lines; {counted} more not shown"
                f"{elsewhere}. Narrow the pattern, path or glob, or raise max_results.]"
            )
        return text


def python_search(
    files: Iterable[tuple[str, str]],
    regex: re.Pattern[str],
    results: Results,
    cancelled: threading.Event,
) -> None:
    """Search ``(shown path, absolute path)`` files in order until ``results`` has enough."""
    for shown, path in files:
        if cancelled.is_set():
            return
        if not _search_file(shown, path, regex, results):
            return


def _search_file(shown: str, path: str, regex: re.Pattern[str], results: Results) -> bool:
    """False when ``results`` wants no more."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError:
        return True  # unreadable: skipped, as ripgrep does
    with handle:
        scanner = _FileScanner(shown, regex, results)
        rest = b""
        first = True
        while True:
            try:
                block = handle.read(BLOCK_BYTES)
            except OSError:
                return True
            if first:
                block = block.removeprefix(UTF8_BOM)
                first = False
            if b"\x00" in block:
                return True  # binary: skipped (past the first block: no further lines)
            data = rest + block
            if not block:
                return scanner.scan(data.decode("utf-8", "replace")) if data else True
            cut = data.rfind(b"\n") + 1
            rest = data[cut:]
            if cut and not scanner.scan(data[:cut].decode("utf-8", "replace")):
                return False


class _FileScanner:
    """One file's matches and their context, fed block by block (each block whole lines)."""

    def __init__(self, shown: str, regex: re.Pattern[str], results: Results) -> None:
        self.shown = shown
        self.regex = regex
        self.results = results
        self.context = results.context
        self.base = 1  # the number of the next block's first line
        self.emitted = 0  # the last line number handed to results
        self.owed_to = 0  # the last match's after-context runs to this line
        self.tail: list[str] = []  # the last ``context`` lines before ``base``

    def scan(self, text: str) -> bool:
        count = text.count("\n") + (0 if text.endswith("\n") else 1)
        last = self.base + count - 1
        matches = self._matches(text)
        if not matches and self.owed_to < self.base:
            if self.context:
                self._keep_tail(text.rsplit("\n", self.context + 1))
            self.base = last + 1
            return True
        lines = text.split("\n")
        wanted = set(matches)
        if self.context:
            wanted.update(range(self.base, min(self.owed_to, last) + 1))
            for number in matches:
                wanted.update(range(number - self.context, min(number + self.context, last) + 1))
            if matches:
                self.owed_to = matches[-1] + self.context
        matching = set(matches)
        for number in sorted(wanted):
            if number <= self.emitted or number < 1:
                continue
            if number >= self.base:
                line = lines[number - self.base]
            elif self.base - number <= len(self.tail):
                line = self.tail[number - self.base]
            else:
                continue
            hit = Hit(self.shown, number, line.removesuffix("\r"), number in matching)
            if not self.results.add(hit):
                return False
            self.emitted = number
        if self.context:
            self._keep_tail(lines)
        self.base = last + 1
        return True

    def _keep_tail(self, parts: list[str]) -> None:
        """``parts`` end with the block's last lines (and "" after a final newline)."""
        if parts and parts[-1] == "":
            parts = parts[:-1]
        self.tail = (self.tail + parts[-self.context :])[-self.context :]

    def _matches(self, text: str) -> list[int]:
        """The numbers of the lines of ``text`` that match, in order."""
        found: list[int] = []
        phantom = len(text) if text.endswith("\n") else len(text) + 1
        position = 0
        counted = 0
        number = self.base
        while True:
            match = self.regex.search(text, position)
            if match is None or match.start() >= phantom:
                return found
            start = text.rfind("\n", 0, match.start()) + 1
            number += text.count("\n", counted, start)
            counted = start
            found.append(number)
            end = text.find("\n", match.start())
            if end == -1:
                return found
            position = end + 1

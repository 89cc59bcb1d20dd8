"""Completion of /commands (and their arguments) and @paths; attaching the files a message names.

Workspace files are listed by a capped walk (``tools.walk``, shared with the search tools) that
skips ``.git`` and whatever ``.gitignore`` files (and ``.git/info/exclude``) ignore, so completion
stays fast in a big repository.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from infercode.tools import walk
from infercode.ui.repl.commands.registry import CommandRegistry, ReplState
from infercode.ui.terminal_text import safe_line

MAX_FILES = 20_000
INDEX_TTL_S = 10.0
MAX_MATCHES = 50
MAX_ATTACH_BYTES = 256 * 1024
_BINARY_PROBE = 8192
#: ``@path`` at the start or after whitespace/opening punctuation (so ``a@b.c`` is not one).
_MENTION = re.compile(r"(?:^|(?<=[\s(\[{\"']))@([^\s\"'`]+)")
_TRAILING = ".,;:!?)]}"


def walk_files(root: Path, limit: int = MAX_FILES) -> list[str]:
    """Workspace files as relative POSIX paths, gitignore applied, at most ``limit``."""
    return walk.walk_files(root, limit)


class FileIndex:
    """The workspace's files, listed again when older than ``ttl`` seconds."""

    def __init__(self, root: Path, ttl: float = INDEX_TTL_S, limit: int = MAX_FILES) -> None:
        self.root = root
        self.ttl = ttl
        self.limit = limit
        self._files: list[str] = []
        self._listed_at = float("-inf")

    def files(self) -> list[str]:
        now = time.monotonic()
        if now - self._listed_at > self.ttl:
            self._files = walk_files(self.root, self.limit)
            self._listed_at = now
        return self._files

    def match(self, partial: str, limit: int = MAX_MATCHES) -> list[str]:
        """Paths starting with ``partial`` first, then by file name, then containing it."""
        needle = partial.lower()
        first: list[str] = []
        second: list[str] = []
        third: list[str] = []
        for path in self.files():
            lower = path.lower()
            if lower.startswith(needle):
                first.append(path)
            elif lower.rsplit("/", 1)[-1].startswith(needle):
                second.append(path)
            elif needle in lower:
                third.append(path)
        return (first + second + third)[:limit]


class ReplCompleter(Completer):
    def __init__(self, commands: CommandRegistry, state: ReplState, files: FileIndex) -> None:
        self.commands = commands
        self.state = state
        self.files = files

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        before = document.text_before_cursor
        if before.startswith("/") and "\n" not in before:
            yield from self._command_completions(before[1:])
            return
        word = document.get_word_before_cursor(WORD=True)
        if word.startswith("@"):
            for path in self.files.match(word[1:]):
                # A workspace file name can hold control characters: shown escaped.
                yield Completion("@" + path, start_position=-len(word), display=safe_line(path))

    def _command_completions(self, text: str) -> Iterable[Completion]:
        name, space, arg = text.partition(" ")
        if not space:
            for command in self.commands:
                for candidate in (command.name, *command.aliases):
                    if candidate.startswith(name):
                        yield Completion(
                            "/" + candidate,
                            start_position=-len(name) - 1,
                            display_meta=command.help,
                        )
            return
        found = self.commands.get(name)
        if found is None or found.complete is None:
            return
        for value in found.complete(self.state):
            if value.lower().startswith(arg.lower()):
                yield Completion(value, start_position=-len(arg), display=safe_line(value))


def _fence(content: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    return "`" * max(3, longest + 1)


def _resolve_mention(root: Path, token: str) -> tuple[str, Path] | None:
    """The mentioned file, trying without trailing punctuation ("see @a.py.")."""
    candidates = [token]
    while token and token[-1] in _TRAILING:
        token = token[:-1]
        candidates.append(token)
    for candidate in candidates:
        path = Path(os.path.realpath(root / candidate))
        if path.is_file():
            return candidate, path
    return None


def expand_attachments(
    text: str, root: Path, max_bytes: int = MAX_ATTACH_BYTES
) -> tuple[str, list[str]]:
    """The message with each mentioned workspace file appended (fenced, with its path), and
    one note per mention for the user. Mentions of things that are not files are left alone."""
    root = Path(os.path.realpath(root))
    blocks: list[str] = []
    notes: list[str] = []
    seen: set[Path] = set()
    for match in _MENTION.finditer(text):
        found = _resolve_mention(root, match.group(1))
        if found is None:
            continue
        shown, path = found
        if path in seen:
            continue
        seen.add(path)
        if root not in path.parents:
            notes.append(f"@{shown} not attached: it is outside the workspace")
            continue
        size = path.stat().st_size
        if size > max_bytes:
            notes.append(
                f"@{shown} not attached: {size // 1024} KB is over the {max_bytes // 1024} KB "
                "limit (ask the model to read parts of it)"
            )
            continue
        data = path.read_bytes()
        try:
            if b"\0" in data[:_BINARY_PROBE]:
                raise UnicodeDecodeError("utf-8", data, 0, 1, "NUL byte")
            content = data.decode("utf-8")
        except UnicodeDecodeError:
            notes.append(f"@{shown} not attached: it is a binary file")
            continue
        rel = path.relative_to(root).as_posix()
        fence = _fence(content)
        body = content if content.endswith("\n") or not content else content + "\n"
        blocks.append(f"Contents of `{rel}`:\n{fence}\n{body}{fence}")
        count = content.count("\n") + (0 if content.endswith("\n") or not content else 1)
        notes.append(f"attached {rel} ({count} line{'s' if count != 1 else ''})")
    if not blocks:
        return text, notes
    return text.rstrip() + "\n\n" + "\n\n".join(blocks), notes

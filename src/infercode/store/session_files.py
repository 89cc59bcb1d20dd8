"""Sessions on disk: one JSONL file per conversation, written as it grows.

Line 1 is a header (``{"type": "infercode.cli.wiring", ...}``: id, time, model, base URL without
credentials, workspace root, version). Every later line is a history item exactly as it is
resent, appended, flushed and fsync'd the moment ``History`` gets it, so ``kill -9`` loses at
most the item being written. A compaction is a marker line (``infercode.compacted`` with the
number of items that follow) and then the whole new history; loading honours it only once all
those items are on disk, so a crash in the middle of writing one falls back to the history
before it.

A torn last line (the process died mid-write) is skipped on load and cut off before appending,
so the file never becomes unreadable. The API key is never written; if it shows up inside an
item (a tool printed the environment) it is masked, also reversed or base64- or hex-encoded.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from infercode import __version__
from infercode.config.paths import state_dir
from infercode.engine.events import JSON
from infercode.engine.history import History, message_text
from infercode.errors import ConfigError
from infercode.private_paths import private_dir
from infercode.redact import KEY_MASK as KEY_MASK
from infercode.redact import SecretMask
from infercode.tools.workspace import fsync_dir

HEADER_TYPE = "infercode.cli.wiring"
COMPACTED_TYPE = "infercode.compacted"
FORMAT_VERSION = 1
ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


def public_url(url: str) -> str:
    """``url`` without user, password, query or fragment: the parts that can carry secrets."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def new_session_id() -> str:
    """Sortable by time, unique enough for one user: ``20250131-142501-9f3a1c``."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


@dataclass
class LoadedSession:
    """What a session file holds once read back."""

    header: JSON
    items: list[JSON]
    skipped_lines: int = 0
    torn_tail: bool = False
    unfinished_compaction: bool = False
    """A compaction block was cut short: ``items`` is the history from before it."""


def read_session(path: Path) -> LoadedSession:
    """Parse a session file. Unreadable lines are skipped (counted), never fatal."""
    header: JSON = {}
    items: list[JSON] = []
    pending: list[JSON] | None = None  # items of a compaction block not yet complete
    expected = 0
    skipped = 0
    data = path.read_bytes()
    torn = bool(data) and not data.endswith(b"\n")
    lines = data.split(b"\n")
    for number, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            # The last line without a newline is a write cut short; anything else is damage.
            if not (torn and number == len(lines) - 1):
                skipped += 1
            continue
        if not isinstance(record, dict):
            skipped += 1
            continue
        kind = record.get("type")
        if kind == HEADER_TYPE and not header:
            header = record
        elif kind == COMPACTED_TYPE:
            count = record.get("items")
            pending, expected = [], count if isinstance(count, int) else 0
            if expected == 0:
                items, pending = [], None
        elif isinstance(kind, str) and kind.startswith("infercode."):
            continue  # a record kind from a newer version: not part of the history
        elif pending is not None:
            pending.append(record)
            if len(pending) >= expected:
                items, pending = pending, None
        else:
            items.append(record)
    return LoadedSession(header, items, skipped, torn, pending is not None)


class SessionFile:
    """An open session file that ``History`` appends to (``attach``)."""

    def __init__(self, path: Path, stream: IO[bytes], secret: str | None, fsync: bool) -> None:
        self.path = path
        self._stream = stream
        self._mask = SecretMask([secret])
        self._fsync = fsync

    @property
    def id(self) -> str:
        return self.path.stem

    def attach(self, history: History) -> None:
        history.subscribe(self.append)

    def append(self, item: JSON) -> None:
        self._write([item])

    def record_compaction(self, items: list[JSON], before_tokens: int, after_tokens: int) -> None:
        """The history was replaced by ``items``: write a marker and the new history after it."""
        marker: JSON = {
            "type": COMPACTED_TYPE,
            "at": _now(),
            "items": len(items),
            "before_tokens": before_tokens,
            "after_tokens": after_tokens,
        }
        self._write([marker, *items])

    def close(self) -> None:
        if not self._stream.closed:
            self._stream.close()

    def _write(self, records: list[JSON]) -> None:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        text = self._mask.mask(text)
        self._stream.write(text.encode("utf-8"))
        self._stream.flush()
        if self._fsync:
            # ~0.2 ms per item on the disk we measured; a model turn takes seconds. It is what
            # keeps the file whole across a power cut, not just a killed process.
            os.fsync(self._stream.fileno())


@dataclass(frozen=True)
class SessionInfo:
    """One line of ``infercode sessions``."""

    id: str
    path: Path
    created: str
    model: str
    root: str
    first_prompt: str
    items: int
    size_bytes: int
    modified: float = field(compare=False)
    turns: int = 0
    """User messages in it."""
    answered: bool = True
    """Whether the model ever answered (the resume picker hides sessions that it never did)."""


class SessionStore:
    """The sessions directory."""

    def __init__(self, directory: Path, *, fsync: bool = True) -> None:
        self.directory = directory
        self.fsync = fsync

    @classmethod
    def default(cls) -> SessionStore:
        return cls(state_dir() / "sessions")

    def create(
        self, *, model: str, base_url: str, root: Path, api_key: str | None = None
    ) -> SessionFile:
        private_dir(self.directory, tighten=True)  # transcripts: 0700 (files are 0600)
        while True:
            path = self.directory / f"{new_session_id()}.jsonl"
            try:
                # O_EXCL: two sessions started in the same second never share a file.
                stream = _open_append(path, create=True)
                _lock(stream, path)
                break
            except FileExistsError:
                continue
        fsync_dir(self.directory)
        session = SessionFile(path, stream, api_key, self.fsync)
        header: JSON = {
            "type": HEADER_TYPE,
            "format": FORMAT_VERSION,
            "id": path.stem,
            "created": _now(),
            "model": model,
            "base_url": public_url(base_url),
            "root": str(root),
            "infercode": __version__,
        }
        session._write([header])
        return session

    def open(self, path: Path, *, api_key: str | None = None) -> tuple[LoadedSession, SessionFile]:
        """Load ``path`` and reopen it for appending, first cutting off a torn last line."""
        stream = _open_append(path)
        try:  # before reading: what is read is what nobody else appends to meanwhile
            _lock(stream, path)
            loaded = read_session(path)
            if loaded.torn_tail:
                data = path.read_bytes()
                os.truncate(path, data.rfind(b"\n") + 1)
        except BaseException:
            stream.close()
            raise
        file = SessionFile(path, stream, api_key, self.fsync)
        if loaded.unfinished_compaction:
            # Items appended now would count towards the half-written block; close it with a
            # complete one holding the history we fell back to.
            file.record_compaction(loaded.items, 0, 0)
        return loaded, file

    def paths(self) -> list[Path]:
        """Session files, most recently written first."""
        if not self.directory.is_dir():
            return []
        found = [p for p in self.directory.glob("*.jsonl") if p.is_file()]
        return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)

    def recent(self, root: Path | None = None, limit: int | None = 20) -> list[SessionInfo]:
        """Recent sessions (of workspace ``root`` if given), newest first."""
        out: list[SessionInfo] = []
        for path in self.paths():
            header = _read_header(path)
            if header is None or (root is not None and header.get("root") != str(root)):
                continue
            out.append(_info(path, header))
            if limit is not None and len(out) >= limit:
                break
        return out

    def latest(self, root: Path) -> SessionInfo | None:
        found = self.recent(root, limit=1)
        return found[0] if found else None

    def find(self, session_id: str) -> Path:
        """The file of session ``session_id`` (or of the one session whose id starts with it)."""
        exact = self.directory / f"{session_id}.jsonl"
        if ID_PATTERN.match(session_id) and exact.is_file():
            return exact
        matches = [p for p in self.paths() if p.stem.startswith(session_id)] if session_id else []
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise LookupError(
                f"no session {session_id!r} in {self.directory} (list them: infercode sessions)"
            )
        names = ", ".join(p.stem for p in matches[:5])
        raise LookupError(f"session id {session_id!r} is ambiguous: {names}")


def _read_header(path: Path) -> JSON | None:
    try:
        with path.open("rb") as stream:
            first = stream.readline()
        record = json.loads(first)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("type") == HEADER_TYPE else None


def _info(path: Path, header: JSON) -> SessionInfo:
    """Summary of a session: one read of the file (sessions are kilobytes to a few MB)."""
    stat = path.stat()
    with path.open("rb") as stream:
        data = stream.read()
    return SessionInfo(
        id=path.stem,
        path=path,
        created=str(header.get("created", "")),
        model=str(header.get("model", "")),
        root=str(header.get("root", "")),
        first_prompt=_first_prompt(iter(data.split(b"\n"))),
        items=max(data.count(b"\n") - 1, 0),
        size_bytes=stat.st_size,
        modified=stat.st_mtime,
        # Keys as the recorder writes them; the same text inside a JSON string is escaped.
        turns=data.count(b'"role": "user"'),
        answered=b'"role": "assistant"' in data or b'"type": "function_call"' in data,
    )


def _first_prompt(lines: Iterator[bytes]) -> str:
    for raw in lines:
        if b'"role": "user"' not in raw:
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("type") == "message":
            return " ".join(message_text(record).split())
    return ""


def _open_append(path: Path, *, create: bool = False) -> IO[bytes]:
    """Append mode: every write lands at the end, whatever else wrote to the file meanwhile."""
    flags = os.O_WRONLY | os.O_APPEND | (os.O_CREAT | os.O_EXCL if create else 0)
    return os.fdopen(os.open(path, flags, 0o600), "ab")


class SessionInUse(ConfigError):
    """Another infercode process has this session open (it holds the file's lock)."""


def _lock(stream: IO[bytes], path: Path) -> None:
    """One writer per session file: an exclusive lock held while it is open (released when the
    process ends, however it ends). Two processes appending to one conversation would interleave
    their items and leave a history neither can resend."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here
        return
    try:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SessionInUse(
            f"session {path.stem} is open in another infercode process; finish there first, "
            "or start a new session here (without --continue/--resume)"
        ) from None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")

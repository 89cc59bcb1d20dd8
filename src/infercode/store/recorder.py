"""The live link between a conversation and its session file.

``SessionRecorder`` listens to a ``History`` and writes each item to the current session file.
The file can change under it: ``/resume`` switches to another session, ``/clear`` starts a new
one. In the REPL the file is only created when the first item arrives, so opening infercode and
leaving without a prompt leaves no empty session behind.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from infercode.config.settings import Settings
from infercode.engine.events import JSON
from infercode.engine.history import History
from infercode.engine.output_items import repair_items
from infercode.errors import ConfigError
from infercode.private_paths import reason
from infercode.store.session_files import SessionFile, SessionStore


class SessionRecorder:
    def __init__(
        self, store: SessionStore, *, model: str, base_url: str, root: Path, api_key: str | None
    ) -> None:
        self.store = store
        self.model = model
        self.base_url = base_url
        self.root = root
        self._api_key = api_key
        self.file: SessionFile | None = None
        self._broken = False

    @property
    def id(self) -> str | None:
        return self.file.id if self.file is not None else None

    def attach(self, history: History) -> None:
        history.subscribe(self._on_append)

    def begin(self) -> SessionFile:
        """The current file, created (with its header) if there is none yet."""
        if self.file is None:
            self.file = self.store.create(
                model=self.model, base_url=self.base_url, root=self.root, api_key=self._api_key
            )
        return self.file

    def _on_append(self, item: JSON) -> None:
        self._write(lambda file: file.append(item))

    def record_compaction(self, items: list[JSON], before_tokens: int, after_tokens: int) -> None:
        self._write(lambda file: file.record_compaction(items, before_tokens, after_tokens))

    def _write(self, action: Callable[[SessionFile], None]) -> None:
        """A full disk or a vanished state dir stops the recording, never the conversation."""
        if self._broken:
            return
        try:
            action(self.begin())
        except OSError as error:
            self._broken = True
            sys.stderr.write(
                f"infercode: warning: the session is no longer recorded: {reason(error)}\n"
            )

    def switch_to(self, path: Path) -> tuple[list[JSON], list[str]]:
        """Record to session ``path`` from now on; returns its items and notes for the user.

        The caller puts the items into the conversation (``History.replace`` before an engine
        exists, ``Agent.reset`` after) and reports what ``repaired_note`` says of the repair."""
        if self.file is not None and self.file.path == path:
            self.close()  # its lock would keep this process from reopening it
        loaded, file = self.store.open(path, api_key=self._api_key)
        self.close()
        self.file = file
        items, fixes = repair_items(loaded.items)
        notes = [f"resumed session {file.id} ({len(loaded.items)} items)"]
        if fixes:
            notes.append(f"{fixes} malformed item(s) from the model were repaired")
        if loaded.skipped_lines:
            notes.append(f"skipped {loaded.skipped_lines} unreadable line(s) in {path}")
        recorded_root = loaded.header.get("root")
        if recorded_root and recorded_root != str(self.root):
            notes.append(f"the session was recorded in {recorded_root}; now working in {self.root}")
        return items, notes

    def start_new(self) -> None:
        """The next item goes to a new session (``/clear``); the old one stays resumable."""
        self.close()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


@dataclass
class OpenedSession:
    """A conversation ready to run: its history, the recorder writing it, notes for the user."""

    history: History
    recorder: SessionRecorder
    notes: list[str] = field(default_factory=list)

    @property
    def file(self) -> SessionFile:
        return self.recorder.begin()


def repaired_note(call_ids: list[str]) -> list[str]:
    """What to tell the user about calls a resumed session left unanswered (now answered)."""
    if not call_ids:
        return []
    return [f"{len(call_ids)} call(s) interrupted by the last exit were closed"]


def open_session(
    store: SessionStore,
    *,
    model: str,
    base_url: str,
    root: Path,
    api_key: str | None,
    resume: Path | None = None,
    lazy: bool = False,
) -> OpenedSession:
    """A new session (created now, or at the first item when ``lazy``), or ``resume`` loaded."""
    recorder = SessionRecorder(store, model=model, base_url=base_url, root=root, api_key=api_key)
    history = History()
    recorder.attach(history)
    notes: list[str] = []
    if resume is not None:
        items, notes = recorder.switch_to(resume)
        history.replace(items)  # already on disk: not replayed to listeners
        notes += repaired_note(history.repair())  # written to the resumed file, like any append
    elif not lazy:
        recorder.begin()
    return OpenedSession(history, recorder, notes)


def open_session_or_warn(
    settings: Settings, root: Path, resume: Path | None, *, lazy: bool = False
) -> OpenedSession | None:
    """``open_session`` in the default store. A session that cannot be created is a warning (the
    work matters more than its record); one that cannot be resumed is a ConfigError."""
    try:
        return open_session(
            SessionStore.default(),
            model=settings.model,
            base_url=settings.base_url,
            root=root,
            api_key=settings.api_key,
            resume=resume,
            lazy=lazy,
        )
    except OSError as error:
        if resume is not None:
            raise ConfigError(f"cannot resume {resume}: {error.strerror or error}") from None
        sys.stderr.write(f"infercode: warning: this session is not recorded: {reason(error)}\n")
        return None

"""Git checkpoints around each user turn: the engine's ``TurnHooks`` backed by ``Checkpoints``.

A checkpoint is recorded before the first mutating call of a turn and closed after it, so
``/undo`` can take the turn back and ``/diff`` can show it. Checkpoints are a safety net, not a
requirement: when git is missing or the store breaks, the session goes on and says so once.
"""

from __future__ import annotations

import threading
from pathlib import Path

from infercode.git.checkpoints import CheckpointError, Checkpoints, TurnChange
from infercode.private_paths import reason

AUTO_COMMIT_SUBJECT_LIMIT = 60


class CheckpointHooks:
    def __init__(self, root: Path, state_dir: Path, *, auto_commit: bool = False) -> None:
        self.checkpoints = Checkpoints(root, state_dir)
        self.auto_commit = auto_commit
        self.last_change: TurnChange | None = None
        self._label = ""
        self._broken: str | None = None
        self._warned = False

    @property
    def broken(self) -> str | None:
        """Why checkpoints are off for this session (``/undo`` unavailable), or None."""
        return self._broken

    def warm_up(self) -> threading.Thread:
        """Take a first snapshot in the background: on a big repository the first one is slow
        (git hashes every file), later ones take milliseconds thanks to the index stat cache."""

        def work() -> None:
            try:
                self.checkpoints.snapshot()
            except (CheckpointError, OSError) as error:
                self._broken = _why(error)

        thread = threading.Thread(target=work, name="checkpoint-warm-up", daemon=True)
        thread.start()
        return thread

    def start_warm_up(self) -> None:
        """``warm_up`` for callers that do not wait for it (the REPL, once its prompt is up)."""
        self.warm_up()

    def before_first_mutation(self, turn_label: str) -> None:
        self._label = turn_label
        if self._broken:
            return
        try:
            self.checkpoints.begin_turn(turn_label)
        except (CheckpointError, OSError) as error:  # the edit goes on without a checkpoint
            self._broken = _why(error)

    def before_call(self, kind: str, paths: tuple[str, ...]) -> None:
        """An edit names its file; anything else (a shell command) is bracketed by snapshots.
        What changes outside these calls during the turn is not this session's (see /undo)."""
        if self._broken:
            return
        try:
            if kind == "edit" and paths:
                self.checkpoints.claim(paths)
            else:
                self.checkpoints.begin_call()
        except (CheckpointError, OSError) as error:
            self._broken = _why(error)

    def after_call(self) -> None:
        if self._broken:
            return
        try:
            self.checkpoints.end_call()
        except (CheckpointError, OSError) as error:
            self._broken = _why(error)

    def after_turn(self) -> str | None:
        if self._broken:
            if self._warned:
                return None
            self._warned = True
            return f"checkpoints are off for this session (/undo unavailable): {self._broken}"
        try:
            change = self.checkpoints.end_turn()
        except (CheckpointError, OSError) as error:
            self._broken = _why(error)
            return f"checkpoint failed (/undo unavailable for this turn): {self._broken}"
        self.last_change = change
        if change is None or not self.auto_commit:
            return None
        try:
            sha = self.checkpoints.auto_commit(change, commit_message(self._label))
        except CheckpointError as error:
            return f"auto-commit failed: {error}"
        return f"committed {sha[:8]}: {change.summary()}" if sha else None


def _why(error: Exception) -> str:
    """A state dir that is a file, read-only or full: say which path and what is wrong."""
    if isinstance(error, OSError):
        return f"cannot write the checkpoint store: {reason(error)}"
    return str(error)


def commit_message(prompt: str) -> str:
    """A short subject from the user's prompt; the body says where it came from."""
    first_line = next((line.strip() for line in prompt.splitlines() if line.strip()), "changes")
    if len(first_line) > AUTO_COMMIT_SUBJECT_LIMIT:
        first_line = first_line[: AUTO_COMMIT_SUBJECT_LIMIT - 1].rstrip() + "…"
    return f"infercode: {first_line}\n\nChanged by infercode for the prompt above."

"""Workspace checkpoints: what infercode changed in each turn, shown as a diff, taken back on undo.

State lives in a private git directory, ``<state_dir>/checkpoints/<sha256(root)[:16]>.git``,
used with the workspace as work tree and with its own index. The user's ``.git`` is never
written: not HEAD, refs, index, stash nor config. A folder that is not a git repository works
the same way.

What counts: every file under the root that git would not ignore: ``.gitignore`` files at all
levels, plus the user's ``.git/info/exclude`` (the store's ``core.excludesFile``). ``.git`` is
never recorded; a nested repository is recorded at most as a gitlink, so its files are out of
scope. When the root is a subfolder of a repository, ignore files above the root are not read.

The engine calls ``begin_turn`` before the first mutating tool call of a user turn and
``end_turn`` after the turn; turns that changed something form the undo stack (in memory, per
conversation). Within a turn, the engine says which files each edit writes (``claim``) and
brackets every other mutating call (a shell command) with snapshots (``begin_call`` /
``end_call``). A file that changed during the turn but in none of those (another infercode
process on the same workspace, the user's editor while the model was thinking) is not part of
the turn: it is listed as ``foreign``, and undo and diff leave it alone. A file changed by
something else *while* a command ran cannot be told apart and counts as the command's.

``diff()`` shows the changes from the first selected turn's before-snapshot to the last turn's
after-snapshot, restricted to the paths those turns changed: user edits to unrelated files never
show, nor do user edits made after the last turn (it shows what infercode did).

``auto_commit`` adds the trailer ``Co-authored-by: infercode <infercode@localhost>``.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from infercode.errors import InfercodeError
from infercode.git.plumbing import CheckpointError, PrivateGit, commit_paths, current_branch

__all__ = [
    "CheckpointError",
    "Checkpoints",
    "TurnChange",
    "UndoRefused",
    "UndoResult",
    "current_branch",
]

COMMIT_TRAILER = "Co-authored-by: infercode <infercode@localhost>"
_GITLINK = "160000"
_DIFF_CHUNK = 500  # paths per `git diff` call, well under any argv limit


@dataclass(frozen=True, slots=True)
class TurnChange:
    """What one user turn changed, between two snapshots (ids are private commit shas)."""

    number: int
    label: str
    before: str
    after: str
    modified: tuple[str, ...]
    added: tuple[str, ...]
    deleted: tuple[str, ...]
    #: Changed during the turn, but not by this session's calls (another infercode process, an
    #: editor): not part of the turn, so /undo and /diff leave them alone.
    foreign: tuple[str, ...] = ()

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(sorted((*self.modified, *self.added, *self.deleted)))

    def summary(self) -> str:
        parts = [
            f"{len(names)} {word}"
            for names, word in (
                (self.modified, "modified"),
                (self.added, "added"),
                (self.deleted, "deleted"),
            )
            if names
        ]
        return ", ".join(parts) or "no changes"


@dataclass(frozen=True, slots=True)
class UndoResult:
    """Outcome of ``undo``; ``turn`` is None when there was nothing to undo."""

    turn: TurnChange | None
    restored: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    recreated: tuple[str, ...] = ()
    message: str = ""
    left_alone: tuple[str, ...] = ()


class UndoRefused(InfercodeError):
    """Undo would overwrite changes made outside infercode; ``paths`` names the files."""

    def __init__(self, reason: str, paths: Iterable[str]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.paths = tuple(paths)


def _short(label: str, limit: int = 40) -> str:
    """A turn label (often the user's whole prompt) fit for a one-line message."""
    line = " ".join(label.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _names(paths: tuple[str, ...], limit: int = 8) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


class Checkpoints:
    """Snapshots of one workspace and the undo stack of one conversation. Thread-safe."""

    def __init__(self, workspace_root: Path, state_dir: Path) -> None:
        self.root = workspace_root.resolve()
        key = hashlib.sha256(os.fsencode(str(self.root))).hexdigest()[:16]
        self.store_dir = state_dir.resolve() / "checkpoints" / f"{key}.git"
        self._git = PrivateGit(self.store_dir, self.root)
        # One ref per conversation keeps its snapshots reachable even if someone runs `git gc`
        # in the store; sessions sharing the store never move each other's refs.
        self._ref = (
            f"refs/infercode/sessions/{int(time.time())}-{os.getpid()}-{os.urandom(3).hex()}"
        )
        self._lock = threading.RLock()
        self._turns: list[TurnChange] = []
        self._open: tuple[int, str, str] | None = None
        #: Paths this session's calls changed in the open turn; None: not tracked (all count).
        self._own: set[str] | None = None
        self._call_before: str | None = None
        self._count = 0
        self._last: tuple[str, str] | None = None  # (tree, commit) of the latest snapshot

    @property
    def turns(self) -> tuple[TurnChange, ...]:
        """The undo stack, oldest first."""
        with self._lock:
            return tuple(self._turns)

    def snapshot(self) -> str:
        """Record the current state of the workspace and return its id (a private commit sha)."""
        with self._lock:
            return self._snapshot("snapshot")

    def begin_turn(self, turn_label: str) -> None:
        """Checkpoint before the first mutating call of a turn; closes a turn left open."""
        with self._lock:
            if self._open is not None:
                self._end_turn()
            self._count += 1
            before = self._snapshot(f"before turn {self._count}: {turn_label}")
            self._open = (self._count, turn_label, before)
            self._own = None
            self._call_before = None

    def claim(self, paths: Iterable[str]) -> None:
        """This session is about to change ``paths`` (relative to the root) in the open turn."""
        with self._lock:
            if self._open is not None:
                self._own = (self._own or set()) | set(paths)

    def begin_call(self) -> None:
        """Before a call that may change any file (a shell command): snapshot, so that
        ``end_call`` can tell what it changed from what changed between calls."""
        with self._lock:
            if self._open is not None:
                self._own = self._own or set()
                self._call_before = self._snapshot("before call")

    def end_call(self) -> None:
        with self._lock:
            before, self._call_before = self._call_before, None
            if self._open is None or before is None or self._own is None:
                return
            after = self._snapshot("after call")
            self._own.update(path for _, path in self._changes(before, after))

    def end_turn(self) -> TurnChange | None:
        """Snapshot after the turn; push and return its change, or None if nothing changed."""
        with self._lock:
            return self._end_turn()

    def undo(self) -> UndoResult:
        """Put back the files the last changing turn touched, as they were before it.

        Raises ``UndoRefused`` when any of those files changed since the turn ended, or when
        something new now stands where a file must be recreated.
        """
        with self._lock:
            if self._open is not None:
                self._end_turn()
            if not self._turns:
                return UndoResult(
                    None, message="Nothing to undo: no files were changed by infercode."
                )
            turn = self._turns[-1]
            now = self._snapshot("before undo")
            scope = set(turn.paths)
            which = f"Cannot undo turn {turn.number} ({_short(turn.label)})"
            drift = sorted(p for _, p in self._changes(turn.after, now) if p in scope)
            if drift:
                raise UndoRefused(
                    f"{which}: changed since then outside infercode: {_names(tuple(drift))}. "
                    "Undo would overwrite those edits.",
                    drift,
                )
            blocked = self._obstacles(turn)
            if blocked:
                raise UndoRefused(
                    f"{which}: new files stand where old ones must be restored: "
                    f"{_names(tuple(blocked))}.",
                    blocked,
                )
            for rel in turn.added:
                self._remove(rel)
            restore = (*turn.modified, *turn.deleted)
            if restore:
                paths = b"\0".join(os.fsencode(p) for p in restore)
                self._git.run(
                    "checkout",
                    turn.before,
                    "--pathspec-from-file=-",
                    "--pathspec-file-nul",
                    stdin=paths,
                )
            self._turns.pop()
            after_undo = self._snapshot(f"undo turn {turn.number}")
            left = sorted(p for _, p in self._changes(turn.before, after_undo) if p in scope)
            if left:
                raise CheckpointError(f"undo left these files different: {_names(tuple(left))}")
            return UndoResult(
                turn,
                restored=turn.modified,
                deleted=turn.added,
                recreated=turn.deleted,
                message=self._undo_message(turn),
                left_alone=turn.foreign,
            )

    def diff(self, since_turn: int | None = None, color: bool = False) -> str:
        """Unified diff of the files changed by recorded turns (all, or numbered >= since_turn).

        From the first selected turn's before-snapshot to the last one's after-snapshot; git-style
        headers, binary files noted as such. Empty when there is nothing to show.
        """
        with self._lock:
            turns = [t for t in self._turns if since_turn is None or t.number >= since_turn]
            if not turns:
                return ""
            paths = sorted({p for t in turns for p in t.paths})
            out: list[bytes] = []
            for start in range(0, len(paths), _DIFF_CHUNK):
                out.append(
                    self._git.run(
                        "diff",
                        "--no-ext-diff",
                        "--no-textconv",
                        f"--color={'always' if color else 'never'}",
                        "--src-prefix=a/",
                        "--dst-prefix=b/",
                        turns[0].before,
                        turns[-1].after,
                        "--",
                        *paths[start : start + _DIFF_CHUNK],
                    )
                )
            return b"".join(out).decode("utf-8", "replace")

    def auto_commit(self, change: TurnChange, message: str) -> str | None:
        """Commit exactly the files of ``change`` into the user's repository, nothing else.

        The user's other staged changes stay staged and uncommitted. Returns the commit sha, or None
        outside a git repository or when those files have nothing to commit.
        """
        text = f"{message.strip() or f'infercode turn {change.number}'}\n\n{COMMIT_TRAILER}\n"
        return commit_paths(self.root, change.paths, text)

    # -- internals -------------------------------------------------------------------------------

    def _snapshot(self, message: str) -> str:
        self._git.ensure()
        self._git.add_all()
        tree = self._git.run("write-tree").decode().strip()
        if self._last is not None and self._last[0] == tree:
            return self._last[1]
        parent = ["-p", self._last[1]] if self._last is not None else []
        commit = self._git.run("commit-tree", tree, *parent, "-m", message).decode().strip()
        self._git.run("update-ref", self._ref, commit)
        self._last = (tree, commit)
        return commit

    def _end_turn(self) -> TurnChange | None:
        if self._open is None:
            return None
        number, label, before = self._open
        after = self._snapshot(f"after turn {number}: {label}")
        self._open = None
        changes = self._changes(before, after) if after != before else []
        if not changes:
            return None
        own, self._own = self._own, None
        self._call_before = None
        foreign = [path for _, path in changes if own is not None and path not in own]
        by_status: dict[str, list[str]] = {"M": [], "A": [], "D": []}
        for status, path in changes:
            if own is None or path in own:
                by_status["M" if status == "T" else status].append(path)
        if not any(by_status.values()):
            return None  # only others changed files: nothing of this session to undo
        change = TurnChange(
            number=number,
            label=label,
            before=before,
            after=after,
            modified=tuple(by_status["M"]),
            added=tuple(by_status["A"]),
            deleted=tuple(by_status["D"]),
            foreign=tuple(foreign),
        )
        self._turns.append(change)
        return change

    def _changes(self, old: str, new: str) -> list[tuple[str, str]]:
        """(status, path) per file that differs; status is A, D, M or T. Gitlinks are skipped."""
        out = self._git.run("diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", old, new)
        fields = out.split(b"\0")
        result: list[tuple[str, str]] = []
        for meta, raw_path in zip(fields[0::2], fields[1::2], strict=False):
            old_mode, new_mode, _, _, status = meta.decode("ascii")[1:].split(" ")
            if _GITLINK not in (old_mode, new_mode):
                result.append((status[0], os.fsdecode(raw_path)))
        return result

    def _obstacles(self, turn: TurnChange) -> list[str]:
        """Paths (not the turn's own) that would have to be destroyed to put back old files."""
        own = set(turn.added)
        blocked: set[str] = set()
        for rel in (*turn.modified, *turn.deleted):
            parts = rel.split("/")
            for i in range(1, len(parts)):
                ancestor = "/".join(parts[:i])
                full = self.root / ancestor
                if os.path.lexists(full) and not self._is_real_dir(full) and ancestor not in own:
                    blocked.add(ancestor)
            full = self.root / rel
            if self._is_real_dir(full):
                for dirpath, _dirs, files in os.walk(full):
                    for name in files:
                        inner = (Path(dirpath) / name).relative_to(self.root).as_posix()
                        if inner not in own:
                            blocked.add(inner)
        return sorted(blocked)

    @staticmethod
    def _is_real_dir(path: Path) -> bool:
        return path.is_dir() and not path.is_symlink()

    def _remove(self, rel: str) -> None:
        """Delete a file the turn created, then the folders that became empty because of it."""
        full = self.root / rel
        if full.is_symlink() or full.is_file():
            full.unlink()
        parent = full.parent
        while parent != self.root and self.root in parent.parents:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    @staticmethod
    def _undo_message(turn: TurnChange) -> str:
        parts = [
            f"{word} {_names(names)}"
            for names, word in (
                (turn.modified, "restored"),
                (turn.added, "deleted"),
                (turn.deleted, "recreated"),
            )
            if names
        ]
        text = f"Undid turn {turn.number} ({_short(turn.label)}): " + "; ".join(parts) + "."
        if turn.foreign:
            text += (
                f" Left alone, changed during the turn by something other than this session "
                f"(another infercode, an editor): {_names(turn.foreign)}."
            )
        return text

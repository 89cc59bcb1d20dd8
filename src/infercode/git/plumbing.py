"""Git plumbing for checkpoints: the private snapshot store and the user's own repository.

Two very different repositories are involved:

* the *private store*: a git directory under infercode's state dir, used with the workspace as its
  work tree. It is driven with plain ``subprocess`` because every call is on the hot path of a turn,
  needs a scrubbed environment (no ``GIT_*`` leaking in from the caller, no global or system
  config), NUL-separated path lists on stdin and raw bytes out; gitpython's ``Git.execute`` merges
  into ``os.environ`` and only takes stdin from a file.
* the *user's repository*: only read (``current_branch``, ``find_git_dir``) and, when asked,
  committed to (``commit_paths``, through gitpython with the user's own config).

Neither ever runs a hook, ``core.fsmonitor`` or an external diff: every call carries
``git_safety.SAFE_CONFIG`` and skips the system config, so a hook or config the model edited
cannot turn infercode's own git call into code execution.

Nothing here imports gitpython at module level: ``import git`` costs startup time.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from infercode.errors import InfercodeError
from infercode.git.safety import SAFE_CONFIG, SAFE_CONFIG_VALUES
from infercode.private_paths import private_dir, reason

if TYPE_CHECKING:
    from git import Repo

# The private store must snapshot bytes exactly as they are on disk, whatever the workspace's
# .gitattributes say: no end-of-line conversion, no clean/smudge filters (git-lfs), no ident or
# encoding rewriting. $GIT_DIR/info/attributes has the highest precedence, so this wins.
_ATTRIBUTES = "* -text !eol -filter -ident -working-tree-encoding\n"

_EMBEDDED_NO_COMMIT = re.compile(r"error: '(.+)/' does not have a commit checked out")
_LOCATION_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
_LOCK_RETRIES = 40
_LOCK_SLEEP_S = 0.05
#: Everything git writes into the store (objects, index, refs) is private to the user.
_UMASK = 0o077


class CheckpointError(InfercodeError):
    """A git command of the checkpoint store failed (git missing, corrupt store, I/O error)."""


def find_git_dir(root: Path) -> Path | None:
    """The git dir of the repository containing ``root`` (a ``.git`` folder or ``gitdir:`` file)."""
    for directory in (root, *root.parents):
        dot_git = directory / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            # Worktrees and submodules: ".git" is a file "gitdir: <path>", relative to its folder.
            try:
                text = dot_git.read_text(encoding="utf-8", errors="surrogateescape").strip()
            except OSError:
                return None
            if text.startswith("gitdir:"):
                return (directory / text[len("gitdir:") :].strip()).resolve()
            return None
    return None


def current_branch(root: Path) -> str | None:
    """Branch name for the status bar, read from HEAD without spawning git or importing gitpython.

    Returns ``None`` outside a repository and ``"(detached abc1234)"`` on a detached HEAD.
    """
    git_dir = find_git_dir(root)
    if git_dir is None:
        return None
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    if head.startswith("ref:"):
        ref = head[len("ref:") :].strip()
        return ref.removeprefix("refs/heads/")
    return f"(detached {head[:7]})" if head else None


def user_exclude_file(root: Path) -> Path | None:
    """The user's ``info/exclude`` (it lives in the common dir, shared by all worktrees)."""
    git_dir = find_git_dir(root)
    if git_dir is None:
        return None
    common = git_dir
    commondir_file = git_dir / "commondir"
    if commondir_file.is_file():
        with contextlib.suppress(OSError):
            common = (git_dir / commondir_file.read_text(encoding="utf-8").strip()).resolve()
    return common / "info" / "exclude"


def _config_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _exclude_pattern(rel_dir: str) -> str:
    """An anchored gitignore pattern matching exactly the directory ``rel_dir``."""
    escaped = re.sub(r"([\\*?\[\]!# ])", r"\\\1", rel_dir)
    return f"/{escaped}/\n"


class PrivateGit:
    """Runs git against the private store with the workspace as work tree.

    The store keeps its own index (the stat cache that makes ``add -A`` fast on a warm repository),
    its own object database and refs; it reads nothing from the user's repository except the
    ``info/exclude`` file, configured as ``core.excludesFile``.
    """

    def __init__(self, git_dir: Path, work_tree: Path) -> None:
        self.git_dir = git_dir
        self.work_tree = work_tree
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(
            GIT_DIR=str(git_dir),
            GIT_WORK_TREE=str(work_tree),
            GIT_INDEX_FILE=str(git_dir / "index"),
            # The user's global/system config must not change what a snapshot contains
            # (filters, autocrlf, fsmonitor hooks, excludes); everything we need is local.
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_LITERAL_PATHSPECS="1",
            GIT_TERMINAL_PROMPT="0",
            LC_ALL="C",
            LANGUAGE="C",
        )
        self._env = env
        self._ready = False

    def ensure(self) -> None:
        """Create the store on first use and (re)write its config; idempotent and cheap."""
        if self._ready:
            return
        if not (self.git_dir / "HEAD").is_file():
            try:  # the store holds copies of private files (.env): 0700 folders, 0600 files
                private_dir(self.git_dir.parent, tighten=True)
            except OSError as exc:
                raise CheckpointError(
                    f"cannot create the checkpoint store: {reason(exc)}"
                ) from None
            env = {k: v for k, v in self._env.items() if k not in _LOCATION_VARS}
            try:
                proc = subprocess.run(
                    ["git", *SAFE_CONFIG, "init", "--bare", "--quiet", str(self.git_dir)],
                    capture_output=True,
                    env=env,
                    check=False,
                    umask=_UMASK,
                )
            except FileNotFoundError as exc:
                raise CheckpointError("git is not installed or not on PATH") from exc
            if proc.returncode != 0:
                err = proc.stderr.decode("utf-8", "replace").strip()
                raise CheckpointError(f"cannot create checkpoint store {self.git_dir}: {err}")
        self._write_if_changed(self.git_dir / "config", self._config_text())
        self._write_if_changed(self.git_dir / "info" / "attributes", _ATTRIBUTES)
        self._write_if_changed(
            self.git_dir / "description", f"infercode checkpoints for {self.work_tree}\n"
        )
        # A state dir inside the workspace must not snapshot itself (nor our other stores).
        stores = self.git_dir.resolve().parent
        if self.work_tree in stores.parents:
            self._exclude([stores.relative_to(self.work_tree).as_posix()])
        self._ready = True

    def _config_text(self) -> str:
        posix = os.name != "nt"
        lines = [
            "[core]",
            "\trepositoryformatversion = 0",
            "\tbare = false",
            f"\tfilemode = {'true' if posix else 'false'}",
            f"\tsymlinks = {'true' if posix else 'false'}",
            # Snapshots are byte-exact copies; any conversion would corrupt undo.
            "\tautocrlf = false",
            "\tsafecrlf = false",
            "\tfsmonitor = false",
            "\tpreloadIndex = true",
            "\tlogAllRefUpdates = false",
            "\tquotePath = false",
        ]
        if posix:
            # A file literally named `.git\config` is an ordinary file here (an edit can create
            # one); git's NTFS guard would refuse to snapshot it and checkpoints would stop.
            lines.append("\tprotectNTFS = false")
        exclude = user_exclude_file(self.work_tree)
        if exclude is not None:
            lines.append(f"\texcludesFile = {_config_value(str(exclude))}")
        lines += [
            # Objects of earlier snapshots must never be pruned behind our back.
            "[gc]",
            "\tauto = 0",
            "[maintenance]",
            "\tauto = false",
            "[advice]",
            "\taddEmbeddedRepo = false",
            "[user]",
            "\tname = infercode",
            "\temail = infercode@localhost",
        ]
        return "\n".join(lines) + "\n"

    @staticmethod
    def _write_if_changed(path: Path, text: str) -> None:
        try:
            if path.read_text(encoding="utf-8") == text:
                return
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with os.fdopen(
            os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8"
        ) as fh:
            fh.write(text)
        os.replace(tmp, path)

    def _exec(self, args: Sequence[str], stdin: bytes | None) -> subprocess.CompletedProcess[bytes]:
        for _ in range(_LOCK_RETRIES):
            try:
                proc = subprocess.run(
                    # The store's config is rewritten only once per session; SAFE_CONFIG holds
                    # even if something changed it since (a workspace containing the state dir).
                    ["git", *SAFE_CONFIG, *args],
                    input=stdin,
                    capture_output=True,
                    env=self._env,
                    cwd=self.work_tree,
                    check=False,
                    umask=_UMASK,
                )
            except FileNotFoundError as exc:
                raise CheckpointError("git is not installed or not on PATH") from exc
            # Two infercode sessions in one workspace share the store; wait for the other.
            if proc.returncode == 0 or b"index.lock" not in proc.stderr:
                return proc
            time.sleep(_LOCK_SLEEP_S)
        return proc

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        """Run ``git args`` in the store and return stdout; raise ``CheckpointError`` on failure."""
        proc = self._exec(args, stdin)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise CheckpointError(f"git {args[0]} failed: {err or proc.returncode}")
        return proc.stdout

    def add_all(self) -> None:
        """``git add -A`` of the whole work tree into the store's index.

        A nested repository with commits becomes a gitlink (its files stay out of scope). One
        without a commit is an error for git; with ``--ignore-errors`` everything else is still
        staged, and the nested folder goes into the store's own info/exclude so later snapshots
        skip it quietly. Any other error (an unreadable file) fails the snapshot: a partial one
        could later make undo overwrite a file it never saw.
        """
        # The first snapshot of a workspace hashes every file. As loose objects that is one file
        # creation per blob (seconds for 10k files); above core.bigFileThreshold git streams blobs
        # into a single pack instead. Only then: each later add would leave another small pack.
        cold = [] if (self.git_dir / "index").exists() else ["-c", "core.bigFileThreshold=1"]
        proc = self._exec([*cold, "add", "-A", "--ignore-errors"], None)
        if proc.returncode == 0:
            return
        err = proc.stderr.decode("utf-8", "replace")
        nested = _EMBEDDED_NO_COMMIT.findall(err)
        other = [
            line
            for line in err.splitlines()
            if line.startswith(("error:", "fatal:"))
            and not _EMBEDDED_NO_COMMIT.search(line)
            and not line.startswith("fatal: adding files failed")
        ]
        if not nested or other:
            raise CheckpointError(f"git add failed: {err.strip() or proc.returncode}")
        self._exclude(nested)

    def _exclude(self, rel_dirs: Sequence[str]) -> None:
        """Add folders (relative to the work tree) to the store's own info/exclude, once each."""
        path = self.git_dir / "info" / "exclude"
        try:
            present = set(path.read_text(encoding="utf-8").splitlines(keepends=True))
        except OSError:
            present = set()
        new = [p for p in map(_exclude_pattern, rel_dirs) if p not in present]
        if new:
            path.parent.mkdir(parents=True, exist_ok=True)
            with os.fdopen(
                os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8"
            ) as fh:
                fh.writelines(new)


def _open_user_repo(root: Path) -> Repo | None:
    import git

    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def commit_paths(root: Path, paths: Sequence[str], message: str) -> str | None:
    """Commit exactly ``paths`` (relative to ``root``) into the user's repository.

    Other staged and unstaged changes of the user stay as they are (``git commit --only``). Paths
    the user's repository ignores, or that neither exist nor are known to it, are skipped. Returns
    the new commit's sha, or ``None`` outside a repository or when there is nothing to commit.
    The user's repository and global config apply (identity, excludes), but no hook runs (not
    even one the user installed: the model may have edited it) and no fsmonitor or system config.
    """
    import git

    repo = _open_user_repo(root)
    if repo is None:
        return None
    try:
        return _commit_paths(repo, root, paths, message)
    except git.GitCommandError as exc:
        cmd = exc.command if isinstance(exc.command, str) else " ".join(map(str, exc.command[:2]))
        raise CheckpointError(f"{cmd} failed: {str(exc.stderr).strip()}") from exc
    finally:
        repo.close()


def _commit_paths(repo: Repo, root: Path, paths: Sequence[str], message: str) -> str | None:
    import git

    if repo.working_tree_dir is None:
        return None
    top = Path(repo.working_tree_dir).resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    full = [p if prefix == "." else f"{prefix}/{p}" for p in paths]
    g = repo.git
    g.update_environment(
        GIT_LITERAL_PATHSPECS="1", GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1"
    )
    g.set_persistent_git_options(c=list(SAFE_CONFIG_VALUES))
    # Only git commands, no gitpython object access: that would leave cat-file processes behind.
    try:
        g.rev_parse("--verify", "--quiet", "HEAD")
        has_head = True
    except git.GitCommandError:
        has_head = False
    known = set(g.ls_files("-z", "--", *full).split("\0"))
    if has_head:
        known |= set(g.ls_tree("-r", "-z", "--name-only", "HEAD", "--", *full).split("\0"))
    # `git add` fails on a path that neither exists nor is known, or that the user ignores.
    candidates = [p for p in full if p in known or os.path.lexists(top / p)]
    if candidates:
        listing = g.ls_files("-z", "--others", "--ignored", "--exclude-standard", "--", *candidates)
        ignored = set(listing.split("\0"))
        candidates = [p for p in candidates if p not in ignored]
    if not candidates:
        return None
    g.add("-A", "--", *candidates)
    if has_head and not g.diff(
        "--cached", "--no-ext-diff", "--no-textconv", "--name-only", "HEAD", "--", *candidates
    ):
        return None
    g.commit(
        "--only", "--no-verify", "--quiet", "--cleanup=whitespace", "-m", message, "--", *candidates
    )
    return str(g.rev_parse("HEAD")).strip()

"""The sandbox a session's shell commands run in: policy in, argv/env/preexec out.

One ``Sandbox`` per session. It detects the mechanism once (on first use), makes the private
temp dir once, and for each command computes the writable roots and protected paths afresh
(a ``.git`` may appear mid-session) and wraps the command for the mechanism.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from infercode.sandbox.detect import Detected, detect
from infercode.sandbox.explain import blocked_writes, network_refused
from infercode.sandbox.policy import (
    WRITABLE_DEVICES,
    CommandPaths,
    Mode,
    SandboxPolicy,
    is_within,
    paths_for,
)

TMP_PREFIX = "infercode-sandbox-"
NAMES = {
    "bwrap": "bubblewrap",
    "landlock": "Landlock",
    "seatbelt": "sandbox-exec",
    "none": "no mechanism",
}


@dataclass
class Launch:
    """How to start one command: its argv, environment additions, and (Landlock) the function
    the child runs before exec. ``close`` releases what the parent held for it."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    preexec_fn: Callable[[], None] | None = None
    paths: CommandPaths | None = None
    close: Callable[[], None] = lambda: None


class Sandbox:
    def __init__(
        self,
        policy: SandboxPolicy,
        *,
        detected: Detected | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.policy = policy
        self._detected = detected
        self._environ = environ
        self._tmpdir: Path | None = None
        self._probe: threading.Thread | None = None
        self._hooks_dir: Path | None = None
        self.consented = False
        """The user agreed to run commands unconfined because no mechanism works."""

    # -- state ------------------------------------------------------------------------------

    @property
    def detected(self) -> Detected:
        if self._probe is not None:
            self._probe.join()
            self._probe = None
            if self._hooks_dir is not None:  # applied here, on the caller's thread
                self.policy = replace(self.policy, hooks_dir=self._hooks_dir)
        if self._detected is None:
            self._detected = detect(self._environ)
        return self._detected

    def detect_in_background(self, find_hooks: bool = False) -> None:
        """Start the probe (a trivial bwrap run, 5-30 ms) while the caller sets up the rest;
        ``find_hooks``: also read ``core.hooksPath`` (a git call) for the policy meanwhile."""
        if self._detected is None and self._probe is None and self.active:

            def run() -> None:
                if find_hooks:
                    from infercode.sandbox.policy import hooks_path

                    self._hooks_dir = hooks_path(self.policy.workspace)
                self._detected = detect(self._environ)

            self._probe = threading.Thread(target=run, name="sandbox-probe", daemon=True)
            self._probe.start()

    @property
    def mechanism(self) -> str:
        return self.detected.mechanism

    @property
    def active(self) -> bool:
        return self.policy.mode != "off"

    @property
    def unavailable(self) -> bool:
        """Commands should be confined, but nothing here can confine them."""
        return self.active and self.mechanism == "none"

    def set_mode(self, mode: Mode) -> None:
        self.policy = replace(self.policy, mode=mode)

    def set_network(self, network: bool) -> None:
        self.policy = replace(self.policy, network=network)

    def tmpdir(self) -> Path:
        """This session's private temp dir (``TMPDIR`` of every command); stale ones of ended
        sessions are removed when the next is made (infercode exits without tearing down)."""
        if self._tmpdir is None:
            import tempfile

            _sweep(Path(tempfile.gettempdir()))
            made = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-")
            self._tmpdir = Path(made).resolve()
        return self._tmpdir

    # -- running ----------------------------------------------------------------------------

    def launch(self, argv: Sequence[str], cwd: Path) -> Launch:
        """``argv`` wrapped for the mechanism (unwrapped when off, or consented-unconfined)."""
        if not self.active or self.mechanism == "none":
            return Launch(list(argv))
        tmp = self.tmpdir()
        paths = paths_for(self.policy, tmp)
        env = {"TMPDIR": str(tmp)}
        network = self.policy.network
        detected = self.detected
        if detected.mechanism == "bwrap":
            from infercode.sandbox.bwrap import bwrap_argv

            wrapped = bwrap_argv(
                detected.program or "bwrap",
                argv,
                cwd=cwd,
                writable=paths.writable,
                protected=paths.protected,
                network=network,
            )
            return Launch(wrapped, env, paths=paths)
        if detected.mechanism == "seatbelt":
            from infercode.sandbox.seatbelt import profile, seatbelt_argv

            text = profile(
                writable=paths.writable,
                protected=paths.protected,
                devices=WRITABLE_DEVICES,
                network=network,
            )
            return Launch(seatbelt_argv(argv, text), env, paths=paths)
        from infercode.sandbox.landlock import build_ruleset, restrictor

        fd = build_ruleset(
            paths.writable,
            paths.protected,
            WRITABLE_DEVICES,
            network=network,
            abi=detected.landlock_abi,
        )
        return Launch(
            list(argv), env, preexec_fn=restrictor(fd), paths=paths, close=lambda: os.close(fd)
        )

    def notes(self, output: str, cwd: Path, paths: CommandPaths | None) -> list[str]:
        """What the sandbox refused, in words for the model (empty when it refused nothing)."""
        if paths is None:
            return []
        notes: list[str] = []
        for path in blocked_writes(
            output,
            cwd=cwd,
            writable=paths.writable,
            protected=paths.protected,
            closed=self._closed_dirs(paths),
        ):
            notes.append(f"blocked by the sandbox: write to {path} ({self._why(path, paths)})")
        if not self.policy.network and network_refused(output):
            notes.append(
                "network is off in the sandbox: connections (loopback included) are refused"
            )
        return notes

    def _closed_dirs(self, paths: CommandPaths) -> list[Path]:
        """Landlock: the directories from each writable root down to a protected path, which
        get no rule of their own (see ``landlock``)."""
        if self.mechanism != "landlock":
            return []
        closed: list[Path] = []
        for protected in paths.protected:
            for root in paths.writable:
                if root not in protected.parents:
                    continue
                parent = protected.parent
                while parent != root.parent and parent not in closed:
                    closed.append(parent)
                    parent = parent.parent
        return closed

    def _why(self, path: Path, paths: CommandPaths) -> str:
        if any(is_within(path, p) for p in paths.protected):
            return "git dirs, hooks and infercode's own files stay read-only in the workspace"
        if self.policy.mode == "read-only":
            return f"the sandbox is read-only; only $TMPDIR ({self.tmpdir()}) is writable"
        if path.parent in self._closed_dirs(paths):
            return (
                f"with Landlock, entries directly in {path.parent} cannot be created or removed "
                "(that would open its .git too); use a subdirectory"
            )
        return f"writable are the workspace, $TMPDIR ({self.tmpdir()}) and sandbox_writable paths"

    # -- words for people ---------------------------------------------------------------------

    def summary(self) -> str:
        """``workspace-write (bubblewrap), network off``."""
        if not self.active:
            return "off (commands run unconfined)"
        network = "network on" if self.policy.network else "network off"
        return f"{self.policy.mode} ({NAMES[self.mechanism]}), {network}"

    def warning(self) -> str | None:
        """The one-time start warning when commands should be confined but cannot be."""
        if not self.unavailable:
            return None
        why = "; ".join(self.detected.reasons) or "no mechanism found"
        return (
            f"warning: no sandbox works here ({why}): shell commands would run unconfined. "
            "infercode asks before the first one (headless runs refuse them unless started "
            "with --sandbox off)."
        )

    def describe(self) -> list[str]:
        lines = [f"sandbox: {self.summary()}"]
        if not self.active or self.mechanism == "none":
            return lines
        paths = paths_for(self.policy, self.tmpdir())
        lines.append("writable: " + ", ".join(str(p) for p in paths.writable))
        if paths.protected:
            lines.append("read-only inside: " + ", ".join(str(p) for p in paths.protected))
        if self.mechanism == "landlock":
            lines.append(
                f"Landlock ABI {self.detected.landlock_abi}: no PID namespace; "
                + (
                    "TCP refused, UDP not covered"
                    if self.detected.landlock_abi >= 4
                    else "network not confined by this kernel"
                )
            )
        return lines


def _sweep(directory: Path) -> None:
    """Remove our temp dirs whose session (the pid in their name) has ended."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            if not entry.name.startswith(TMP_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            pid_text = entry.name[len(TMP_PREFIX) :].split("-", 1)[0]
            if not pid_text.isdigit() or entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            try:
                os.kill(int(pid_text), 0)
            except ProcessLookupError:
                import shutil

                shutil.rmtree(entry.path, ignore_errors=True)
            except OSError:
                pass

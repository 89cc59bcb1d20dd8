"""The session's sandbox, from settings: the one place that knows both ``Settings`` and the
``sandbox`` package (which imports nothing of infercode)."""

from __future__ import annotations

import os
from pathlib import Path

from infercode.config.settings import Settings
from infercode.sandbox import Mode, Sandbox, SandboxPolicy


def make_sandbox(settings: Settings, root: Path) -> Sandbox:
    """Writable: the workspace (workspace-write), the private temp dir and ``sandbox_writable``;
    read-only inside them: git dirs, the hooks dir, infercode's state and config dirs."""
    from infercode.config.paths import config_dir, state_dir

    mode: Mode = "workspace-write"
    for known in ("workspace-write", "read-only", "off"):
        if settings.sandbox == known:
            mode = known
    writable = tuple(root / os.path.expanduser(path) for path in settings.sandbox_writable)
    policy = SandboxPolicy(
        workspace=root,
        mode=mode,
        network=settings.sandbox_network,
        writable=writable,
        protected=(state_dir(), config_dir()),
    )
    sandbox = Sandbox(policy)
    sandbox.detect_in_background(find_hooks=(root / ".git").exists())
    return sandbox

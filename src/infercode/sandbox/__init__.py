"""Running shell commands confined: bubblewrap or Landlock on Linux, sandbox-exec on macOS.

Nothing here imports the rest of infercode: a policy goes in, an argv (plus environment and,
for Landlock, a function the child runs before exec) comes out.
"""

from __future__ import annotations

from infercode.sandbox.detect import FORCE_ENV, Detected, Mechanism
from infercode.sandbox.policy import MODES, CommandPaths, Mode, SandboxPolicy
from infercode.sandbox.runner import Launch, Sandbox

__all__ = [
    "FORCE_ENV",
    "MODES",
    "CommandPaths",
    "Detected",
    "Launch",
    "Mechanism",
    "Mode",
    "Sandbox",
    "SandboxPolicy",
]

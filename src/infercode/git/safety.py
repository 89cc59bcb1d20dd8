"""How infercode runs git itself: never running code that a file in the workspace configures.

Hooks, ``core.fsmonitor`` and external diff/textconv programs are commands git runs on its own.
When infercode runs git (checkpoints, ``--auto-commit``, finding the git dir), a model that edited
a hook or a config file must not get that code run by infercode. Command-line ``-c`` settings beat
every config file, so these are passed on every call; system config is not read at all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

#: ``-c`` options for every git command infercode runs. ``core.hooksPath`` pointing at the null
#: device means no hook can be found (pre-commit, post-commit, reference-transaction, ...).
SAFE_CONFIG: tuple[str, ...] = (
    "-c",
    f"core.hooksPath={os.devnull}",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.untrackedCache=false",
)
# diff.external cannot be unset with -c (an empty value is run as a program): porcelain diffs
# infercode runs pass --no-ext-diff --no-textconv instead; plumbing (diff-tree) never uses them.

#: ``-c`` options in the keyword form gitpython's ``set_persistent_git_options(c=...)`` takes.
SAFE_CONFIG_VALUES: tuple[str, ...] = tuple(SAFE_CONFIG[1::2])


def safe_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) without system git config."""
    env = dict(os.environ if base is None else base)
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env

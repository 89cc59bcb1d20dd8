"""``[[hooks.PreToolUse]]`` tables in the user's config.toml and a project's .infercode/config.toml.

The user's hooks are the user's own; a project's run code the repository brought, so they run
only once the user trusted them (``cli/hooks_setup.py``, the trust store keyed by their hash).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from infercode.config.file import read_config
from infercode.engine.hooks import HOOK_EVENTS
from infercode.errors import ConfigError

PROJECT_CONFIG = Path(".infercode") / "config.toml"
DEFAULT_TIMEOUT_S = 60.0
_KEYS = {"matcher", "command", "timeout_s"}


@dataclass(frozen=True)
class HookSpec:
    event: str
    command: str
    matcher: str | None = None
    """A regular expression the whole tool name must match; None or ``*``: every tool."""
    timeout_s: float = DEFAULT_TIMEOUT_S
    source: str = "user"

    def matches(self, tool_name: str | None) -> bool:
        if tool_name is None or self.matcher in (None, "", "*"):
            return True
        return re.fullmatch(self.matcher or "", tool_name) is not None


def parse_hooks(table: Any, path: Path, source: str) -> list[HookSpec]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: hooks: expected tables like [[hooks.PreToolUse]]")
    specs: list[HookSpec] = []
    for event, entries in table.items():
        if event not in HOOK_EVENTS:
            raise ConfigError(
                f"{path}: hooks.{event}: unknown event (use one of {', '.join(HOOK_EVENTS)})"
            )
        if not isinstance(entries, list):
            raise ConfigError(f"{path}: hooks.{event}: write it as [[hooks.{event}]]")
        for entry in entries:
            where = f"{path}: hooks.{event}"
            if not isinstance(entry, dict) or set(entry) - _KEYS:
                raise ConfigError(f"{where}: keys are {', '.join(sorted(_KEYS))}")
            command, matcher = entry.get("command"), entry.get("matcher")
            timeout = entry.get("timeout_s", DEFAULT_TIMEOUT_S)
            if not isinstance(command, str) or not command.strip():
                raise ConfigError(f'{where}: command = "..." is required')
            if matcher is not None:
                if not isinstance(matcher, str):
                    raise ConfigError(f"{where}: matcher must be a string")
                try:
                    re.compile(matcher)
                except re.error as error:
                    raise ConfigError(f"{where}: matcher {matcher!r}: {error}") from None
            if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
                raise ConfigError(f"{where}: timeout_s must be a positive number")
            specs.append(HookSpec(event, command, matcher, float(timeout), source))
    return specs


def read_hooks(path: Path, source: str) -> list[HookSpec]:
    """The hooks of one config file ([] when it does not exist or has none)."""
    data = read_config(path)
    return parse_hooks(data.get("hooks", {}), path, source)


def digest_text(specs: list[HookSpec]) -> str:
    """What the trust hash covers: every field of every hook, in order."""
    return json.dumps([asdict(spec) for spec in specs], sort_keys=True)

"""The environment of every process infercode starts for the model (the shell tool today; hooks
and MCP servers use the same builder).

Such a process runs commands the model chose, and the model may be steered by a file it read:
it must not find the API key in its environment. ``ChildEnv`` removes every variable that names
the key (``INFERCOM_API_KEY``, the profile's ``api_key_env``) and, whatever its name, every
variable whose value contains the key in use (``OPENAI_API_KEY`` when that is the key, a copy in
``MY_TOKEN``...). The key may still reach a tool another way (a ``.env`` file it reads);
``infercode.redact`` masks it in the tool's output then.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from infercode.config.settings import Settings
from infercode.redact import MIN_SECRET

#: Names that hold an Infercom key whatever the active profile says.
KEY_NAMES = frozenset({"INFERCOM_API_KEY"})


@dataclass(frozen=True)
class ChildEnv:
    """What to keep out of a child's environment: variable names and secret values."""

    hidden_names: frozenset[str] = KEY_NAMES
    secrets: tuple[str, ...] = ()

    @classmethod
    def for_settings(cls, settings: Settings) -> ChildEnv:
        names = set(KEY_NAMES)
        if settings.api_key_env:
            names.add(settings.api_key_env)
        secrets = (settings.api_key,) if settings.api_key else ()
        return cls(frozenset(names), secrets)

    def hides(self, name: str, value: str) -> bool:
        if name in self.hidden_names:
            return True
        return any(len(s) >= MIN_SECRET and s in value for s in self.secrets)

    def build(
        self, extra: Mapping[str, str] | None = None, base: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """``base`` (this process's environment) without the hidden variables, plus ``extra``."""
        source = os.environ if base is None else base
        env = {name: value for name, value in source.items() if not self.hides(name, value)}
        env.update(extra or {})
        return env

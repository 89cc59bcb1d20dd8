"""One settings object, merged: defaults < config file < environment < command-line flags."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from infercode.errors import ConfigError

if TYPE_CHECKING:
    from infercode.config.mcp import McpServer

DEFAULT_BASE_URL = "https://api.infercom.ai/v1"
DEFAULT_MODEL = "MiniMax-M2.5"
APPROVAL_KINDS = ("read", "edit", "shell")
REASONING_EFFORTS = ("low", "medium", "high")

#: Context windows (tokens) of the models we know; others fall back to ``default_context_window``.
KNOWN_CONTEXT_WINDOWS: dict[str, int] = {
    "MiniMax-M2.5": 160_000,
    "MiniMax-M2.7": 192_000,
    "gpt-oss-120b": 128_000,
}


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    """Model name sent in every request (``--model``, ``INFERCOM_MODEL``)."""

    base_url: str = DEFAULT_BASE_URL
    """Responses API base URL, ending in ``/v1`` (``--base-url``, ``INFERCOM_BASE_URL``)."""

    api_key: str | None = field(default=None, repr=False)
    """API key (``INFERCOM_API_KEY``). Never written to session files or logs."""

    reasoning_effort: str | None = None
    """``reasoning.effort`` to send (low, medium, high), or None to let the server decide."""

    include_encrypted_reasoning: bool | None = None
    """Ask for ``reasoning.encrypted_content``. None: only for api.openai.com."""

    max_turns: int = 50
    """Model requests allowed in one user turn before infercode stops and says so."""

    allow: frozenset[str] = frozenset()
    """Tool kinds approved in advance (``--allow read,edit,shell``)."""

    allow_shell_prefixes: tuple[str, ...] = ()
    """Shell commands approved in advance by program and subcommand (``pytest``, ``git status``)."""

    yes: bool = False
    """Approve every tool call (``--yes``)."""

    shell_timeout_s: int = 120
    """Default timeout for a shell command; the model may ask for up to ``shell_max_timeout_s``."""

    shell_max_timeout_s: int = 600
    """Longest timeout a shell call may ask for."""

    tool_output_limit: int = 30_000
    """Characters of one tool result kept in history; the middle of longer output is cut."""

    tool_output_limits: Mapping[str, int] = field(default_factory=dict)
    """Per-tool overrides of ``tool_output_limit``, by tool name (``shell = 50000``)."""

    compact_threshold: float = 0.85
    """Share of the context window a request may fill before the history is compacted."""

    api_key_env: str = "INFERCOM_API_KEY"
    """Environment variable the API key was read from (a profile may name another one)."""

    profile: str | None = None
    """Name of the config-file profile in use (``--profile``), if any."""

    context_windows: Mapping[str, int] = field(default_factory=lambda: dict(KNOWN_CONTEXT_WINDOWS))
    """Context window per model name, in tokens."""

    default_context_window: int = 128_000
    """Context window assumed for a model not listed in ``context_windows``."""

    request_timeout_s: float = 600.0
    """Seconds to wait for the server (connect and between stream chunks)."""

    auto_commit: bool = False
    """After each turn that changed files, commit exactly those files (``--auto-commit``)."""

    max_retries: int = 2
    """Retries of a request that failed before its body streamed (429, 5xx, connection)."""

    mcp_servers: Mapping[str, McpServer] = field(default_factory=dict)
    """MCP servers from ``[mcp_servers.NAME]``, whose tools the model may call."""

    allow_mcp: tuple[str, ...] = ()
    """MCP tools approved in advance, as ``server.tool`` or ``server.*`` (``allow_mcp``)."""

    def context_window(self) -> int:
        return self.context_windows.get(self.model, self.default_context_window)

    def output_limit(self, tool: str) -> int:
        return self.tool_output_limits.get(tool, self.tool_output_limit)

    def wants_encrypted_reasoning(self) -> bool:
        if self.include_encrypted_reasoning is not None:
            return self.include_encrypted_reasoning
        return urlsplit(self.base_url).hostname == "api.openai.com"

    def is_local_endpoint(self) -> bool:
        """Loopback servers (tests, local vLLM/Ollama) need no key."""
        host = urlsplit(self.base_url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with the given fields replaced; None values mean "not given" and are skipped."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **given)  # type: ignore[arg-type]


def parse_allow(value: str) -> frozenset[str]:
    """``read,edit`` -> {"read", "edit"}; an unknown kind is a ConfigError naming the allowed."""
    kinds = frozenset(k.strip() for k in value.split(",") if k.strip())
    bad = kinds - set(APPROVAL_KINDS)
    if bad:
        raise ConfigError(
            f"--allow: unknown kind {', '.join(sorted(bad))!s}; use a comma-separated list of "
            f"{', '.join(APPROVAL_KINDS)}"
        )
    return kinds


def from_env(base: Settings, environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    timeout = env.get("INFERCODE_REQUEST_TIMEOUT_S")
    encrypted = env.get("INFERCODE_INCLUDE_ENCRYPTED_REASONING")
    try:
        request_timeout_s = float(timeout) if timeout else None
    except ValueError:
        raise ConfigError(
            f"INFERCODE_REQUEST_TIMEOUT_S={timeout!r}: expected a number of seconds"
        ) from None
    return base.with_overrides(
        model=env.get("INFERCOM_MODEL") or None,
        base_url=env.get("INFERCOM_BASE_URL") or None,
        api_key=env.get("INFERCOM_API_KEY") or None,
        request_timeout_s=request_timeout_s,
        include_encrypted_reasoning=(encrypted not in ("0", "false", "no")) if encrypted else None,
    )


def check_key(settings: Settings) -> None:
    """A remote endpoint without a key is a configuration error with the fix in it."""
    if settings.api_key or settings.is_local_endpoint():
        return
    raise ConfigError(
        f"no API key for {settings.base_url}: set {settings.api_key_env} "
        f"(export {settings.api_key_env}=sk-...), or point --base-url at a local server"
    )

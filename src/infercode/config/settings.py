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
#: ``--sandbox`` values (the same as ``infercode.sandbox.MODES``; a test keeps them equal).
SANDBOX_MODES = ("workspace-write", "read-only", "off")
#: The approval modes (engine/modes.py decides what each allows).
APPROVAL_MODES = ("ask", "auto-edit", "plan", "full")

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
    """Shell commands approved in advance, as word prefixes (``git status``, ``npm run test``)."""

    deny_shell_prefixes: tuple[str, ...] = ()
    """Shell commands refused without asking (``git push``), also under ``--yes``."""

    yes: bool = False
    """Approve every tool call (``--yes``)."""

    approval_mode: str = "ask"
    """``ask``, ``auto-edit``, ``plan`` (read-only) or ``full`` (``--approval-mode``)."""

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
    """Seconds to wait for the server to connect, accept the request and answer it."""

    stream_idle_timeout_s: float = 120.0
    """A stream with no data for this long (keep-alive comments do not count) is a stall."""

    request_deadline_s: float = 1800.0
    """Longest time one model request may take, retries included."""

    stream_max_retries: int = 4
    """Retries of a failed model request (429, 5xx, dropped or stalled stream, overload)."""

    retry_base_delay_s: float = 1.0
    """First wait before a retry; each later one doubles, with jitter (``Retry-After`` wins)."""

    notify: bool = True
    """Ring the terminal (OSC 9 where supported) when a long turn ends or an approval waits."""

    notify_after_s: float = 10.0
    """A turn that took at least this long notifies when it ends (see ``notify``)."""

    auto_commit: bool = False
    """After each turn that changed files, commit exactly those files (``--auto-commit``)."""

    sandbox: str = "workspace-write"
    """Where shell commands may write: workspace-write, read-only or off (``--sandbox``)."""

    sandbox_network: bool = False
    """Let sandboxed shell commands use the network (``--sandbox-network``)."""

    sandbox_writable: tuple[str, ...] = ()
    """More paths sandboxed commands may write (a cache dir); relative ones are in the workspace."""

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


def parse_sandbox(value: str) -> str:
    if value not in SANDBOX_MODES:
        raise ConfigError(f"--sandbox {value}: use one of {', '.join(SANDBOX_MODES)}")
    return value


def parse_approval_mode(value: str) -> str:
    if value not in APPROVAL_MODES:
        raise ConfigError(f"--approval-mode {value}: use one of {', '.join(APPROVAL_MODES)}")
    return value


def from_env(base: Settings, environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    encrypted = env.get("INFERCODE_INCLUDE_ENCRYPTED_REASONING")
    return base.with_overrides(
        model=env.get("INFERCOM_MODEL") or None,
        base_url=env.get("INFERCOM_BASE_URL") or None,
        api_key=env.get("INFERCOM_API_KEY") or None,
        request_timeout_s=_env_number(env, "INFERCODE_REQUEST_TIMEOUT_S"),
        stream_idle_timeout_s=_env_number(env, "INFERCODE_STREAM_IDLE_TIMEOUT_S"),
        request_deadline_s=_env_number(env, "INFERCODE_REQUEST_DEADLINE_S"),
        retry_base_delay_s=_env_number(env, "INFERCODE_RETRY_BASE_DELAY_S"),
        stream_max_retries=_env_count(env, "INFERCODE_STREAM_MAX_RETRIES"),
        include_encrypted_reasoning=(encrypted not in ("0", "false", "no")) if encrypted else None,
    )


def _env_number(env: Mapping[str, str], name: str) -> float | None:
    value = env.get(name)
    try:
        number = float(value) if value else None
    except ValueError:
        number = -1.0
    if number is not None and not 0 <= number < float("inf"):
        raise ConfigError(f"{name}={value!r}: expected a number of seconds")
    return number


def _env_count(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name)
    if not value:
        return None
    if not value.isdigit():
        raise ConfigError(f"{name}={value!r}: expected a whole number (0 or more)")
    return int(value)


def check_key(settings: Settings) -> None:
    """A remote endpoint without a key is a configuration error with the fix in it."""
    if settings.api_key or settings.is_local_endpoint():
        return
    from infercode.url_secrets import masked_url

    raise ConfigError(
        f"no API key for {masked_url(settings.base_url)}: set {settings.api_key_env} "
        f"(export {settings.api_key_env}=sk-...), or point --base-url at a local server"
    )

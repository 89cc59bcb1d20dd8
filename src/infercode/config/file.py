"""The TOML config file: where it is, what it may say, and how it merges into ``Settings``.

Precedence: defaults < config file < environment < ``--profile`` < flags. A profile is picked on
the command line, so its values beat the environment: ``--profile openai`` with
``INFERCOM_MODEL`` set must not send a MiniMax model name to OpenAI.

Every value is checked here; a bad one is a ``ConfigError`` of one line naming the file, the key
and what is allowed, which the CLI prints before exiting with status 2.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from infercode.config.paths import config_path
from infercode.config.settings import (
    APPROVAL_KINDS,
    APPROVAL_MODES,
    REASONING_EFFORTS,
    SANDBOX_MODES,
    Settings,
    from_env,
)
from infercode.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

DEFAULT_KEY_ENV = "INFERCOM_API_KEY"


class _Bad(Exception):
    """A value of the wrong shape; the message says what is allowed."""


Parser = Callable[[object], object]


def _integer(minimum: int) -> Parser:
    def parse(value: object) -> object:
        # TOML booleans are Python ints: `max_turns = true` must not mean 1.
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _Bad(f"a whole number of at least {minimum}")
        return value

    return parse


def _number(low: float, high: float) -> Parser:
    def parse(value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Bad(f"a number greater than {low} and at most {high}")
        if not low < value <= high:
            raise _Bad(f"a number greater than {low} and at most {high}")
        return float(value)

    return parse


def _text(value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        raise _Bad("a non-empty string")
    return value


def _env_name(value: object) -> object:
    if not isinstance(value, str) or (value and not value.replace("_", "a").isalnum()):
        raise _Bad('an environment variable name like "OPENAI_API_KEY" (or "" for no key)')
    return value


def _url(value: object) -> object:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise _Bad('an http:// or https:// URL, e.g. "https://api.infercom.ai/v1"')
    return value.rstrip("/")


def _effort(value: object) -> object:
    if value not in REASONING_EFFORTS:
        raise _Bad(f"one of {', '.join(REASONING_EFFORTS)}")
    return value


def _boolean(value: object) -> object:
    if not isinstance(value, bool):
        raise _Bad("true or false")
    return value


def _kinds(value: object) -> object:
    if not isinstance(value, list) or any(k not in APPROVAL_KINDS for k in value):
        raise _Bad(f"a list of {', '.join(repr(k) for k in APPROVAL_KINDS)}")
    return frozenset(value)


def _prefixes(example: str, *, allow: bool) -> Parser:
    """A list of shell rules, each a prefix of words, kept as ``shell.rules.rule_text``."""

    def parse(value: object) -> object:
        from infercode.shell.rules import rule_problem, rule_text, rule_words

        if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
            raise _Bad(f"a list of command prefixes, e.g. {example}")
        rules = []
        for text in value:
            words = rule_words(text)
            if not words:
                raise _Bad(f"command prefixes that split into words ({text!r} does not)")
            problem = rule_problem(words) if allow else None
            if problem:
                raise _Bad(f"command prefixes; {problem}")
            rules.append(rule_text(words))
        return tuple(rules)

    return parse


def _approval_mode(value: object) -> object:
    if value not in APPROVAL_MODES:
        raise _Bad(f"one of {', '.join(APPROVAL_MODES)}")
    return value


def _sandbox(value: object) -> object:
    if value not in SANDBOX_MODES:
        raise _Bad(f"one of {', '.join(repr(m) for m in SANDBOX_MODES)}")
    return value


def _paths(value: object) -> object:
    if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        raise _Bad('a list of paths, e.g. ["~/.cache/pip"]')
    return tuple(value)


def _mcp_patterns(value: object) -> object:
    from infercode.config.mcp import parse_patterns

    try:
        return parse_patterns(value)
    except ValueError as error:
        raise _Bad(str(error)) from None


def _int_table(what: str, minimum: int) -> Parser:
    def parse(value: object) -> object:
        ok = isinstance(value, dict) and all(
            isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in value.values()
        )
        if not ok:
            raise _Bad(f"a table of {what} = whole number (at least {minimum})")
        assert isinstance(value, dict)
        return dict(value)

    return parse


#: TOML key -> (Settings field, parser). Profiles accept the same keys.
KEYS: dict[str, tuple[str, Parser]] = {
    "model": ("model", _text),
    "base_url": ("base_url", _url),
    "api_key_env": ("api_key_env", _env_name),
    "reasoning_effort": ("reasoning_effort", _effort),
    "include_encrypted_reasoning": ("include_encrypted_reasoning", _boolean),
    "allow": ("allow", _kinds),
    "allow_shell": (
        "allow_shell_prefixes",
        _prefixes('["git status", "npm run test"]', allow=True),
    ),
    "deny_shell": ("deny_shell_prefixes", _prefixes('["git push", "rm -rf"]', allow=False)),
    "approval_mode": ("approval_mode", _approval_mode),
    "max_turns": ("max_turns", _integer(1)),
    "shell_timeout_s": ("shell_timeout_s", _integer(1)),
    "shell_max_timeout_s": ("shell_max_timeout_s", _integer(1)),
    "tool_output_limit": ("tool_output_limit", _integer(1000)),
    "tool_output_limits": ("tool_output_limits", _int_table("tool name", 1000)),
    "compact_threshold": ("compact_threshold", _number(0.0, 1.0)),
    "context_windows": ("context_windows", _int_table('"model name"', 1000)),
    "default_context_window": ("default_context_window", _integer(1000)),
    "request_timeout_s": ("request_timeout_s", _number(0.0, 86400.0)),
    "sandbox": ("sandbox", _sandbox),
    "sandbox_network": ("sandbox_network", _boolean),
    "sandbox_writable": ("sandbox_writable", _paths),
    "stream_idle_timeout_s": ("stream_idle_timeout_s", _number(0.1, 86400.0)),
    "request_deadline_s": ("request_deadline_s", _number(1.0, 604800.0)),
    "stream_max_retries": ("stream_max_retries", _integer(0)),
    "max_retries": ("stream_max_retries", _integer(0)),  # the older name of the same budget
    "retry_base_delay_s": ("retry_base_delay_s", _number(0.0, 600.0)),
    "allow_mcp": ("allow_mcp", _mcp_patterns),
    "notify": ("notify", _boolean),
    "notify_after_s": ("notify_after_s", _number(0.0, 86400.0)),
}
#: Tables merged into the defaults instead of replacing them.
MERGED = ("context_windows", "tool_output_limits", "mcp_servers")


def read_config(path: Path) -> dict[str, Any]:
    """The parsed file, ``{}`` when there is none; bad TOML is a one-line ConfigError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ConfigError(f"{path}: cannot read it ({error.strerror})") from None
    try:
        parsed: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    return parsed


def parse_table(table: Mapping[str, Any], path: Path, prefix: str = "") -> dict[str, object]:
    """Settings overrides from one table (the top level or a profile), every value checked."""
    out: dict[str, object] = {}
    for key, value in table.items():
        if key == "mcp_servers":  # nested tables: errors name the server and its key
            from infercode.config.mcp import parse_servers

            out["mcp_servers"] = parse_servers(value, path, prefix)
            continue
        if key == "hooks" and not prefix:  # read and checked by infercode.hooks.config
            continue
        if key not in KEYS:
            raise ConfigError(f"{path}: unknown key '{prefix}{key}'{_suggestion(key)}")
        field_name, parse = KEYS[key]
        try:
            out[field_name] = parse(value)
        except _Bad as bad:
            shown = json.dumps(value, default=str)
            raise ConfigError(f"{path}: {prefix}{key} = {shown}: expected {bad}") from None
    return out


def _suggestion(key: str) -> str:
    close = difflib.get_close_matches(key, [*KEYS, "profiles", "mcp_servers"], n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f"; known keys: {', '.join(KEYS)}, [profiles.NAME]"


def _apply(settings: Settings, overrides: dict[str, object]) -> Settings:
    for name in MERGED:
        if name in overrides:
            table = overrides[name]
            assert isinstance(table, dict)
            overrides[name] = {**getattr(settings, name), **table}
    denied = overrides.get("deny_shell_prefixes")
    if isinstance(denied, tuple):  # a profile adds deny rules; it never drops the file's
        overrides["deny_shell_prefixes"] = tuple(
            dict.fromkeys((*settings.deny_shell_prefixes, *denied))
        )
    return replace(settings, **overrides)  # type: ignore[arg-type]


def load_settings(
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """Defaults, then the config file, then the environment, then the chosen profile."""
    env = os.environ if environ is None else environ
    path = path if path is not None else config_path(env)
    data = read_config(path)
    profiles = data.pop("profiles", {})
    if not isinstance(profiles, dict) or not all(isinstance(p, dict) for p in profiles.values()):
        raise ConfigError(f"{path}: profiles: expected tables like [profiles.openai]")
    settings = _apply(Settings(), parse_table(data, path))
    settings = from_env(settings, env)
    settings = _key_from(settings, settings.api_key_env, env)
    if profile is None:
        return settings
    if profile not in profiles:
        known = ", ".join(sorted(profiles)) or "none defined"
        raise ConfigError(f"{path}: no profile '{profile}' (profiles: {known})")
    overrides = parse_table(profiles[profile], path, f"profiles.{profile}.")
    settings = _apply(settings, {**overrides, "profile": profile})
    if "api_key_env" in overrides:
        settings = _key_from(settings, settings.api_key_env, env, explicit=True)
    return settings


def _key_from(
    settings: Settings, name: str, env: Mapping[str, str], *, explicit: bool = False
) -> Settings:
    """The API key from variable ``name``; ``""`` means the server needs none."""
    if name == DEFAULT_KEY_ENV and not explicit:
        return settings  # from_env already read it
    return replace(settings, api_key=(env.get(name) or None) if name else None)


TEMPLATE = """\
# infercode configuration. Precedence: defaults < this file < environment < --profile < flags.
# Uncomment what you want to change. `infercode config path` prints where this file lives.

# Model and server (env: INFERCOM_MODEL, INFERCOM_BASE_URL; the key comes from INFERCOM_API_KEY).
# model = "MiniMax-M2.7"
# base_url = "https://api.infercom.ai/v1"
# reasoning_effort = "medium"          # low, medium or high; unset: the server decides

# Tool calls approved in advance. Kinds: "read", "edit", "shell".
# allow = ["read"]
# Shell commands approved in advance: a plain command (no variables, redirection or chaining
# other than && || ; |) whose first words are one of these. A rule cannot see what options do:
# test runners and build tools run project code and can write outside the workspace.
# allow_shell = ["git status", "git diff", "git log"]
# Shell commands refused without asking, even with --yes (a guard against mistakes, not a
# sandbox: a script or program can still run them).
# deny_shell = ["git push", "rm -rf"]
# MCP tools approved in advance, as server.tool (the tool may be a glob).
# allow_mcp = ["time.*"]

# Shell commands run in a sandbox: "workspace-write" (default), "read-only" or "off".
# sandbox = "workspace-write"
# sandbox_network = false              # true lets commands use the network
# sandbox_writable = ["~/.cache/pip"]  # more paths commands may write

# Approval mode: "ask", "auto-edit" (reads and edits in the workspace approved), "plan" (read-only)
# or "full" (everything approved, like --yes). Shift-Tab or /mode changes it in the REPL.
# approval_mode = "ask"

# Limits.
# max_turns = 50                       # model requests per prompt
# shell_timeout_s = 120                # default timeout of a shell command
# tool_output_limit = 30000            # characters of one tool result kept in history
# compact_threshold = 0.85             # compact the history at this share of the window

# Retries and timeouts of model requests.
# stream_max_retries = 4               # retries of a dropped, stalled or overloaded request
# stream_idle_timeout_s = 120          # no data (keep-alives do not count) for this long: stall
# request_deadline_s = 1800            # one request, retries included, never takes longer

# Context window per model, in tokens (MiniMax-M2.5 160k and MiniMax-M2.7 192k are built in).
# [context_windows]
# "my-local-model" = 32768

# Per-tool output limits, overriding tool_output_limit.
# [tool_output_limits]
# shell = 50000

# MCP servers whose tools the model may call (each call is approved like any tool).
# `infercode mcp add NAME -- COMMAND ARGS...` writes one of these.
# [mcp_servers.time]
# command = "uvx"
# args = ["mcp-server-time"]
# [mcp_servers.docs]
# url = "https://mcp.example.com/mcp"
# bearer_token_env_var = "DOCS_TOKEN"

# Profiles for other Responses API servers: infercode --profile openai
# [profiles.openai]
# base_url = "https://api.openai.com/v1"
# model = "gpt-5-mini"
# api_key_env = "OPENAI_API_KEY"
# include_encrypted_reasoning = true
#
# [profiles.local]
# base_url = "http://localhost:8000/v1"   # vLLM, Ollama, LiteLLM...
# model = "gpt-oss-120b"
# api_key_env = ""                        # no key
"""


def init_config(path: Path) -> None:
    """Write the commented example; an existing file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as stream:
            stream.write(TEMPLATE)
    except FileExistsError:
        raise ConfigError(f"{path} already exists; edit it, or remove it first") from None

"""The main command's options, each declared once: as a field of ``RunArgs`` with its spelling.

Three readers derive from this table: the typer-free fast path (``cli.main.simple_args``), the
typer command (``cli.app``, whose rendering is ``help.txt``), and ``launch``, which gets a
``RunArgs``. Adding an option is adding a field here and using it in ``launch``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CliSpec:
    """How a ``RunArgs`` field is written on the command line."""

    flags: tuple[str, ...]
    """Its spellings (``-p``, ``--print``); none for the positional argument."""
    help: str
    metavar: str | None = None
    min: int | None = None
    fast: bool = False
    """The fast path may read it without typer: a flag, or a string typer passes on unchanged."""


def option(*flags: str, help: str, default: Any = None, **extra: Any) -> Any:
    return field(default=default, metadata={"cli": CliSpec(flags, help, **extra)})


@dataclass(frozen=True)
class RunArgs:
    """What the command line asked for; ``None`` means "not given" (settings decide)."""

    prompt_arg: str | None = option(
        help="First message for the interactive session.", metavar="PROMPT"
    )
    print_prompt: str | None = option(
        "-p", "--print", help="Run PROMPT headless and exit.", metavar="PROMPT", fast=True
    )
    model: str | None = option(
        "--model",
        "-m",
        help="Model name. [env: INFERCOM_MODEL; default: MiniMax-M2.5]",
        fast=True,
    )
    base_url: str | None = option(
        "--base-url", help="Responses API base URL. [env: INFERCOM_BASE_URL]", fast=True
    )
    cd: Path | None = option(
        "-C",
        "--cd",
        help="Workspace root. [default: the git repository containing the current directory]",
        metavar="DIR",
    )
    allow: str | None = option(
        "--allow",
        help="Approve these kinds in advance: read,edit,shell.",
        metavar="KINDS",
        fast=True,
    )
    yes: bool = option("--yes", "-y", help="Approve every tool call.", default=False, fast=True)
    approval_mode: str | None = option(
        "--approval-mode",
        help="ask, auto-edit (reads and edits approved), plan (read-only) or full (= --yes). "
        "[default: ask]",
        metavar="MODE",
        fast=True,
    )
    auto_commit: bool = option(
        "--auto-commit",
        help="After each turn that changed files, commit exactly those files (git).",
        default=False,
    )
    show_diff: bool = option(
        "--diff",
        help="Headless: print what infercode changed (a diff) on stderr.",
        default=False,
        fast=True,
    )
    max_turns: int | None = option(
        "--max-turns", help="Model requests allowed per prompt. [default: 50]", min=1
    )
    continue_last: bool = option(
        "--continue", "-c", help="Continue this workspace's latest session.", default=False
    )
    resume: str | None = option(
        "--resume", help="Resume session ID; without ID, pick from a list.", metavar="[ID]"
    )
    profile: str | None = option(
        "--profile", help="Use [profiles.NAME] of the config file.", metavar="NAME", fast=True
    )
    reasoning_effort: str | None = option(
        "--reasoning-effort",
        help="reasoning.effort to send: low, medium or high.",
        metavar="LEVEL",
        fast=True,
    )
    quiet: bool = option("--quiet", "-q", help="No progress on stderr.", default=False, fast=True)
    output_format: str = option(
        "--output-format",
        help="Headless stdout: text (the answer), json (one object at the end), "
        "stream-json (one object per line as things happen).",
        default="text",
        metavar="FORMAT",
        fast=True,
    )
    output_schema: Path | None = option(
        "--output-schema",
        help="JSON Schema the final answer must match; the answer printed is that JSON.",
        metavar="FILE",
    )
    last_message_file: Path | None = option(
        "-o", "--output-last-message", help="Also write the answer here.", metavar="FILE"
    )
    sandbox: str | None = option(
        "--sandbox",
        help="Where shell commands may write: workspace-write (default), read-only, or off.",
        metavar="MODE",
        fast=True,
    )
    sandbox_network: bool = option(
        "--sandbox-network",
        help="Let sandboxed shell commands use the network.",
        default=False,
        fast=True,
    )
    trust_project: bool = option(
        "--trust-project",
        help="Headless: run the hooks of the project's .infercode/config.toml without asking.",
        default=False,
        fast=True,
    )
    trust_project_mcp: bool = option(
        "--trust-project-mcp",
        help="Headless: start the MCP servers of the project's .mcp.json without asking.",
        default=False,
        fast=True,
    )


def specs() -> list[tuple[str, CliSpec, Any]]:
    """(field name, spelling, default) of every option, in declaration (and ``--help``) order."""
    return [(f.name, f.metadata["cli"], f.default) for f in fields(RunArgs)]


def fast_options() -> tuple[dict[str, str], dict[str, str]]:
    """The spellings the fast path reads: (options with a value, flags), each to its field."""
    values: dict[str, str] = {}
    flags: dict[str, str] = {}
    for name, spec, default in specs():
        if spec.fast:
            target = flags if isinstance(default, bool) else values
            target.update(dict.fromkeys(spec.flags, name))
    return values, flags

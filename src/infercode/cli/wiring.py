"""Assembling a session from settings: client, tools, approver, engine, and its services."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from infercode.cli.hooks_setup import event_hooks
from infercode.config.paths import config_dir
from infercode.config.settings import Settings
from infercode.engine.agent import Agent, AgentOptions, TurnHooks
from infercode.engine.approval import Approver, DenyAll, SessionRules
from infercode.engine.events import JSON
from infercode.engine.history import History
from infercode.engine.hooks import EventHooks
from infercode.engine.instructions import build_instructions
from infercode.engine.model import ModelClient
from infercode.engine.modes import APPROVAL_MODES, ApprovalMode
from infercode.engine.retry import RetryPolicy
from infercode.engine.skills import discover_skills, with_skills
from infercode.errors import ConfigError
from infercode.redact import SecretMask
from infercode.tools.registry import build_tools
from infercode.tools.workspace import Workspace
from infercode.ui.services import SessionServices

if TYPE_CHECKING:
    from infercode.config.mcp import McpServer
    from infercode.sandbox import Sandbox
    from infercode.store.recorder import OpenedSession, SessionRecorder
    from infercode.ui.headless.runner import HeadlessOptions


def initial_mode(settings: Settings) -> ApprovalMode:
    """``--yes`` is the ``full`` mode; otherwise the configured one."""
    if settings.yes:
        return "full"
    for mode in APPROVAL_MODES:  # settings validated it; this narrows the type
        if mode == settings.approval_mode:
            return mode
    raise ConfigError(f"unknown approval mode {settings.approval_mode!r}")


def initial_rules(settings: Settings) -> SessionRules:
    kinds = {"read", "edit", "shell", "mcp"} if settings.yes else set(settings.allow)
    return SessionRules(
        kinds=kinds,
        shell_prefixes=set(settings.allow_shell_prefixes),
        deny_shell=settings.deny_shell_prefixes,
        mcp_tools=set(settings.allow_mcp),
    )


def build_agent(
    settings: Settings,
    root: Path,
    approver: Approver,
    *,
    model: ModelClient | None = None,
    history: History | None = None,
    hooks: TurnHooks | None = None,
    text_format: JSON | None = None,
    session: SessionRecorder | None = None,
    warm_up: bool = True,
    sandbox: Sandbox | None = None,
    escalation: bool = False,
    event_hooks: EventHooks | None = None,
) -> Agent:
    """The engine for ``root``; ``warm_up``: take the first checkpoint snapshot in the background
    now (the REPL asks later, once its prompt is drawn). Shell commands run in ``sandbox`` (one
    made from ``settings`` when None); ``escalation``: offer to rerun blocked ones unconfined."""
    from infercode.engine.compaction import Compactor

    if model is None:
        from infercode.api.client import OpenAIModel

        model = OpenAIModel(settings)
    skills = discover_skills(root, config_dir())
    options = AgentOptions(
        model=settings.model,
        # AGENTS.md from the user's config dir, the repository root and down to where we started
        instructions=with_skills(build_instructions(root, Path.cwd(), config_dir()), skills),
        max_turns=settings.max_turns,
        reasoning_effort=settings.reasoning_effort,
        include_encrypted_reasoning=settings.wants_encrypted_reasoning(),
        text_format=text_format,
        escalation=escalation,
        retry=RetryPolicy(
            max_retries=settings.stream_max_retries,
            base_delay_s=settings.retry_base_delay_s,
            deadline_s=settings.request_deadline_s,
        ),
    )
    workspace = Workspace(root)
    # A skill's SKILL.md (and the files beside it) is read without the outside-path question.
    workspace.allow_reads([skill.path for skill in skills])
    if sandbox is None:
        from infercode.cli.sandbox_setup import make_sandbox

        sandbox = make_sandbox(settings, root)
    if hooks is None:
        from infercode.config.paths import state_dir
        from infercode.git.turn_hooks import CheckpointHooks

        checkpoint_hooks = CheckpointHooks(root, state_dir(), auto_commit=settings.auto_commit)
        if warm_up:
            checkpoint_hooks.warm_up()
        hooks = checkpoint_hooks
    return Agent(
        model=model,
        tools=build_tools(workspace, settings, sandbox),
        approver=approver,
        history=history if history is not None else History(),
        options=options,
        rules=initial_rules(settings),
        hooks=hooks,
        workspace=workspace,
        approval_mode=initial_mode(settings),
        event_hooks=event_hooks,
        request_hook=Compactor(
            settings.context_window(),
            settings.compact_threshold,
            on_compacted=session.record_compaction if session is not None else None,
        ),
    )


def build_session(
    settings: Settings,
    root: Path,
    approver: Approver,
    opened: OpenedSession | None,
    *,
    model: ModelClient | None = None,
    text_format: JSON | None = None,
    warm_up: bool = True,
    escalation: bool = False,
    mcp_servers: list[McpServer] | None = None,
    warn: Callable[[str], None] | None = None,
    event_hooks: EventHooks | None = None,
) -> SessionServices:
    """The engine and the services a front-end uses beside it (checkpoints, the recorder, the
    sandbox); ``escalation``: the front-end can ask to rerun a blocked command unconfined.

    MCP servers are not started here: headless starts them and waits; the REPL once its prompt
    is drawn (``warm_up``). ``warn`` gets their warnings; by default they wait in ``warnings``."""
    from infercode.cli.sandbox_setup import make_sandbox

    sandbox = make_sandbox(settings, root)  # probes in the background meanwhile
    from infercode.config.paths import state_dir
    from infercode.git.turn_hooks import CheckpointHooks

    hooks = CheckpointHooks(root, state_dir(), auto_commit=settings.auto_commit)
    if warm_up:
        hooks.warm_up()
    recorder = opened.recorder if opened is not None else None
    agent = build_agent(
        settings,
        root,
        approver,
        model=model,
        history=opened.history if opened is not None else None,
        hooks=hooks,
        text_format=text_format,
        session=recorder,
        sandbox=sandbox,
        escalation=escalation,
        event_hooks=event_hooks,
    )
    if event_hooks is not None and recorder is not None:
        event_hooks.session_id = lambda: recorder.id or ""
    services = SessionServices(
        agent,
        checkpoints=hooks,
        recorder=recorder,
        notes=opened.notes if opened is not None else [],
        warm_up=hooks.start_warm_up,
        sandbox=sandbox,
    )
    if mcp_servers:
        from infercode.cli.mcp_setup import start_mcp

        manager = start_mcp(
            settings, root, agent.tools, mcp_servers, warn or services.warnings.append
        )
        if manager is not None:
            services.mcp = manager

            def warm_up_all() -> None:
                manager.start()
                hooks.start_warm_up()

            services.warm_up = warm_up_all
    return services


def run_repl(
    settings: Settings,
    root: Path,
    first_message: str | None = None,
    resume: Path | None = None,
) -> int:
    """Open the REPL in ``root`` (continuing session file ``resume``); returns the exit status."""
    from infercode.api.lazy_model import LazyModel
    from infercode.store.recorder import open_session_or_warn
    from infercode.ui.repl.app import Repl

    # Recorded from the first message on; nothing is written if the user leaves before.
    opened = open_session_or_warn(settings, root, resume, lazy=True)
    lazy = LazyModel(settings)
    servers = _mcp_servers(settings, root, trust_all=False, interactive=True)
    hooks = event_hooks(settings, root, trust_project=False, interactive=True, warn=_stderr_line)

    def build(approver: Approver) -> SessionServices:
        services = build_session(
            settings,
            root,
            approver,
            opened,
            model=lazy,
            warm_up=False,
            escalation=True,
            mcp_servers=servers,
            event_hooks=hooks,
        )
        services.list_models = lazy.list_models
        services.start_client = lazy.start
        return services

    repl = Repl(settings, root, build)
    try:
        return repl.run(first_message)
    finally:
        if repl.services.mcp is not None:
            repl.services.mcp.close()


def headless_approver() -> Approver:
    """Ask on the terminal if there is one (even when the prompt was piped), else deny."""
    from infercode.ui.headless.tty_approver import TtyApprover, open_tty

    tty = open_tty()
    return TtyApprover(tty) if tty is not None else DenyAll()


def run_headless(
    settings: Settings,
    root: Path,
    prompt: str,
    options: HeadlessOptions,
    *,
    text_format: JSON | None = None,
    resume: Path | None = None,
    trust_project_mcp: bool = False,
    trust_project: bool = False,
) -> int:
    from dataclasses import replace

    from infercode.store.recorder import open_session_or_warn
    from infercode.ui.headless.runner import run

    try:
        opened = open_session_or_warn(settings, root, resume)
    except ConfigError as error:
        from infercode.ui.terminal_text import safe_text

        sys.stderr.write(f"infercode: error: {safe_text(str(error))}\n")
        return 2
    servers = _mcp_servers(settings, root, trust_all=trust_project_mcp, interactive=False)
    try:
        hooks = event_hooks(
            settings, root, trust_project=trust_project, interactive=False, warn=_stderr_line
        )
    except ConfigError as error:
        from infercode.ui.terminal_text import safe_text

        sys.stderr.write(f"infercode: error: {safe_text(str(error))}\n")
        return 2
    services = build_session(
        settings,
        root,
        headless_approver(),
        opened,
        text_format=text_format,
        mcp_servers=servers,
        warn=_stderr_line,
        event_hooks=hooks,
    )
    if services.mcp is not None:  # the first request waits for them (or their startup timeout)
        services.mcp.start()
        services.mcp.wait_ready()
    session = services.recorder
    warning = services.sandbox.warning() if services.sandbox is not None else None
    if warning is not None:  # said once, even with --quiet: commands will be refused
        from infercode.ui.terminal_text import safe_text

        sys.stderr.write(f"infercode: {safe_text(warning)}\n")
        options = replace(options, notices=(warning,))
    if not options.quiet:
        where = f" · session {session.id}" if session is not None and session.id else ""
        from infercode.ui.terminal_text import safe_line, safe_text

        sys.stderr.write(safe_line(f"infercode {settings.model} · {root}{where}") + "\n")
        for note in services.notes:
            sys.stderr.write(f"{safe_text(note)}\n")
    if session is not None and session.id:
        options = replace(options, session_id=session.id)
    options = replace(options, mask=SecretMask([settings.api_key]))
    try:
        return run(services, prompt, options)
    finally:
        if session is not None:
            session.close()
        if services.mcp is not None:
            services.mcp.close()


def _stderr_line(text: str) -> None:
    """A warning of an MCP server's (its own words, possibly its stderr): through the choke
    point like everything else that reaches the terminal."""
    from infercode.ui.terminal_text import safe_text

    sys.stderr.write(safe_text(text.rstrip("\n")) + "\n")
    sys.stderr.flush()


def _mcp_servers(
    settings: Settings, root: Path, *, trust_all: bool, interactive: bool
) -> list[McpServer]:
    """The MCP servers to start: nothing is imported when no server is configured anywhere."""
    from infercode.config.mcp import PROJECT_FILE

    if not settings.mcp_servers and not (root / PROJECT_FILE).exists():
        return []
    from infercode.cli.mcp_setup import ask_on_terminal, choose_servers

    ask = ask_on_terminal if interactive and sys.stdin.isatty() else None
    return choose_servers(settings, root, trust_all=trust_all, ask=ask, warn=_stderr_line)

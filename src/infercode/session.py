"""Assembling a working agent from settings: client, tools, approver, engine."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from infercode.agent import Agent, AgentOptions, TurnHooks
from infercode.approval import Approver, DenyAll, SessionRules
from infercode.config import Settings
from infercode.errors import ConfigError
from infercode.events import JSON
from infercode.history import History
from infercode.instructions import workspace_instructions
from infercode.model import ModelClient
from infercode.retry import RetryPolicy
from infercode.tools import build_tools
from infercode.workspace import Workspace

if TYPE_CHECKING:
    from infercode.recorder import SessionRecorder
    from infercode.ui.headless import HeadlessOptions


def initial_rules(settings: Settings) -> SessionRules:
    kinds = {"read", "edit", "shell"} if settings.yes else set(settings.allow)
    return SessionRules(kinds=kinds, shell_prefixes=set(settings.allow_shell_prefixes))


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
) -> Agent:
    """The engine for ``root``; ``warm_up``: take the first checkpoint snapshot in the background
    now (the REPL asks later, once its prompt is drawn)."""
    from infercode.compaction import Compactor

    if model is None:
        from infercode.client import OpenAIModel

        model = OpenAIModel(settings)
    options = AgentOptions(
        model=settings.model,
        instructions=workspace_instructions(root),
        max_turns=settings.max_turns,
        reasoning_effort=settings.reasoning_effort,
        include_encrypted_reasoning=settings.wants_encrypted_reasoning(),
        text_format=text_format,
        retry=RetryPolicy(
            max_retries=settings.stream_max_retries,
            base_delay_s=settings.retry_base_delay_s,
            deadline_s=settings.request_deadline_s,
        ),
    )
    workspace = Workspace(root)
    if hooks is None:
        from infercode.checkpoint_hooks import CheckpointHooks
        from infercode.sessions import state_dir

        checkpoint_hooks = CheckpointHooks(root, state_dir(), auto_commit=settings.auto_commit)
        if warm_up:
            checkpoint_hooks.warm_up()
        hooks = checkpoint_hooks
    return Agent(
        model=model,
        tools=build_tools(workspace, settings),
        approver=approver,
        history=history if history is not None else History(),
        options=options,
        rules=initial_rules(settings),
        hooks=hooks,
        workspace=workspace,
        request_hook=Compactor(
            settings.context_window(),
            settings.compact_threshold,
            on_compacted=session.record_compaction if session is not None else None,
        ),
    )


def headless_approver() -> Approver:
    """Ask on the terminal if there is one (even when the prompt was piped), else deny."""
    from infercode.ui.tty_approver import TtyApprover, open_tty

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
) -> int:
    from dataclasses import replace

    from infercode.recorder import open_session_or_warn
    from infercode.ui.headless import run

    try:
        opened = open_session_or_warn(settings, root, resume)
    except ConfigError as error:
        sys.stderr.write(f"infercode: error: {error}\n")
        return 2
    session = opened.recorder if opened is not None else None
    agent = build_agent(
        settings,
        root,
        headless_approver(),
        text_format=text_format,
        history=opened.history if opened is not None else None,
        session=session,
    )
    if not options.quiet:
        where = f" · session {session.id}" if session is not None and session.id else ""
        sys.stderr.write(f"infercode {settings.model} · {root}{where}\n")
        for note in opened.notes if opened is not None else []:
            sys.stderr.write(f"{note}\n")
    if session is not None and session.id:
        options = replace(options, session_id=session.id)
    try:
        return run(agent, prompt, options)
    finally:
        if session is not None:
            session.close()

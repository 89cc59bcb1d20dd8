"""Which hooks run: the user's always, the project's (``.infercode/config.toml``) only once the
user trusted exactly those commands (asked in the REPL, ``--trust-project`` headless)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from infercode.config.paths import config_path
from infercode.config.settings import Settings
from infercode.engine.hooks import EventHooks
from infercode.hooks.config import PROJECT_CONFIG, HookSpec, digest_text, read_hooks
from infercode.ui.terminal_text import safe_text

TRUST_KIND = "hooks"


def choose_hooks(
    root: Path,
    *,
    trust_project: bool,
    ask: Callable[[list[HookSpec]], bool] | None,
    warn: Callable[[str], None],
) -> list[HookSpec]:
    """The user's hooks, then the project's when trusted (the trust is stored per content hash,
    so a changed hook is asked about again)."""
    specs = read_hooks(config_path(), "user")
    project = read_hooks(root / PROJECT_CONFIG, "project")
    if not project:
        return specs
    from infercode.store.trust import TrustStore, content_hash

    store = TrustStore.default()
    digest = content_hash(digest_text(project))
    trusted = store.is_trusted(root, TRUST_KIND, digest)
    if not trusted and (trust_project or (ask is not None and ask(project))):
        store.trust(root, TRUST_KIND, digest)
        trusted = True
    if not trusted:
        warn(
            f"infercode: the {len(project)} hook(s) in {PROJECT_CONFIG} were not run: not trusted "
            "(start infercode in a terminal to be asked, or pass --trust-project)"
        )
        return specs
    return specs + project


def ask_on_terminal(project: list[HookSpec]) -> bool:
    """The REPL's trust question, before its prompt (plain input: prompt-toolkit is not up)."""
    lines = [f"This project's {PROJECT_CONFIG} defines hooks, which would run:"]
    for spec in project:
        matcher = f" [{spec.matcher}]" if spec.matcher else ""
        lines.append(f"  {spec.event}{matcher}: {spec.command}")
    sys.stdout.write(safe_text("\n".join(lines)) + "\n")
    sys.stdout.write(
        "Hooks run with your permissions, not sandboxed. Run them (remembered for this "
        "project until they change)? [y/N] "
    )
    sys.stdout.flush()
    try:
        answer = input()
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def event_hooks(
    settings: Settings,
    root: Path,
    *,
    trust_project: bool,
    interactive: bool,
    warn: Callable[[str], None],
) -> EventHooks | None:
    """The engine's hooks, or None when none is configured (nothing more is imported then)."""
    ask = ask_on_terminal if interactive and sys.stdin.isatty() else None
    specs = choose_hooks(root, trust_project=trust_project, ask=ask, warn=warn)
    if not specs:
        return None
    from infercode.hooks.runner import SubprocessHookRunner
    from infercode.tools.child_env import ChildEnv

    runner = SubprocessHookRunner(specs, root, ChildEnv.for_settings(settings))
    return EventHooks(runner, cwd=root)

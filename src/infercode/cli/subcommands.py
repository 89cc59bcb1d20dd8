"""``infercode sessions``, ``infercode config path|init`` and ``--continue`` / ``--resume``.

The main command takes a positional PROMPT, so typer cannot also route subcommands through it
(``infercode sessions`` would be a prompt). ``main()`` hands argv here first: the words
``sessions`` and ``config`` in first position run their own small apps; anything else is a run.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from infercode.errors import ConfigError
from infercode.store.session_files import SessionStore
from infercode.ui.session_list import format_sessions
from infercode.ui.terminal_text import safe_text

EXIT_USAGE = 2
#: What may follow ``--resume`` and be taken as an id (or its prefix) rather than the prompt.
_ID_LIKE = re.compile(r"^\d{8}(-\d{0,6}(-[0-9a-f]{0,6})?)?$")


def normalize_resume(argv: list[str]) -> list[str]:
    """``--resume`` alone becomes ``--resume=`` (pick from a list); ``--resume ID`` stays an id.

    Click options cannot take an optional value, and ``infercode --resume "fix it"`` must not
    treat the prompt as an id, so only an id-shaped word after ``--resume`` is its value.
    """
    out: list[str] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--":
            out.extend(argv[index:])
            break
        if word == "--resume":
            following = argv[index + 1] if index + 1 < len(argv) else ""
            if _ID_LIKE.match(following):
                out.append(f"--resume={following}")
                index += 2
                continue
            word = "--resume="
        out.append(word)
        index += 1
    return out


def resolve_resume(
    store: SessionStore, root: Path, *, continue_last: bool, resume: str | None
) -> Path | None:
    """The session file to resume, or None for a new session. ``resume == ""``: let the user pick.

    Raises ConfigError (exit 2) when there is nothing to resume or nobody to ask.
    """
    if continue_last and resume is not None:
        raise ConfigError("--continue and --resume: pass one of them")
    if continue_last:
        latest = store.latest(root)
        if latest is None:
            raise ConfigError(f"no session to continue in {root} (start one: infercode)")
        return latest.path
    if resume is None:
        return None
    if resume:
        try:
            return store.find(resume)
        except LookupError as error:
            raise ConfigError(str(error)) from None
    infos = store.recent(root, limit=15)
    if not infos:
        raise ConfigError(f"no sessions to resume in {root}")
    from infercode.ui.headless.tty_approver import (
        open_tty,  # lazily: only when a list must be shown
    )

    terminal = open_tty()
    if terminal is None:
        sys.stderr.write(format_sessions(infos) + "\n")
        raise ConfigError("no terminal to pick a session on: pass --resume ID (ids listed above)")
    try:
        from infercode.ui.session_picker import pick_session  # prompt-toolkit: only here

        chosen = pick_session(infos, terminal)
    finally:
        terminal.close()
    if chosen is None:
        raise typer.Exit(EXIT_USAGE)
    return chosen.path


def _app(help_text: str) -> typer.Typer:
    return typer.Typer(
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        help=help_text,
    )


def _workspace(cd: Path | None) -> Path:
    from infercode.tools.workspace import find_root

    return cd.resolve() if cd is not None else find_root(Path.cwd())


def list_sessions(
    all_workspaces: Annotated[
        bool, typer.Option("--all", "-a", help="Sessions of every workspace, not just this one.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many to list.")] = 20,
    cd: Annotated[
        Path | None, typer.Option("-C", "--cd", metavar="DIR", help="Workspace root.")
    ] = None,
) -> None:
    """List recent sessions, newest first: id, age, items, size, first prompt."""
    store = SessionStore.default()
    root = None if all_workspaces else _workspace(cd)
    infos = store.recent(root, limit=limit)
    if not infos:
        where = "" if root is None else f" in {root}"
        sys.stderr.write(f"no sessions{where} (they are kept in {store.directory})\n")
        return
    print(format_sessions(infos, with_root=all_workspaces))
    sys.stderr.write("resume one: infercode --resume ID   (the latest: infercode --continue)\n")


def config_path_command() -> None:
    """Print where the config file is (whether or not it exists)."""
    from infercode.config.paths import config_path

    print(config_path())


def config_init_command() -> None:
    """Write a commented config file; an existing one is never overwritten."""
    from infercode.config.file import init_config
    from infercode.config.paths import config_path

    path = config_path()
    try:
        init_config(path)
    except ConfigError as error:  # a usage error, as README's exit codes say
        sys.stderr.write(f"infercode: error: {safe_text(str(error))}\n")
        raise typer.Exit(EXIT_USAGE) from None
    print(path)


def dispatch(argv: list[str]) -> int | None:
    """Run a subcommand named by ``argv[0]`` and return its exit status; None if there is none."""
    if not argv or argv[0] not in ("sessions", "config", "mcp"):
        return None
    if argv[0] == "sessions":
        app = _app("List recorded sessions.")
        app.command()(list_sessions)
    elif argv[0] == "mcp":
        from infercode.cli.mcp_command import register

        app = _app("MCP servers: infercode mcp list | add NAME -- CMD ARGS... | remove NAME")
        register(app)
    else:
        app = _app("The config file: infercode config path | infercode config init")
        app.command("path")(config_path_command)
        app.command("init")(config_init_command)
    try:
        app(args=argv[1:], prog_name=f"infercode {argv[0]}")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0

"""The typer command, derived from ``options.py``: parsing and help. Loaded only when needed.

``--version``, ``--help`` and a plain ``infercode [PROMPT]`` are answered in ``cli.main`` without
importing typer (its import, and its argument coercion, which imports pydantic, cost ~0.15 s).
``help.txt`` beside this file is ``--help`` as typer renders it at 80 columns; a test keeps it
in step (regenerate with ``python -m infercode.cli.app > src/infercode/cli/help.txt``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, Optional, get_args, get_type_hints

import typer

from infercode import __version__
from infercode.cli.launch import launch
from infercode.cli.options import CliSpec, RunArgs, specs

HELP = """\
A terminal coding agent for the Infercom Responses API.

Run it in a repository to open the interactive prompt, or give it a prompt with -p (or through a
pipe) to run headless: the answer goes to stdout, progress to stderr.

Every tool call (read a file, edit a file, run a shell command) needs a decision. Headless runs
ask on the terminal when there is one; with no terminal, only kinds approved with --allow or
--yes run, and the others are denied (the model is told).

\b
Examples:
  infercode                                    open the REPL in this repository
  infercode -p "why does test_io fail?" --allow read
  git diff | infercode -p "review this change"
  echo "add a --verbose flag" | infercode --allow read,edit

\b
Sessions and config:
  infercode --continue -p "now run the tests"  continue this workspace's latest session
  infercode --resume [ID]                      resume a session (no ID: pick from a list)
  infercode sessions [--all]                   list recorded sessions
  infercode config path | config init          where the config file is; write a commented one

\b
Environment:
  INFERCOM_API_KEY    API key (not needed for a server on localhost)
  INFERCOM_MODEL      default model (MiniMax-M2.5)
  INFERCOM_BASE_URL   default base URL (https://api.infercom.ai/v1)
  INFERCODE_CONFIG_DIR, INFERCODE_STATE_DIR   where config.toml and sessions are kept
  INFERCODE_STREAM_MAX_RETRIES      retries of a failed model request (4)
  INFERCODE_STREAM_IDLE_TIMEOUT_S   seconds without data that make a stall (120)

\b
Exit status:
  0    done
  1    the turn failed (API error, broken stream, model failure, --max-turns reached)
  2    usage or configuration error
  3    finished, but at least one tool call was denied
  130  interrupted (Ctrl-C)
  143  stopped by SIGTERM; 129: by SIGHUP (the terminal closed)
"""


def _version(value: bool) -> None:
    if value:
        print(f"infercode {__version__}")
        raise typer.Exit()


def _parameter(name: str, spec: CliSpec, default: Any, kind: Any) -> inspect.Parameter:
    """A typer parameter for one ``RunArgs`` field, spelled as ``options.py`` declares it."""
    if default is None:
        kind = Optional[kind]  # noqa: UP045 - typer needs Optional on Python 3.10
    info: Any
    if not spec.flags:
        info = typer.Argument(metavar=spec.metavar, help=spec.help)
    else:
        info = typer.Option(*spec.flags, metavar=spec.metavar, min=spec.min, help=spec.help)
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[kind, info]
    )


def _run(version: bool = False, **values: Any) -> None:
    launch(RunArgs(**values))


def run_command() -> Callable[..., None]:
    """``_run`` with the signature typer reads: every ``RunArgs`` field, then ``--version``."""
    types = get_type_hints(RunArgs)
    parameters = [
        _parameter(name, spec, default, _without_none(types[name]))
        for name, spec, default in specs()
    ]
    version = typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    parameters.append(
        inspect.Parameter(
            "version",
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=Annotated[bool, version],
        )
    )

    def run(**values: Any) -> None:
        _run(**values)

    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return run


def _without_none(kind: Any) -> Any:
    """``str | None`` -> ``str``: typer gets ``Optional[...]`` (see ``_parameter``)."""
    args = [arg for arg in get_args(kind) if arg is not type(None)]
    return args[0] if args else kind


def make_app() -> typer.Typer:
    app = typer.Typer(
        add_completion=False,
        no_args_is_help=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.command(help=HELP)(run_command())
    return app


def render_help(width: int = 78) -> str:
    """``--help`` as typer prints it on a terminal of 80 columns or more (what help.txt holds)."""
    command = typer.main.get_command(make_app())
    with command.make_context("infercode", [], resilient_parsing=True) as ctx:
        ctx.terminal_width = width
        return command.get_help(ctx) + "\n"


if __name__ == "__main__":  # regenerate help.txt
    import sys

    sys.stdout.write(render_help())

"""The typer command: options, help and parsing. ``cli.main`` loads it only when needed.

``--version``, ``--help`` and a plain ``infercode [PROMPT]`` are answered in ``cli.main`` without
importing typer (its import, and its argument coercion, which imports pydantic, cost ~0.15 s).
``help.txt`` beside this file is ``--help`` as typer renders it at 80 columns; a test keeps it
in step (regenerate with ``python -m infercode.command > src/infercode/help.txt``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from infercode import __version__
from infercode.cli import RunArgs, launch

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
"""


def _version(value: bool) -> None:
    if value:
        print(f"infercode {__version__}")
        raise typer.Exit()


def run(
    prompt_arg: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional on Python 3.10
        typer.Argument(metavar="PROMPT", help="First message for the interactive session."),
    ] = None,
    print_prompt: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("-p", "--print", metavar="PROMPT", help="Run PROMPT headless and exit."),
    ] = None,
    model: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--model", "-m", help="Model name. [env: INFERCOM_MODEL; default: MiniMax-M2.5]"
        ),
    ] = None,
    base_url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--base-url", help="Responses API base URL. [env: INFERCOM_BASE_URL]"),
    ] = None,
    cd: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "-C",
            "--cd",
            metavar="DIR",
            help="Workspace root. [default: the git repository containing the current directory]",
        ),
    ] = None,
    allow: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(metavar="KINDS", help="Approve these kinds in advance: read,edit,shell."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Approve every tool call.")] = False,
    auto_commit: Annotated[
        bool,
        typer.Option(
            "--auto-commit",
            help="After each turn that changed files, commit exactly those files (git).",
        ),
    ] = False,
    show_diff: Annotated[
        bool,
        typer.Option("--diff", help="Headless: print what infercode changed (a diff) on stderr."),
    ] = False,
    max_turns: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(min=1, help="Model requests allowed per prompt. [default: 50]"),
    ] = None,
    continue_last: Annotated[
        bool, typer.Option("--continue", "-c", help="Continue this workspace's latest session.")
    ] = False,
    resume: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(metavar="[ID]", help="Resume session ID; without ID, pick from a list."),
    ] = None,
    profile: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(metavar="NAME", help="Use [profiles.NAME] of the config file."),
    ] = None,
    reasoning_effort: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(metavar="LEVEL", help="reasoning.effort to send: low, medium or high."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
    output_format: Annotated[
        str,
        typer.Option(
            "--output-format",
            metavar="FORMAT",
            help="Headless stdout: text (the answer), json (one object at the end), "
            "stream-json (one object per line as things happen).",
        ),
    ] = "text",
    output_schema: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output-schema",
            metavar="FILE",
            help="JSON Schema the final answer must match; the answer printed is that JSON.",
        ),
    ] = None,
    last_message_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "-o", "--output-last-message", metavar="FILE", help="Also write the answer here."
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    launch(
        RunArgs(
            prompt_arg=prompt_arg,
            print_prompt=print_prompt,
            model=model,
            base_url=base_url,
            cd=cd,
            allow=allow,
            yes=yes,
            auto_commit=auto_commit,
            show_diff=show_diff,
            max_turns=max_turns,
            continue_last=continue_last,
            resume=resume,
            profile=profile,
            reasoning_effort=reasoning_effort,
            quiet=quiet,
            output_format=output_format,
            output_schema=output_schema,
            last_message_file=last_message_file,
        )
    )


def make_app() -> typer.Typer:
    app = typer.Typer(
        add_completion=False,
        no_args_is_help=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.command(help=HELP)(run)
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

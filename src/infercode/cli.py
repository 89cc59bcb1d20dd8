"""The command line: the one place that builds settings, client, tools, approver and engine."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from infercode import __version__
from infercode.config import REASONING_EFFORTS, check_key, parse_allow
from infercode.errors import ConfigError
from infercode.output_schema import load_schema
from infercode.output_schema import text_format as text_format_for
from infercode.ui.headless import OUTPUT_FORMATS, HeadlessOptions

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
    if output_format not in OUTPUT_FORMATS:
        _fail_usage(f"--output-format {output_format}: use one of {', '.join(OUTPUT_FORMATS)}")
    json_errors = output_format != "text"
    try:
        from infercode.config_file import load_settings

        settings = load_settings(profile=profile).with_overrides(
            model=model,
            base_url=base_url,
            allow=parse_allow(allow) if allow else None,
            yes=yes or None,
            auto_commit=auto_commit or None,
            max_turns=max_turns,
            reasoning_effort=_reasoning_effort(reasoning_effort),
        )
        root = _workspace_root(cd)
        headless = print_prompt is not None or not sys.stdin.isatty()
        if not headless:
            check_key(settings)
            resume_path = _resume_path(root, continue_last, resume)
            from infercode.ui.repl import run_repl

            # The positional PROMPT, if any, is the REPL's first message.
            code = run_repl(settings, root, first_message=prompt_arg, resume=resume_path)
            raise typer.Exit(code)
        prompt = _headless_prompt(print_prompt, prompt_arg)
        check_key(settings)
        schema = load_schema(output_schema) if output_schema is not None else None
        resume_path = _resume_path(root, continue_last, resume)
    except ConfigError as error:
        _fail_usage(str(error), json_result=json_errors)
    from infercode.session import run_headless

    options = HeadlessOptions(
        output_format=output_format,  # type: ignore[arg-type]  # checked against OUTPUT_FORMATS
        quiet=quiet,
        output_schema=schema,
        last_message_file=last_message_file,
        show_diff=show_diff,
    )
    text_format = text_format_for(schema, output_schema) if schema and output_schema else None
    code = run_headless(
        settings, root, prompt, options, text_format=text_format, resume=resume_path
    )
    raise typer.Exit(code)


def _reasoning_effort(value: str | None) -> str | None:
    if value is not None and value not in REASONING_EFFORTS:
        raise ConfigError(f"--reasoning-effort {value}: use one of {', '.join(REASONING_EFFORTS)}")
    return value


def _resume_path(root: Path, continue_last: bool, resume: str | None) -> Path | None:
    if not continue_last and resume is None:
        return None
    from infercode.sessions import SessionStore
    from infercode.subcommands import resolve_resume

    return resolve_resume(SessionStore.default(), root, continue_last=continue_last, resume=resume)


def _workspace_root(cd: Path | None) -> Path:
    from infercode.workspace import find_root

    if cd is None:
        return find_root(Path.cwd())
    if not cd.is_dir():
        raise ConfigError(f"-C {cd}: not a directory")
    return cd.resolve()


def _headless_prompt(print_prompt: str | None, prompt_arg: str | None) -> str:
    """``-p`` text, with piped stdin appended as a fenced block; or stdin alone."""
    piped = "" if sys.stdin.isatty() else sys.stdin.read()
    prompt = print_prompt if print_prompt is not None else prompt_arg
    if prompt is not None and piped.strip():
        fence = "````" if "```" in piped else "```"
        prompt = f"{prompt}\n\n{fence}\n{piped.rstrip()}\n{fence}"
    elif prompt is None:
        prompt = piped
    if not prompt or not prompt.strip():
        raise ConfigError('no prompt: pass -p "PROMPT" or pipe one on stdin')
    return prompt


def _fail_usage(message: str, *, json_result: bool = False) -> typer.Exit:
    sys.stderr.write(f"infercode: error: {message}\n")
    if json_result:  # scripts parsing stdout get a well-formed answer even for usage errors
        from infercode.ui.output_formats import error_result, write_line

        write_line(sys.stdout, error_result(message, 2))
    raise typer.Exit(2)


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


def main() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    from infercode.subcommands import dispatch, normalize_resume

    argv = sys.argv[1:]
    code = dispatch(argv)  # `infercode sessions`, `infercode config ...`: not a prompt
    if code is not None:
        raise SystemExit(code)
    make_app()(args=normalize_resume(argv), prog_name="infercode")

"""The command line: the one place that builds settings, client, tools, approver and engine.

``main`` answers ``--version`` and ``--help`` (from ``help.txt``) without importing typer, and
runs a plain ``infercode`` or ``infercode PROMPT`` without it too: typer's import and its
argument coercion (which imports pydantic) cost ~0.15 s, most of the REPL's start. Anything else
goes through the typer command in ``command.py``, which calls ``launch`` with the parsed options.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from infercode import __version__
from infercode.errors import ConfigError

#: First words that name a subcommand rather than a prompt (see ``subcommands.dispatch``).
SUBCOMMANDS = ("sessions", "config")
#: ``--help`` as typer renders it at 80 columns or more (``command.render_help``).
HELP_FILE = Path(__file__).with_name("help.txt")


@dataclass(frozen=True)
class RunArgs:
    """The main command's options, with the defaults ``command.run`` declares."""

    prompt_arg: str | None = None
    print_prompt: str | None = None
    model: str | None = None
    base_url: str | None = None
    cd: Path | None = None
    allow: str | None = None
    yes: bool = False
    auto_commit: bool = False
    show_diff: bool = False
    max_turns: int | None = None
    continue_last: bool = False
    resume: str | None = None
    profile: str | None = None
    reasoning_effort: str | None = None
    quiet: bool = False
    output_format: str = "text"
    output_schema: Path | None = None
    last_message_file: Path | None = None
    sandbox: str | None = None
    sandbox_network: bool = False


def launch(args: RunArgs) -> NoReturn:
    """Run the REPL or a headless prompt; exits with its status."""
    from infercode.config import check_key, parse_allow, parse_sandbox
    from infercode.output_schema import load_schema
    from infercode.output_schema import text_format as text_format_for
    from infercode.ui.headless import OUTPUT_FORMATS, HeadlessOptions

    output_format = args.output_format
    if output_format not in OUTPUT_FORMATS:
        _fail_usage(f"--output-format {output_format}: use one of {', '.join(OUTPUT_FORMATS)}")
    json_errors = output_format != "text"
    try:
        from infercode.config_file import load_settings

        settings = load_settings(profile=args.profile).with_overrides(
            model=args.model,
            base_url=args.base_url,
            allow=parse_allow(args.allow) if args.allow else None,
            yes=args.yes or None,
            auto_commit=args.auto_commit or None,
            max_turns=args.max_turns,
            reasoning_effort=_reasoning_effort(args.reasoning_effort),
            sandbox=parse_sandbox(args.sandbox) if args.sandbox is not None else None,
            sandbox_network=args.sandbox_network or None,
        )
        root = _workspace_root(args.cd)
        headless = args.print_prompt is not None or not sys.stdin.isatty()
        if not headless:
            check_key(settings)
            resume_path = _resume_path(root, args.continue_last, args.resume)
            from infercode.ui.repl import run_repl

            # The positional PROMPT, if any, is the REPL's first message.
            code = run_repl(settings, root, first_message=args.prompt_arg, resume=resume_path)
            end(code)
        prompt = _headless_prompt(args.print_prompt, args.prompt_arg)
        check_key(settings)
        schema = load_schema(args.output_schema) if args.output_schema is not None else None
        resume_path = _resume_path(root, args.continue_last, args.resume)
    except ConfigError as error:
        _fail_usage(str(error), json_result=json_errors)
    from infercode.session import run_headless

    options = HeadlessOptions(
        output_format=output_format,  # checked against OUTPUT_FORMATS above
        quiet=args.quiet,
        output_schema=schema,
        last_message_file=args.last_message_file,
        show_diff=args.show_diff,
    )
    text_format = (
        text_format_for(schema, args.output_schema) if schema and args.output_schema else None
    )
    code = run_headless(
        settings, root, prompt, options, text_format=text_format, resume=resume_path
    )
    end(code)


def end(code: int) -> NoReturn:
    """Exit with ``code`` once the run is over, without tearing the interpreter down.

    With openai loaded, the teardown (freeing some 700 modules and their pydantic classes) takes
    ~0.2 s, a quarter of a headless run. Everything the run wrote is closed by then (session
    file, checkpoints); only stdout and stderr are left to flush. Our threads are daemons, which
    a normal exit does not wait for either.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException as error:  # a closed stdout (``| head``): as typer ends it
        _exit_like_typer(error)
    if "logging" in sys.modules:  # what the normal exit would flush (no handler of ours)
        import logging

        logging.shutdown()
    os._exit(code)


def _reasoning_effort(value: str | None) -> str | None:
    from infercode.config import REASONING_EFFORTS

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


def _fail_usage(message: str, *, json_result: bool = False) -> NoReturn:
    sys.stderr.write(f"infercode: error: {message}\n")
    if json_result:  # scripts parsing stdout get a well-formed answer even for usage errors
        from infercode.ui.output_formats import error_result, write_line

        write_line(sys.stdout, error_result(message, 2))
    raise SystemExit(2)


#: Options ``simple_args`` reads itself: plain strings or flags that typer passes through as
#: they are (``launch`` checks the values), by ``RunArgs`` field.
_VALUE_OPTIONS = {
    "-p": "print_prompt",
    "--print": "print_prompt",
    "-m": "model",
    "--model": "model",
    "--base-url": "base_url",
    "--allow": "allow",
    "--profile": "profile",
    "--reasoning-effort": "reasoning_effort",
    "--output-format": "output_format",
    "--sandbox": "sandbox",
}
_FLAGS = {
    "-y": "yes",
    "--yes": "yes",
    "-q": "quiet",
    "--quiet": "quiet",
    "--diff": "show_diff",
    "--sandbox-network": "sandbox_network",
}


def simple_args(argv: list[str]) -> RunArgs | None:
    """``RunArgs`` for a command line typer would read the same way without a doubt: known
    options in their plain spelling, each at most once, values not starting with ``-``, at most
    one PROMPT. None for anything else (typer then parses it, and reports errors)."""
    fields: dict[str, object] = {}
    index = 0
    while index < len(argv):
        word = argv[index]
        value: str | bool
        if word in _FLAGS:
            name, value = _FLAGS[word], True
            index += 1
        elif word in _VALUE_OPTIONS and index + 1 < len(argv):
            name, value = _VALUE_OPTIONS[word], argv[index + 1]
            index += 2
            if value.startswith("-"):
                return None
        elif not word.startswith("-") and word not in SUBCOMMANDS:
            name, value = "prompt_arg", word
            index += 1
        else:
            return None
        if name in fields:
            return None
        fields[name] = value
    return RunArgs(**fields)  # type: ignore[arg-type]  # each field gets its own kind of value


def _exit_like_typer(error: BaseException) -> NoReturn:
    """Ctrl-C exits 130, end of input prints "Aborted!" and exits 1, a closed stdout (``| head``)
    exits 1 quietly: what typer does with these when they escape the command."""
    if isinstance(error, KeyboardInterrupt):
        raise SystemExit(130) from None
    if isinstance(error, EOFError):
        sys.stderr.write("\nAborted!\n")
        raise SystemExit(1) from None
    if isinstance(error, OSError) and error.errno == errno.EPIPE:
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):  # the flush at exit must not fail again
            with contextlib.suppress(OSError, ValueError):
                os.dup2(devnull, stream.fileno())
        raise SystemExit(1) from None
    raise error


def _fast_help() -> bool:
    """True when typer would print exactly ``help.txt``: it wraps at min(columns, 80) - 2."""
    return shutil.get_terminal_size().columns >= 80 and HELP_FILE.is_file()


def main() -> None:
    argv = sys.argv[1:]
    if argv == ["--version"]:  # the eager option alone, answered without loading typer
        sys.stdout.write(f"infercode {__version__}\n")
        sys.stdout.flush()
        return
    if argv in (["--help"], ["-h"]) and _fast_help():
        sys.stdout.write(HELP_FILE.read_text(encoding="utf-8"))
        sys.stdout.flush()
        return
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    if argv and argv[0] in SUBCOMMANDS:  # `infercode sessions`, `infercode config ...`
        from infercode.subcommands import dispatch

        code = dispatch(argv)
        if code is not None:
            raise SystemExit(code)
    simple = simple_args(argv)
    if simple is not None:  # `infercode`, `infercode -p PROMPT --base-url URL`...
        try:
            launch(simple)
        except BaseException as error:  # what escapes the run ends it as typer would end it
            _exit_like_typer(error)
    if "--resume" in argv:
        from infercode.subcommands import normalize_resume

        argv = normalize_resume(argv)
    from infercode.command import make_app

    make_app()(args=argv, prog_name="infercode")

"""Running what the command line asked for: the REPL, or a headless prompt, then exiting."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from pathlib import Path
from typing import NoReturn

from infercode.cli.options import RunArgs
from infercode.errors import ConfigError


def launch(args: RunArgs) -> NoReturn:
    """Run the REPL or a headless prompt; exits with its status (143/129 after SIGTERM/SIGHUP)."""
    from infercode.ui.exit_signals import Terminated

    try:
        _launch(args)
    except Terminated as stopped:  # landed outside a turn; the front-end has cleaned up
        end(stopped.exit_code)


def _launch(args: RunArgs) -> NoReturn:
    from infercode.config.settings import check_key, parse_allow, parse_approval_mode, parse_sandbox
    from infercode.engine.output_schema import load_schema
    from infercode.engine.output_schema import text_format as text_format_for
    from infercode.ui.headless.runner import OUTPUT_FORMATS, HeadlessOptions

    output_format = args.output_format
    if output_format not in OUTPUT_FORMATS:
        _fail_usage(f"--output-format {output_format}: use one of {', '.join(OUTPUT_FORMATS)}")
    json_errors = output_format != "text"
    try:
        from infercode.config.file import load_settings

        settings = load_settings(profile=args.profile).with_overrides(
            model=args.model,
            base_url=args.base_url,
            allow=parse_allow(args.allow) if args.allow else None,
            yes=args.yes or None,
            approval_mode=parse_approval_mode(args.approval_mode) if args.approval_mode else None,
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
            from infercode.cli.wiring import run_repl

            # The positional PROMPT, if any, is the REPL's first message.
            code = run_repl(settings, root, first_message=args.prompt_arg, resume=resume_path)
            end(code)
        prompt = _headless_prompt(args.print_prompt, args.prompt_arg)
        from infercode.ui.headless.custom_prompt import expand_prompt

        prompt, command_model = expand_prompt(prompt, root)
        if command_model and not args.model:
            settings = settings.with_overrides(model=command_model)
        check_key(settings)
        schema = load_schema(args.output_schema) if args.output_schema is not None else None
        resume_path = _resume_path(root, args.continue_last, args.resume)
    except ConfigError as error:
        _fail_usage(str(error), json_result=json_errors)
    from infercode.cli.wiring import run_headless

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
        settings,
        root,
        prompt,
        options,
        text_format=text_format,
        resume=resume_path,
        trust_project_mcp=args.trust_project_mcp,
        trust_project=args.trust_project,
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
        exit_like_typer(error)
    if "logging" in sys.modules:  # what the normal exit would flush (no handler of ours)
        import logging

        logging.shutdown()
    os._exit(code)


def _reasoning_effort(value: str | None) -> str | None:
    from infercode.config.settings import REASONING_EFFORTS

    if value is not None and value not in REASONING_EFFORTS:
        raise ConfigError(f"--reasoning-effort {value}: use one of {', '.join(REASONING_EFFORTS)}")
    return value


def _resume_path(root: Path, continue_last: bool, resume: str | None) -> Path | None:
    if not continue_last and resume is None:
        return None
    from infercode.cli.subcommands import resolve_resume
    from infercode.store.session_files import SessionStore

    return resolve_resume(SessionStore.default(), root, continue_last=continue_last, resume=resume)


def _workspace_root(cd: Path | None) -> Path:
    from infercode.tools.workspace import find_root

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
    from infercode.ui.terminal_text import safe_text  # a message can quote a file's content

    sys.stderr.write(f"infercode: error: {safe_text(message)}\n")
    if json_result:  # scripts parsing stdout get a well-formed answer even for usage errors
        from infercode.ui.headless.output_formats import error_result, write_line

        write_line(sys.stdout, error_result(message, 2))
    raise SystemExit(2)


def exit_like_typer(error: BaseException) -> NoReturn:
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

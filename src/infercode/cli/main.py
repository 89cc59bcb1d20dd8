"""The command line: the one place that builds settings, client, tools, approver and engine.

``main`` answers ``--version`` and ``--help`` (from ``help.txt``) without importing typer, and
runs a plain ``infercode`` or ``infercode PROMPT`` without it too: typer's import and its
argument coercion (which imports pydantic) cost ~0.15 s, most of the REPL's start. Anything else
goes through the typer command in ``app.py``, which calls ``launch`` with the parsed options.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from infercode import __version__
from infercode.cli.launch import exit_like_typer, launch
from infercode.cli.options import RunArgs, fast_options

#: First words that name a subcommand rather than a prompt (see ``subcommands.dispatch``).
SUBCOMMANDS = ("sessions", "config", "mcp")
#: ``--help`` as typer renders it at 80 columns or more (``app.render_help``).
HELP_FILE = Path(__file__).with_name("help.txt")
#: The options ``simple_args`` reads itself (``CliSpec.fast``), by ``RunArgs`` field.
_VALUE_OPTIONS, _FLAGS = fast_options()


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
    if argv and argv[0] in SUBCOMMANDS:  # `infercode sessions`, `infercode config`, `mcp`
        from infercode.cli.subcommands import dispatch

        code = dispatch(argv)
        if code is not None:
            raise SystemExit(code)
    simple = simple_args(argv)
    if simple is not None:  # `infercode`, `infercode -p PROMPT --base-url URL`...
        try:
            launch(simple)
        except BaseException as error:  # what escapes the run ends it as typer would end it
            exit_like_typer(error)
    if "--resume" in argv:
        from infercode.cli.subcommands import normalize_resume

        argv = normalize_resume(argv)
    from infercode.cli.app import make_app

    make_app()(args=argv, prog_name="infercode")

"""Targets 1 and 2: ``--version`` / ``--help`` wall time, and interactive start to the prompt.

1. ``infercode --version`` and ``infercode --help``, stdout to a pipe; baseline ``python -c pass``
   (the interpreter's own start, same venv, same run, runs interleaved).
2. The REPL in a pseudo-terminal (pexpect + pyte, 100x40), from spawn to an empty prompt on the
   screen; baseline: a bare prompt-toolkit ``PromptSession().prompt("› ")`` in the same harness.

    python bench/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import _common as c
import pexpect
from tests.support.pty import Terminal

BARE_PROMPT = (
    "from prompt_toolkit import PromptSession\n"
    "from prompt_toolkit.history import InMemoryHistory\n"
    "PromptSession(history=InMemoryHistory()).prompt('› ')\n"
)


def cli_rows(runs: int) -> list[c.Row]:
    with c.workspace() as (root, env):
        commands = {
            "python -c pass": [c.PYTHON, "-c", "pass"],
            "infercode --version": [c.INFERCODE, "--version"],
            "infercode --help": [c.INFERCODE, "--help"],
        }
        for cmd in commands.values():  # warm the bytecode caches
            c.run_child(cmd, env=env, cwd=root)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, cmd in commands.items():
                samples[name].append(c.run_child(cmd, env=env, cwd=root).wall_s)
    base = c.median(samples["python -c pass"])
    rows = []
    for name in ("infercode --version", "infercode --help"):
        value = c.median(samples[name])
        rows.append(
            c.Row(
                "1",
                f"{name} wall",
                value,
                "s",
                "python -c pass",
                base,
                "<= 0.100 s",
                value <= 0.100,
                runs,
            )
        )
    return rows


def spawn_pty(
    cmd: Sequence[str], cwd: Path, env: Mapping[str, str], rows: int = 40, cols: int = 100
) -> Terminal:
    """``cmd`` in a pseudo-terminal read through the tests' pyte harness."""
    child = pexpect.spawn(
        cmd[0], list(cmd[1:]), cwd=str(cwd), env=dict(env), dimensions=(rows, cols), encoding=None
    )
    child.delaybeforesend = None  # pexpect sleeps 50 ms before every send by default
    return Terminal(child, rows, cols)


def time_to_prompt(cmd: Sequence[str], cwd: Path, env: Mapping[str, str]) -> float:
    started = time.monotonic()
    term = spawn_pty(cmd, cwd, env)
    try:
        term.wait_prompt(timeout=30)
        elapsed = time.monotonic() - started
        term.press("ctrl-d")
        term.wait_exit(timeout=30)
    finally:
        term.close()
    return elapsed


def repl_rows(runs: int) -> list[c.Row]:
    with c.workspace({"README.md": "# bench\n"}) as (root, env):
        env = {**env, "INFERCOM_BASE_URL": "http://127.0.0.1:9/v1"}
        repl = [c.INFERCODE]
        with_option = [c.INFERCODE, "--max-turns", "9"]
        bare = [c.PYTHON, "-c", BARE_PROMPT]
        for cmd in (repl, with_option, bare):  # warm the caches
            time_to_prompt(cmd, root, env)
        ours: list[float] = []
        optioned: list[float] = []
        base: list[float] = []
        for _ in range(runs):
            base.append(time_to_prompt(bare, root, env))
            ours.append(time_to_prompt(repl, root, env))
            optioned.append(time_to_prompt(with_option, root, env))
    value = c.median(ours)
    return [
        c.Row(
            "2",
            "REPL start to prompt drawn (pty)",
            value,
            "s",
            "bare prompt-toolkit prompt",
            c.median(base),
            "<= 0.250 s",
            value <= 0.250,
            runs,
            note="`infercode`, the base URL from INFERCOM_BASE_URL",
        ),
        c.Row(
            "2",
            "  same, with an option typer parses (--max-turns)",
            c.median(optioned),
            "s",
            "bare prompt-toolkit prompt",
            c.median(base),
            runs=runs,
            note="options go through typer, whose argument coercion imports pydantic",
        ),
    ]


def run(quick: bool = False, runs: int | None = None) -> list[c.Row]:
    n = runs or (5 if quick else 15)
    c.log(f"startup: --version/--help x{n}")
    rows = cli_rows(n)
    c.log(f"startup: REPL to prompt x{max(3, n // 2)}")
    return rows + repl_rows(max(3, n // 2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    c.print_table(run(runs=args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

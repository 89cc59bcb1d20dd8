"""REPL start to prompt with one MCP server configured against none; and when that server's
tools are ready (the prompt must not wait for them: servers start in the background).

The server is ``mcp-server-time`` from ``.venv-mcp`` (``.ci/run`` installs it).

    python bench/bench_mcp.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping
from pathlib import Path

import _common as c
from bench_startup import spawn_pty, time_to_prompt

TIME_SERVER = Path(__file__).resolve().parents[1] / ".venv-mcp" / "bin" / "mcp-server-time"


def write_config(env: Mapping[str, str], with_server: bool) -> None:
    path = Path(env["INFERCODE_CONFIG_DIR"]) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = ""
    if with_server:
        text = f"[mcp_servers.time]\ncommand = {json.dumps(str(TIME_SERVER))}\n"
    path.write_text(text)


def time_to_ready(root: Path, env: Mapping[str, str]) -> tuple[float, float]:
    """(to the prompt, to ``/mcp`` saying the server is ready), from spawn."""
    started = time.monotonic()
    term = spawn_pty([c.INFERCODE], root, env)
    try:
        term.wait_prompt(timeout=30)
        prompt = time.monotonic() - started
        while "ready with" not in term.history_text():
            shown = term.count("  time  ")
            term.send_line("/mcp")
            term.wait_until(lambda: term.count("  time  ") > shown, "/mcp's answer", 30)  # noqa: B023
            term.wait_prompt(timeout=30)
            if time.monotonic() - started > 60:
                raise RuntimeError("the MCP server did not become ready")
        ready = time.monotonic() - started
        term.press("ctrl-d")
        term.wait_exit(timeout=30)
    finally:
        term.close()
    return prompt, ready


def run(quick: bool = False, runs: int | None = None) -> list[c.Row]:
    n = runs or (3 if quick else 7)
    if not TIME_SERVER.exists():
        c.log(f"mcp: skipped, {TIME_SERVER} is missing (run .ci/run once)")
        return []
    c.log(f"mcp: REPL to prompt with and without a server x{n}")
    with c.workspace({"README.md": "# bench\n"}) as (root, env):
        env = {**env, "INFERCOM_BASE_URL": "http://127.0.0.1:9/v1"}
        env["INFERCODE_CONFIG_DIR"] = str(root.parent / "config")
        none: list[float] = []
        one: list[float] = []
        ready: list[float] = []
        for with_server in (False, True):  # warm the caches
            write_config(env, with_server)
            time_to_prompt([c.INFERCODE], root, env)
        for _ in range(n):
            write_config(env, False)
            none.append(time_to_prompt([c.INFERCODE], root, env))
            write_config(env, True)
            prompt, up = time_to_ready(root, env)
            one.append(prompt)
            ready.append(up)
    return [
        c.Row(
            "",
            "REPL start to prompt, one MCP server (stdio)",
            c.median(one),
            "s",
            "no MCP server",
            c.median(none),
            runs=n,
            note="mcp-server-time; the prompt does not wait for it",
        ),
        c.Row(
            "",
            "  that server's tools ready (from start)",
            c.median(ready),
            "s",
            "REPL start to prompt, no server",
            c.median(none),
            runs=n,
            note="/mcp polled until 'ready'",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    c.print_table(run(runs=args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

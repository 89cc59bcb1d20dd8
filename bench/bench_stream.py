"""Targets 3, 4 and 5: first token, headless streaming, interactive rendering.

The reply is ``bench_markdown(50)`` (50 KB of headings, paragraphs, lists and code) plus a closing
marker line, in 4-character deltas (12,807 of them), from ``bench/server.py`` in its own process.

3. First token: the time from pressing Enter in the REPL (pty) to the first delta on the screen,
   minus the server's own time from request to first delta (its clock is the same monotonic
   clock), on a fresh process's first turn (after 1 s of "typing") and on a second turn.
   Headless: from launch to the first ``text_delta`` line of ``--output-format stream-json``,
   minus the server's time, next to the bare client doing the same (its start included).
4. Headless ``infercode -p`` end to end (wall), baseline: the bare httpx2 + json loop reading the
   same stream (``bench/bare_client.py``, a fresh process too); ``codex exec`` when installed.
5. The same reply in the REPL (pty, 100x40): CPU (user+sys, from /proc) of the REPL process from
   launch to the end of the turn, vs the headless run's CPU; and the lag from the server's last
   byte to the last line appearing on screen, on a stream paced like a fast model (and unpaced).

    python bench/bench_stream.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

import _common as c
import pexpect
from bench_startup import spawn_pty
from server import END_MARKER, FIRST_TOKEN, reply_text
from tests.support.pty import Terminal

TYPING_PAUSE_S = 1.0
PACED_DELAY_S = 0.0002  # per delta: ~3,000 deltas/s once the server's own overhead is added


class RawReader:
    """Reads a pty child's output as raw bytes (cheap: no terminal emulation while timing);
    ``catch_up`` feeds what was read to the harness's screen afterwards."""

    def __init__(self, term: Terminal) -> None:
        self.term = term
        self.fed = len(term.raw)

    def read_until(self, marker: bytes, start: int, timeout: float = 60.0) -> float:
        """Read until ``marker`` occurs at or after offset ``start``; the monotonic time it did."""
        deadline = time.monotonic() + timeout
        term = self.term
        while True:
            if term.raw.find(marker, max(start - len(marker), 0)) >= 0:
                return time.monotonic()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{marker!r} did not appear")
            try:
                data = term.child.read_nonblocking(1 << 16, timeout=0.5)
            except pexpect.TIMEOUT:
                continue
            term.raw += data

    def read_quiet(self, quiet_s: float = 0.3, timeout: float = 30.0) -> None:
        """Read until the child has printed nothing for ``quiet_s``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.term.raw += self.term.child.read_nonblocking(1 << 16, timeout=quiet_s)
            except pexpect.TIMEOUT:
                return

    def catch_up(self) -> None:
        self.term.stream.feed(bytes(self.term.raw[self.fed :]))
        self.fed = len(self.term.raw)


def codex_command(url: str, home: Path) -> list[str] | None:
    exe = shutil.which("codex")
    if exe is None:
        return None
    provider = f'{{name="bench",base_url="{url}",wire_api="responses"}}'
    home.mkdir(parents=True, exist_ok=True)
    return [
        exe,
        "exec",
        "--skip-git-repo-check",
        "-c",
        "model_provider=bench",
        "-c",
        f"model_providers.bench={provider}",
        "-m",
        "MiniMax-M2.5",
        "hi",
    ]


# -- 4: headless --------------------------------------------------------------------------------


def headless_rows(runs: int) -> tuple[list[c.Row], float]:
    """Rows for target 4; also the headless CPU median (target 5 compares against it)."""
    expected = reply_text(50, True).rstrip("\n").encode() + b"\n"
    with (
        c.BenchServer(["--reply-kb", "50", "--end-marker", "--any-tools"]) as server,
        c.workspace() as (root, env),
    ):
        commands: dict[str, list[str]] = {
            "bare": [c.PYTHON, c.BARE_CLIENT, server.url],
            "infercode": [c.INFERCODE, "-p", "hi", "--base-url", server.url],
            # Imports alone: os._exit skips the interpreter's teardown (infercode skips it too).
            "import openai": [c.PYTHON, "-c", "import openai, os; os._exit(0)"],
            "import httpx2": [c.PYTHON, "-c", "import httpx2, json, os; os._exit(0)"],
        }
        codex_env = {**env, "CODEX_HOME": str(root.parent / "codex-home")}
        codex = codex_command(server.url, root.parent / "codex-home")
        if codex is not None:
            commands["codex"] = codex
        for name, cmd in commands.items():  # warm up (caches, codex's first-run setup)
            c.run_child(cmd, env=codex_env if name == "codex" else env, cwd=root)
        server.drain()
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        streams: list[float] = []
        for _ in range(runs):
            for name, cmd in commands.items():
                result = c.run_child(cmd, env=codex_env if name == "codex" else env, cwd=root)
                walls[name].append(result.wall_s)
                cpus[name].append(result.cpu_s)
                if name.startswith("import"):
                    continue
                if name != "codex" and result.stdout != expected:
                    raise AssertionError(f"{name} printed something else than the reply")
                streams.append(server.take()[0].duration)
    bare = c.median(walls["bare"])
    value = c.median(walls["infercode"])
    floor = bare + c.median(walls["import openai"]) - c.median(walls["import httpx2"])
    rows = [
        c.Row(
            "4",
            "headless -p, 50 KB in 12,807 deltas, wall",
            value,
            "s",
            "bare httpx2+json loop",
            bare,
            "<= 0.650 s (3.25x bare)",
            value <= 0.650,
            runs,
        ),
        c.Row(
            "4",
            "  same, CPU user+sys",
            c.median(cpus["infercode"]),
            "s",
            "bare loop CPU",
            c.median(cpus["bare"]),
            runs=runs,
        ),
        c.Row("4", "  server's own time for the stream", c.median(streams), "s", runs=runs),
        c.Row(
            "4",
            "  python: import openai (no teardown)",
            c.median(walls["import openai"]),
            "s",
            "import httpx2, json (no teardown)",
            c.median(walls["import httpx2"]),
            runs=runs,
            note="the SDK's import alone; floor of an SDK client = bare loop + this - "
            f"httpx2 import = {floor:.3f} s",
        ),
    ]
    if "codex" in walls:
        rows.append(
            c.Row(
                "4",
                "  codex exec, same stream, wall",
                c.median(walls["codex"]),
                "s",
                "bare httpx2+json loop",
                bare,
                runs=runs,
                note=f"for comparison: infercode/codex = {value / c.median(walls['codex']):.2f}x",
            )
        )
    return rows, c.median(cpus["infercode"])


# -- 3: first token -----------------------------------------------------------------------------


def first_token_rows(runs: int) -> list[c.Row]:
    marker = FIRST_TOKEN.encode()
    with c.BenchServer(["--first-token"]) as server, c.workspace() as (root, env):
        headless = [
            c.INFERCODE,
            "-p",
            "hi",
            "--output-format",
            "stream-json",
            "--base-url",
            server.url,
        ]
        bare = [c.PYTHON, c.BARE_CLIENT, server.url, "--stream"]
        for cmd in (headless, bare):
            c.run_child(cmd, env=env, cwd=root)
        repl_first(server.url, root, env, pause=TYPING_PAUSE_S)
        server.drain()
        samples: dict[str, list[float]] = {
            "headless": [],
            "bare": [],
            "repl1": [],
            "repl2": [],
            "repl0": [],
        }
        for _ in range(runs):
            for name, cmd in (("bare", bare), ("headless", headless)):
                result = c.run_child(cmd, env=env, cwd=root, first_line=marker)
                assert result.first_line_s is not None
                samples[name].append(result.first_line_s - server.take()[0].to_first_delta)
            first, second = repl_first(server.url, root, env, pause=TYPING_PAUSE_S)
            samples["repl1"].append(first - server.take()[0].to_first_delta)
            samples["repl2"].append(second - server.take()[0].to_first_delta)
            immediate, _ = repl_first(server.url, root, env, pause=0.0, second_turn=False)
            samples["repl0"].append(immediate - server.take()[0].to_first_delta)
    ms = {name: [s * 1000 for s in values] for name, values in samples.items()}
    repl1 = c.median(ms["repl1"])
    repl2 = c.median(ms["repl2"])
    return [
        c.Row(
            "3",
            "REPL first token overhead, first turn",
            repl1,
            "ms",
            goal="<= 50 ms",
            met=repl1 <= 50,
            runs=runs,
            note=f"Enter pressed {TYPING_PAUSE_S:.0f} s after the prompt appeared; "
            "overhead = Enter to first delta on screen - server's request-to-first-delta",
        ),
        c.Row(
            "3",
            "REPL first token overhead, second turn",
            repl2,
            "ms",
            goal="<= 50 ms",
            met=repl2 <= 50,
            runs=runs,
        ),
        c.Row(
            "3",
            "  REPL first turn, Enter at once",
            c.median(ms["repl0"]),
            "ms",
            runs=runs,
            note="Enter pressed the moment the prompt appears (openai may still be loading)",
        ),
        c.Row(
            "3",
            "headless launch to first delta on stdout",
            c.median(ms["headless"]),
            "ms",
            "bare client (launch incl.)",
            c.median(ms["bare"]),
            runs=runs,
            note="stream-json; the server's time to first delta subtracted from both",
        ),
    ]


def repl_first(
    url: str, root: Path, env: Mapping[str, str], *, pause: float, second_turn: bool = True
) -> tuple[float, float]:
    """Enter-to-first-delta on a fresh REPL's first turn (and on its second turn)."""
    marker = FIRST_TOKEN.encode()
    term = spawn_pty([c.INFERCODE], root, {**env, "INFERCOM_BASE_URL": url})
    try:
        term.wait_prompt(timeout=30)
        time.sleep(pause)
        reader = RawReader(term)
        results = []
        for text in ("hi", "again") if second_turn else ("hi",):
            term.type(text)
            start = len(term.raw)
            pressed = time.monotonic()
            term.press("enter")
            results.append(reader.read_until(marker, start) - pressed)
            reader.read_quiet(0.2)
            reader.catch_up()
            term.wait_prompt(timeout=30)
            reader.fed = len(term.raw)
    finally:
        term.close()
    return results[0], results[-1]


# -- 5: rendering -------------------------------------------------------------------------------


def render_rows(runs: int, headless_cpu: float) -> list[c.Row]:
    cpu_total: list[float] = []
    cpu_turn: list[float] = []
    lags: dict[str, list[float]] = {"paced": [], "unpaced": []}
    pace = ["--delta-delay", str(PACED_DELAY_S)]
    with (
        c.BenchServer(["--reply-kb", "50", "--end-marker"]) as fast,
        c.BenchServer(["--reply-kb", "50", "--end-marker", *pace]) as paced,
        c.workspace() as (root, env),
    ):
        render_once(fast.url, root, env)  # warm up
        fast.drain()
        paced_s: list[float] = []
        for _ in range(runs):
            total, turn, seen = render_once(fast.url, root, env)
            cpu_total.append(total)
            cpu_turn.append(turn)
            lags["unpaced"].append(seen - fast.take()[0].ended)
            _, _, seen = render_once(paced.url, root, env)
            timing = paced.take()[0]
            lags["paced"].append(seen - timing.ended)
            paced_s.append(timing.duration)
    total = c.median(cpu_total)
    paced_lag = c.median(lags["paced"]) * 1000
    return [
        c.Row(
            "5",
            "REPL CPU, launch to end of the 50 KB turn",
            total,
            "s",
            "headless run CPU",
            headless_cpu,
            "<= 2x headless",
            total <= 2 * headless_cpu,
            runs,
        ),
        c.Row("5", "  of which the turn itself", c.median(cpu_turn), "s", runs=runs),
        c.Row(
            "5",
            "last line on screen after the stream's end",
            paced_lag,
            "ms",
            goal="<= 100 ms",
            met=paced_lag <= 100,
            runs=runs,
            note=f"stream paced at {PACED_DELAY_S * 1e3:.1f} ms per delta "
            f"(lasted {c.median(paced_s):.1f} s)",
        ),
        c.Row(
            "5",
            "  same, unpaced stream (server as fast as it can)",
            c.median(lags["unpaced"]) * 1000,
            "ms",
            runs=runs,
        ),
    ]


def render_once(url: str, root: Path, env: Mapping[str, str]) -> tuple[float, float, float]:
    """(CPU since launch, CPU of the turn, time the last line appeared) for one REPL run."""
    term = spawn_pty([c.INFERCODE], root, {**env, "INFERCOM_BASE_URL": url})
    try:
        term.wait_prompt(timeout=30)
        time.sleep(TYPING_PAUSE_S)
        reader = RawReader(term)
        pid = term.child.pid
        before = c.proc_cpu_s(pid)
        term.type("hi")
        start = len(term.raw)
        term.press("enter")
        seen = reader.read_until(END_MARKER.encode(), start)
        reader.read_quiet(0.3)  # the turn ends: settle, stop the live view, redraw the prompt
        after = c.proc_cpu_s(pid)
    finally:
        term.close()
    return after, after - before, seen


def run(quick: bool = False, runs: int | None = None) -> list[c.Row]:
    n = runs or (3 if quick else 7)
    c.log(f"stream: headless 50 KB x{n}")
    headless, headless_cpu = headless_rows(n)
    c.log(f"stream: first token x{n}")
    first = first_token_rows(n)
    c.log(f"stream: REPL rendering x{n}")
    return first + headless + render_rows(n, headless_cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    c.print_table(run(runs=args.runs))
    return 0


if __name__ == "__main__":
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    raise SystemExit(main())

"""Shared pieces of the benchmarks: environment, child processes, the local server, the table.

Every figure is a median over several runs, printed next to a baseline measured in the same run
on the same machine (the machine is shared and noisy; ratios travel better than seconds).

The measured commands run without ``PYTHONDONTWRITEBYTECODE`` (users have bytecode caches; with
it set, every start recompiles every import), after one warm-up run that writes the caches.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `tests.support` (the local server, the pty harness)
    sys.path.insert(0, str(REPO))

PYTHON = sys.executable
#: The console script installed beside this interpreter, as users run it.
INFERCODE = str(Path(sys.executable).with_name("infercode"))
SERVER_SCRIPT = str(REPO / "bench" / "server.py")
BARE_CLIENT = str(REPO / "bench" / "bare_client.py")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


def clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for measured commands: bytecode caches on, no color or size overrides."""
    drop = {"PYTHONDONTWRITEBYTECODE", "NO_COLOR", "COLUMNS", "LINES", "FORCE_COLOR"}
    return {k: v for k, v in (base or os.environ).items() if k not in drop}


@contextmanager
def workspace(files: Mapping[str, str] | None = None) -> Iterator[tuple[Path, dict[str, str]]]:
    """A fresh git workspace and an isolated environment (home, state dir) in a temp folder."""
    from tests.support.pty import isolated_env, make_workspace

    tmp = Path(tempfile.mkdtemp(prefix="infercode-bench-"))
    try:
        root = make_workspace(tmp / "ws", files)
        env = clean_env(isolated_env(tmp))
        env.pop("INFERCOM_API_KEY", None)  # the local server needs none
        yield root, env
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class ChildRun:
    """One finished child process: wall time, CPU, peak RSS, exit status, output."""

    wall_s: float
    user_s: float
    sys_s: float
    maxrss_kb: int
    returncode: int
    stdout: bytes
    first_line_s: float | None = None  # when the first line matching ``first_line`` arrived

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


def run_child(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    first_line: bytes | None = None,
    timeout: float = 120.0,
) -> ChildRun:
    """Run ``cmd`` to the end (stdin closed); its rusage comes from ``wait4``, so it is the
    child's own. With ``first_line``, also the time until a stdout line containing it arrived."""
    with tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        assert proc.stdout is not None
        out, first = _read_all(proc.stdout, first_line, started, timeout)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(
                f"{' '.join(cmd)} exited {proc.returncode}: {err.read().decode()[-2000:]}"
            )
    return ChildRun(
        wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss, proc.returncode, out, first
    )


def _read_all(
    pipe: IO[bytes], marker: bytes | None, started: float, timeout: float
) -> tuple[bytes, float | None]:
    chunks: list[bytes] = []
    first: float | None = None
    pending = b""
    deadline = started + timeout
    fd = pipe.fileno()
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("the benchmarked command did not finish")
        data = os.read(fd, 65536)
        if not data:
            break
        chunks.append(data)
        if marker is not None and first is None:
            pending += data
            if marker in pending:
                first = time.monotonic() - started
            pending = pending[-len(marker) :]
    pipe.close()
    return b"".join(chunks), first


def proc_cpu_s(pid: int) -> float:
    """user + system CPU of a live process (all its threads, dead ones included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


# -- the local Responses server, in its own process ------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """One streamed answer as the server saw it (``time.monotonic()``, one clock machine-wide)."""

    received: float
    first_delta: float
    ended: float
    body_bytes: int
    encode_s: float  # json.dumps of the parsed request body: the unavoidable cost of a resend

    @property
    def to_first_delta(self) -> float:
        return self.first_delta - self.received

    @property
    def duration(self) -> float:
        return self.ended - self.received


@dataclass
class BenchServer:
    """``bench/server.py`` in a subprocess; its stream timings arrive on a queue."""

    args: Sequence[str]
    url: str = ""
    _proc: subprocess.Popen[bytes] | None = None
    _timings: queue.Queue[Timing] = field(default_factory=queue.Queue)

    def __enter__(self) -> BenchServer:
        env = clean_env()
        self._proc = subprocess.Popen(
            [PYTHON, SERVER_SCRIPT, *self.args], stdout=subprocess.PIPE, env=env, cwd=REPO
        )
        assert self._proc.stdout is not None
        first = self._proc.stdout.readline().decode()
        if not first.startswith("listening on "):
            raise RuntimeError(f"the bench server did not start: {first!r}")
        self.url = first.split()[-1]
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            record: dict[str, Any] = json.loads(line)
            self._timings.put(Timing(**record))

    def take(self, count: int = 1, timeout: float = 30.0) -> list[Timing]:
        """The next ``count`` stream timings (waits for them)."""
        return [self._timings.get(timeout=timeout) for _ in range(count)]

    def drain(self) -> list[Timing]:
        out: list[Timing] = []
        while True:
            try:
                out.append(self._timings.get_nowait())
            except queue.Empty:
                return out

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)


# -- results ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """One figure of the table: the median, its same-run baseline, and the target."""

    target: str  # "1", "2", ...; "" for context rows
    name: str
    value: float
    unit: str  # "s", "ms", "MB", "x"
    baseline_name: str = ""
    baseline: float | None = None
    goal: str = ""  # e.g. "<= 0.10 s"
    met: bool | None = None
    runs: int = 0
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.3g} {unit}"


def print_table(rows: Sequence[Row], out: IO[str] = sys.stdout) -> None:
    header = ("#", "figure", "median", "baseline", "base median", "ratio", "target", "met", "n")
    table = [header]
    for row in rows:
        ratio = row.ratio
        met = "" if row.met is None else ("yes" if row.met else "NO")
        table.append(
            (
                row.target,
                row.name,
                fmt(row.value, row.unit),
                row.baseline_name,
                fmt(row.baseline, row.unit) if row.baseline is not None else "",
                f"{ratio:.2f}x" if ratio is not None else "",
                row.goal,
                met,
                str(row.runs or ""),
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for index, line in enumerate(table):
        out.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() + "\n")
        if index == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")
    for row in rows:
        if row.note:
            out.write(f"  [{row.target or '-'}] {row.name}: {row.note}\n")
    out.flush()


def rows_to_json(rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [{**row.__dict__, "ratio": row.ratio} for row in rows]


def log(message: str) -> None:
    sys.stderr.write(f"  … {message}\n")
    sys.stderr.flush()

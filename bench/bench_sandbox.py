"""What the sandbox adds to one shell command: ``bash -c true``, unsandboxed vs each mechanism.

Two levels, each against its own unsandboxed baseline measured in the same run, interleaved
(one run of every case per round, so a noisy minute hits all cases alike):

* launch: ``Sandbox.launch`` (policy to argv, Landlock ruleset) + ``Popen`` + ``wait``: the cost
  the sandbox itself adds;
* tool: the shell tool's whole call (``ShellTool`` prepare + execute, output pump included).

The workspace is a git repository (so ``.git`` is protected, the costlier case for Landlock)
with 200 top-level entries. Mechanisms that do not work here are left out.

    python bench/bench_sandbox.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from infercode.sandbox import Sandbox, SandboxPolicy
from infercode.sandbox.bwrap import find_bwrap, probe
from infercode.sandbox.detect import _forced
from infercode.sandbox.landlock import abi_version
from infercode.tools.base import ToolContext
from infercode.tools.shell import ShellTool
from infercode.tools.workspace import Workspace

ARGV = ["bash", "-c", "true"]


def mechanisms() -> list[str]:
    found = []
    bwrap = find_bwrap()
    if bwrap is not None and probe(bwrap) is None:
        found.append("bwrap")
    if abi_version() >= 1:
        found.append("landlock")
    return found


def launch_once(root: Path, sandbox: Sandbox | None) -> None:
    if sandbox is None:
        subprocess.run(ARGV, cwd=root, check=True)
        return
    launch = sandbox.launch(ARGV, root)
    try:
        process = subprocess.Popen(
            launch.argv,
            cwd=root,
            env={**os.environ, **launch.env},
            preexec_fn=launch.preexec_fn,
            start_new_session=True,
        )
    finally:
        launch.close()
    if process.wait() != 0:
        raise RuntimeError(f"sandboxed true failed: {launch.argv}")


def tool_once(tool: ShellTool) -> None:
    result = tool.prepare({"command": "true"}).execute(ToolContext())
    if not result.ok:
        raise RuntimeError(result.output)


def build_workspace(root: Path) -> None:
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for i in range(100):
        (root / f"dir{i:03d}").mkdir()
        (root / f"file{i:03d}.txt").write_text("x\n")


def measure(runs: int) -> dict[str, list[float]]:
    """Samples in seconds by case name; the baselines are "launch, none" and "tool, none"."""
    with tempfile.TemporaryDirectory(prefix="infercode-bench-") as tmp:
        root = Path(tmp) / "ws"
        build_workspace(root)
        cases: dict[str, Callable[[], None]] = {
            "launch, none": lambda: launch_once(root, None),
            "tool, none": lambda: tool_once(ShellTool(Workspace(root))),
        }
        for name in mechanisms():
            sandbox = Sandbox(SandboxPolicy(root), detected=_forced(name))  # type: ignore[arg-type]
            tool = ShellTool(Workspace(root), sandbox=sandbox)
            cases[f"launch, {name}"] = lambda s=sandbox: launch_once(root, s)  # type: ignore[misc]
            cases[f"tool, {name}"] = lambda t=tool: tool_once(t)  # type: ignore[misc]
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for fn in cases.values():
            fn()  # warm-up: caches, the temp dir, imports
        for _ in range(runs):
            for name, fn in cases.items():
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=41, help="timed runs per case")
    args = parser.parse_args(argv)
    samples = measure(args.runs)
    print(f"\nmedian of {args.runs} interleaved runs\n", file=sys.stderr)
    print(f"{'case':<18} {'median ms':>10} {'min ms':>8} {'added ms':>9} {'x baseline':>11}")
    for name, values in samples.items():
        base = statistics.median(samples[name.split(",")[0] + ", none"])
        med = statistics.median(values)
        print(
            f"{name:<18} {med * 1e3:>10.1f} {min(values) * 1e3:>8.1f} "
            f"{(med - base) * 1e3:>9.1f} {med / base:>11.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How long a checkpoint takes on a repository of N small committed files.

Builds the repository in a temporary folder, then times ``Checkpoints.snapshot()``:

* cold: the first snapshot of a workspace (empty store, every file hashed), fresh store each run;
* warm, no change / warm, a few files changed: the store's index stat cache is reused;
* a whole turn (``begin_turn`` + edits + ``end_turn``) with a few files changed.

The baseline, measured in the same run on the same files, is ``git status --porcelain`` in the
user's repository (warm): the cost of git looking at every file once. Ratios are median / baseline.

    python bench/bench_checkpoint.py [--files N] [--runs R]
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

from infercode.git.checkpoints import Checkpoints

_GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | _GIT_ENV
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )


def build_repo(root: Path, files: int) -> list[Path]:
    """``files`` small files in three directory levels, committed; returns their paths."""
    paths: list[Path] = []
    per_dir = 50
    for i in range(files):
        d = i // per_dir
        folder = root / f"pkg{d // 20:02d}" / f"mod{d % 20:02d}" / ("tests" if i % 2 else "src")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"file{i:05d}.py"
        path.write_text(f"VALUE = {i}\n\ndef f{i}() -> int:\n    return VALUE\n")
        paths.append(path)
    (root / ".gitignore").write_text("*.log\n__pycache__/\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "bench")
    return paths


def timed(
    fn: Callable[[], object], runs: int, before: Callable[[], None] | None = None
) -> list[float]:
    samples: list[float] = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def measure(files: int, runs: int) -> list[tuple[str, list[float]]]:
    """(case, samples in seconds) for each case; the first is the baseline."""
    with tempfile.TemporaryDirectory(prefix="infercode-bench-") as tmp:
        root = Path(tmp) / "ws"
        root.mkdir()
        t0 = time.perf_counter()
        paths = build_repo(root, files)
        print(f"built {files} files in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        counter = iter(range(10**9))

        def touch_few() -> None:
            n = next(counter)
            for path in paths[n % 7 :: max(1, len(paths) // 5)][:5]:
                path.write_text(f"# edit {n}\n" + path.read_text())

        baseline = timed(
            lambda: git(root, "status", "--porcelain", "--untracked-files=all"),
            runs,
            touch_few,
        )
        stores = iter(range(10**9))
        cold = timed(
            lambda: Checkpoints(root, Path(tmp) / f"state{next(stores)}").snapshot(),
            max(3, runs // 2),
        )
        cp = Checkpoints(root, Path(tmp) / "state")
        cp.snapshot()
        unchanged = timed(cp.snapshot, runs)
        few = timed(cp.snapshot, runs, touch_few)

        def turn() -> None:
            cp.begin_turn("bench")
            touch_few()
            cp.end_turn()

        turns = timed(turn, runs)

    return [
        ("git status --porcelain (baseline)", baseline),
        ("snapshot, cold (new store)", cold),
        ("snapshot, warm, no change", unchanged),
        ("snapshot, warm, 5 files changed", few),
        ("begin_turn + 5 edits + end_turn", turns),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=10_000, help="files in the repository")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per warm case")
    args = parser.parse_args(argv)
    rows = measure(args.files, args.runs)
    base = statistics.median(rows[0][1])
    print(f"\n{args.files} files, median of {args.runs} runs (cold: {len(rows[1][1])})\n")
    print(f"{'case':<36} {'median ms':>10} {'min ms':>8} {'x baseline':>11}")
    for name, samples in rows:
        med = statistics.median(samples)
        print(f"{name:<36} {med * 1e3:>10.1f} {min(samples) * 1e3:>8.1f} {med / base:>11.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

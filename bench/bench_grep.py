"""How long the grep and glob tools take on a generated tree of N files.

Builds the tree in a temporary folder (N source files of ~40 lines in three directory levels, a
``.gitignore`` and an ignored ``build/`` of N/10 more files, a few binary files), then times the
tools as the engine runs them (``prepare`` + ``execute``), warm page cache, median of R runs:

* grep, Python search: a pattern on a few lines (the usual search) and one on every file (cut at
  100 results, the rest counted);
* grep through ripgrep, when ``rg`` is on PATH;
* glob ``**/*.py`` (walk, match, stat, sort).

The baseline, measured in the same run, is GNU ``grep -rn`` of the rare pattern over the same
tree (``build/`` excluded).

    python bench/bench_grep.py [--files N] [--runs R]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from infercode.tools.base import ToolContext
from infercode.tools.glob import GlobTool
from infercode.tools.grep import GrepTool
from infercode.tools.workspace import Workspace

LINES = [
    "import os",
    "from pathlib import Path",
    "",
    "def handler_{i}(request: dict[str, object]) -> str:",
    '    """Handle one request of kind {i}."""',
    "    value = request.get('value', {i})",
    "    if value is None:",
    "        return 'missing'",
    "    return str(value) + os.sep",
    "",
]


def build_tree(root: Path, files: int) -> None:
    per_dir = 50
    for i in range(files):
        d = i // per_dir
        folder = root / f"pkg{d // 20:02d}" / f"mod{d % 20:02d}" / ("tests" if i % 2 else "src")
        folder.mkdir(parents=True, exist_ok=True)
        body = "\n".join(line.format(i=i) for line in LINES * 4)
        if i % 1000 == 7:
            body += "\n# RARE_MARKER: look here\n"
        (folder / f"file{i:05d}.py").write_text(body + "\n")
        if i % 500 == 0:
            (folder / f"blob{i:05d}.bin").write_bytes(b"RARE_MARKER\x00" * 200)
    build = root / "build"
    build.mkdir()
    for i in range(files // 10):
        (build / f"gen{i:05d}.py").write_text("RARE_MARKER generated\n")
    (root / ".gitignore").write_text("build/\n*.log\n__pycache__/\n")


def timed(action: Callable[[], object], runs: int) -> list[float]:
    action()  # warm-up: page cache, imports, compiled patterns
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def measure(files: int, runs: int) -> list[tuple[str, list[float]]]:
    tmp = Path(tempfile.mkdtemp(prefix="infercode-bench-grep-"))
    try:
        root = tmp / "tree"
        root.mkdir()
        build_tree(root, files)
        workspace = Workspace(root)
        python = GrepTool(workspace, rg=None)
        rg_path = shutil.which("rg")
        rows: list[tuple[str, list[float]]] = []

        def grep(tool: GrepTool, **args: object) -> Callable[[], object]:
            return lambda: tool.prepare(dict(args)).execute(ToolContext())

        rows.append(
            ("grep RARE_MARKER, Python search", timed(grep(python, pattern="RARE_MARKER"), runs))
        )
        rows.append(
            (
                "grep 'return str', Python search (100 shown)",
                timed(grep(python, pattern="return str"), runs),
            )
        )
        if rg_path is not None:
            rg = GrepTool(workspace, rg=rg_path)
            rows.append(("grep RARE_MARKER, ripgrep", timed(grep(rg, pattern="RARE_MARKER"), runs)))
            rows.append(
                (
                    "grep 'return str', ripgrep (100 shown)",
                    timed(grep(rg, pattern="return str"), runs),
                )
            )
        glob = GlobTool(workspace)
        rows.append(
            (
                "glob **/*.py",
                timed(lambda: glob.prepare({"pattern": "**/*.py"}).execute(ToolContext()), runs),
            )
        )
        rows.append(
            (
                "baseline: " + " ".join(baseline(root)),
                timed(lambda: run(baseline(root), root), runs),
            )
        )
        return rows
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def baseline(root: Path) -> list[str]:
    return ["grep", "-rn", "--exclude-dir=build", "RARE_MARKER", "."]


def run(command: list[str], root: Path) -> None:
    subprocess.run(command, cwd=root, capture_output=True, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rows = measure(args.files, args.runs)
    print(f"{args.files:,} files, median of {args.runs} runs ({os.cpu_count()} CPUs)")
    for name, samples in rows:
        print(f"  {statistics.median(samples) * 1000:8.1f} ms  {name}")


if __name__ == "__main__":
    main()

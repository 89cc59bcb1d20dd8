"""Every benchmark of BENCHMARKS.md in one command, printed as one table.

    /work/venv/bin/python bench/run_all.py [--quick] [--only 1,4,...] [--json FILE]

Each figure is a median over several runs, beside a baseline measured in the same run (ratios
travel between machines better than seconds). ``--quick`` uses fewer runs, a 60-turn session and
a 2,000-file repository: a smoke test, not figures to publish. Run it with the venv's python;
the measured commands run with bytecode caches on (``PYTHONDONTWRITEBYTECODE`` removed), after a
warm-up run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import _common as c
import bench_checkpoint
import bench_session
import bench_startup
import bench_stream


def checkpoint_rows(quick: bool) -> list[c.Row]:
    files = 2_000 if quick else 10_000
    runs = 3 if quick else 7
    c.log(f"checkpoint: {files} files x{runs}")
    measured = dict(bench_checkpoint.measure(files, runs))
    base_name = "git status --porcelain (baseline)"
    base = statistics.median(measured[base_name])
    rows = []
    for name in ("snapshot, warm, 5 files changed", "begin_turn + 5 edits + end_turn"):
        value = statistics.median(measured[name])
        rows.append(
            c.Row(
                "7",
                f"checkpoint {name}",
                value,
                "s",
                "git status",
                base,
                "<= 0.300 s",
                value <= 0.300,
                runs,
            )
        )
    cold = statistics.median(measured["snapshot, cold (new store)"])
    rows.append(
        c.Row(
            "7",
            "  first snapshot of a session (cold store)",
            cold,
            "s",
            "git status",
            base,
            runs=len(measured["snapshot, cold (new store)"]),
            note="taken in a background thread when the session starts",
        )
    )
    return rows


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return (
        f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {git}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer runs: a smoke test")
    parser.add_argument("--only", help="comma-separated targets: 1,2,3,4,5,6,7")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else set("1234567")
    rows: list[c.Row] = []
    c.log(machine())
    if only & {"1", "2"}:
        rows += [r for r in bench_startup.run(args.quick) if r.target in only or not r.target]
    if only & {"3", "4", "5"}:
        rows += [r for r in bench_stream.run(args.quick) if r.target in only or not r.target]
    if "6" in only:
        rows += bench_session.run(args.quick)
    if "7" in only:
        rows += checkpoint_rows(args.quick)
    rows.sort(key=lambda row: row.target or "9")
    print(f"\n{machine()}\n")
    c.print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(c.rows_to_json(rows), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

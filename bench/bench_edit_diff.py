"""How long edit_file's preview diff takes on a big file edited with ``replace_all``.

The diff is computed before the user is asked to approve the edit, so it must stay quick on any
file. Patterns, over N lines (default 200,000):

* alternate: the word is on every other line (difflib's worst case: quadratic);
* every: on every line; sparse: on every 100th line; dups: on every 3rd line of a file whose
  other lines are all the same (no unique line to anchor on); gaps: a unique line every 51
  lines, between them the alternating case again (many small gaps, each difflib's worst case).

The baseline is ``difflib.unified_diff`` itself, measured on a smaller file (``--baseline-lines``,
default 20,000) because on N lines it takes minutes; its growth from N/4 to N/2... shows why.

    python bench/bench_edit_diff.py [--lines N] [--runs R] [--baseline-lines M]
"""

from __future__ import annotations

import argparse
import difflib
import statistics
import time
from collections.abc import Callable

from infercode.tools.output import split_lines, unified_diff

PATTERNS: dict[str, Callable[[int], str]] = {
    "alternate": lambda i: f"value_{i} = {'foo' if i % 2 else 'bar'}(x)\n",
    "every": lambda i: f"value_{i} = foo(x)\n",
    "sparse": lambda i: f"value_{i} = {'foo' if i % 100 == 0 else 'bar'}(x)\n",
    "dups": lambda i: "foo\n" if i % 3 == 0 else "same\n",
    "gaps": lambda i: f"anchor {i}\n" if i % 51 == 0 else ("same\n" if i % 2 else "foo\n"),
}


def _text(pattern: str, lines: int) -> tuple[str, str]:
    make = PATTERNS[pattern]
    before = "".join(make(i) for i in range(lines))
    return before, before.replace("foo", "baz")


def time_preview(pattern: str, lines: int, runs: int) -> float:
    before, after = _text(pattern, lines)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        unified_diff("big.py", before, after)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def time_difflib(pattern: str, lines: int) -> float:
    before, after = _text(pattern, lines)
    started = time.perf_counter()
    for _ in difflib.unified_diff(split_lines(before), split_lines(after), "a", "b", n=3):
        pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-lines", type=int, default=20_000)
    args = parser.parse_args()
    print(f"{'pattern':<10} {'lines':>8} {'preview (median)':>17} {'difflib':>9} {'at':>7}")
    for pattern in PATTERNS:
        ours = time_preview(pattern, args.lines, args.runs)
        theirs = time_difflib(pattern, args.baseline_lines)
        print(
            f"{pattern:<10} {args.lines:>8} {ours:>16.3f}s {theirs:>8.2f}s {args.baseline_lines:>7}"
        )


if __name__ == "__main__":
    main()

"""edit_file's preview diff: difflib's exact output for ordinary edits, bounded work on big files.

The timeout markers are the assertion that the work is not quadratic: on 200,000 alternating
lines difflib takes many minutes (bench/bench_edit_diff.py), the bounded diff well under a
second. No wall-clock figure is asserted.
"""

from __future__ import annotations

import difflib
import random
import re
from pathlib import Path

import pytest

from infercode.tools.bounded_diff import grouped, matching_blocks, opcodes, unified_lines
from infercode.tools.edit import EditFileTool
from infercode.tools.output import split_lines, unified_diff
from infercode.tools.workspace import Workspace
from tests.conftest import run_infercode
from tests.support.responses_server import FunctionCall, ResponsesServer, call_reply, text_reply

BIG = 200_000
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$")


def _alternating(lines: int) -> str:
    return "".join(f"value_{i} = {'foo' if i % 2 else 'bar'}(x)\n" for i in range(lines))


def _apply(before: list[str], diff: list[str]) -> list[str]:
    """Apply a unified diff, checking every context and removed line against ``before``."""
    out: list[str] = []
    position = 0
    for line in diff[2:]:
        match = HUNK.match(line.rstrip("\n"))
        if match:
            start = int(match.group(1)) - (0 if match.group(2) == "0" else 1)
            out.extend(before[position:start])
            position = start
        elif line.startswith(" ") or line.startswith("-"):
            assert before[position] == line[1:], (position, line)
            position += 1
            if line.startswith(" "):
                out.append(line[1:])
        else:
            assert line.startswith("+"), line
            out.append(line[1:])
    return out + before[position:]


def _random_lines(rng: random.Random, count: int, alphabet: int) -> list[str]:
    return [f"line {rng.randrange(alphabet)}\n" for _ in range(count)]


def _mutate(rng: random.Random, lines: list[str], alphabet: int) -> list[str]:
    out = list(lines)
    for _ in range(rng.randrange(1, 30)):
        at = rng.randrange(len(out) + 1)
        action = rng.randrange(3)
        if action == 0 and out:
            del out[at : at + rng.randrange(1, 20)]
        elif action == 1:
            out[at:at] = _random_lines(rng, rng.randrange(1, 20), alphabet)
        elif out:
            out[at - 1] = f"changed {rng.random()}\n"
    return out


@pytest.mark.parametrize("seed", range(40))
def test_small_edits_print_exactly_what_difflib_prints(seed: int) -> None:
    rng = random.Random(seed)
    before = _random_lines(rng, rng.randrange(0, 300), rng.choice([5, 50, 10_000]))
    after = _mutate(rng, before, 50)
    expected = list(difflib.unified_diff(before, after, "a/f", "b/f", n=3))
    assert list(unified_lines(before, after, "a/f", "b/f", n=3)) == expected


@pytest.mark.parametrize("seed", range(20))
def test_hunk_formatting_matches_difflib_for_the_same_matching(seed: int) -> None:
    rng = random.Random(seed)
    before = _random_lines(rng, rng.randrange(0, 200), 20)
    after = _mutate(rng, before, 20)
    matcher = difflib.SequenceMatcher(None, before, after)
    ours = list(grouped(opcodes(matcher.get_matching_blocks())))
    assert ours == list(matcher.get_grouped_opcodes(3))


@pytest.mark.parametrize("seed", range(12))
def test_big_file_diffs_are_correct(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = rng.choice([3, 100, 1_000_000])  # many repeated lines, some, all unique
    before = _random_lines(rng, 5_000, alphabet)
    after = _mutate(rng, before, alphabet)
    diff = list(unified_lines(before, after, "a/f", "b/f"))
    for i, j, size in matching_blocks(before, after):
        assert before[i : i + size] == after[j : j + size]
    if before != after:
        assert _apply(before, diff) == after


@pytest.mark.timeout(30)
def test_replace_all_on_200k_lines_is_previewed_quickly(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    big.write_text(_alternating(BIG))
    tool = EditFileTool(Workspace(tmp_path))
    call = tool.prepare(
        {"path": "big.py", "old_string": "foo", "new_string": "baz", "replace_all": True}
    )
    assert call.summary == f"edit big.py (+{BIG // 2} -{BIG // 2})"
    diff = split_lines(call.detail)
    before = split_lines(big.read_text())
    assert _apply(before, diff) == split_lines(big.read_text().replace("foo", "baz"))


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "line",
    [
        lambda i: "foo\n" if i % 3 == 0 else "same\n",  # nothing unique to anchor on
        lambda i: f"value_{i} = foo\n",  # every line changes
        lambda i: "foo\n" if i % 1000 == 0 else f"x{i % 7}\n",  # sparse, repeated lines
        # small gaps between unique lines, each one difflib's worst case
        lambda i: f"anchor {i}\n" if i % 51 == 0 else ("same\n" if i % 2 else "foo\n"),
    ],
)
def test_other_big_shapes_stay_bounded(line: object) -> None:
    make = line if callable(line) else None
    assert make is not None
    before = "".join(make(i) for i in range(BIG))
    after = before.replace("foo", "baz")
    diff, added, removed = unified_diff("f", before, after)
    assert added == removed == before.count("foo")
    assert _apply(split_lines(before), split_lines(diff)) == split_lines(after)


@pytest.mark.timeout(60)
def test_headless_replace_all_on_a_big_file(server: ResponsesServer, workspace: Path) -> None:
    (workspace / "big.py").write_text(_alternating(BIG))
    edit = {"path": "big.py", "old_string": "foo", "new_string": "baz", "replace_all": True}
    server.enqueue(call_reply(FunctionCall("edit_file", edit, "call_e")), text_reply("Renamed."))
    result = run_infercode(
        ["--base-url", server.url, "--yes", "-p", "rename foo"], cwd=workspace, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert (workspace / "big.py").read_text() == _alternating(BIG).replace("foo", "baz")
    server.enqueue(text_reply("Yes."))
    again = run_infercode(["--base-url", server.url, "--continue", "-p", "done?"], cwd=workspace)
    assert again.returncode == 0, again.stderr
    assert [r.rejected for r in server.requests if r.rejected] == []

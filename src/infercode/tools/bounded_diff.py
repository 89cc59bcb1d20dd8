"""Line diffs whose cost stays bounded on big files.

``difflib.SequenceMatcher`` finds one matching block per scan of the whole remaining range, so
a file where changed and unchanged lines alternate (``replace_all`` of a word on every other
line of a 200k-line file) costs time quadratic in its length: minutes before the user is even
asked to approve the edit.

For big inputs the work is split first, in linear time:

1. the common prefix and suffix are matched as they are;
2. in the middle, lines that occur exactly once in both versions are anchors (as in patience
   diff); the longest run of anchors in the same order (longest increasing subsequence,
   n log n) is matched;
3. between two anchors: a gap whose two sides have the same length and agree on at least half
   their lines at the same offsets is matched that way (lines changed in place, as
   ``replace_all`` of a word does); any other gap is small in real files and goes to
   ``SequenceMatcher``, within a work budget per gap and per diff. Past the budget a gap is
   compared at equal offsets if it can be, else shown as a replacement of the whole gap: a
   correct diff, only not the smallest one.

Small inputs (the usual edit) keep ``difflib``'s own matching, so their diff is exactly what
``difflib.unified_diff`` prints.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
from collections import Counter
from collections.abc import Iterator, Sequence

#: Up to this many lines (both versions together), difflib's own matching is used as it is.
SMALL_LINES = 2000
#: Largest gap (product of its two lengths) handed to SequenceMatcher in the big-file path,
#: and the most such work over all gaps of one diff (~0.5 s in the worst case we measured).
GAP_WORK = 250_000
TOTAL_GAP_WORK = 1_000_000

Block = tuple[int, int, int]  # (start in a, start in b, length), as SequenceMatcher's
Opcode = tuple[str, int, int, int, int]


def matching_blocks(a: Sequence[str], b: Sequence[str]) -> list[Block]:
    """Matching blocks of ``a`` and ``b`` (ascending, ending with ``(len(a), len(b), 0)``)."""
    if len(a) + len(b) <= SMALL_LINES:
        found = difflib.SequenceMatcher(None, a, b).get_matching_blocks()
        return [(m.a, m.b, m.size) for m in found]
    blocks: list[Block] = []
    prefix = 0
    limit = min(len(a), len(b))
    while prefix < limit and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]:
        suffix += 1
    if prefix:
        blocks.append((0, 0, prefix))
    blocks.extend(_middle(a, b, prefix, len(a) - suffix, prefix, len(b) - suffix))
    if suffix:
        blocks.append((len(a) - suffix, len(b) - suffix, suffix))
    return [*_merged(blocks), (len(a), len(b), 0)]


def _middle(
    a: Sequence[str], b: Sequence[str], a_lo: int, a_hi: int, b_lo: int, b_hi: int
) -> Iterator[Block]:
    count_a = Counter(a[a_lo:a_hi])
    count_b = Counter(b[b_lo:b_hi])
    where_b = {line: j for j, line in enumerate(b[b_lo:b_hi], b_lo) if count_b[line] == 1}
    pairs: list[tuple[int, int]] = []
    for i, line in enumerate(a[a_lo:a_hi], a_lo):
        j = where_b.get(line)
        if j is not None and count_a[line] == 1:
            pairs.append((i, j))
    budget = [TOTAL_GAP_WORK]
    i, j = a_lo, b_lo
    run: Block | None = None  # consecutive anchors, reported as one block
    for anchor_i, anchor_j in _increasing(pairs):
        if run is not None and anchor_i == i and anchor_j == j:
            run = (run[0], run[1], run[2] + 1)
        else:
            if run is not None:
                yield run
            yield from _gap(a, b, i, anchor_i, j, anchor_j, budget)
            run = (anchor_i, anchor_j, 1)
        i, j = anchor_i + 1, anchor_j + 1
    if run is not None:
        yield run
    yield from _gap(a, b, i, a_hi, j, b_hi, budget)


def _gap(
    a: Sequence[str],
    b: Sequence[str],
    a_lo: int,
    a_hi: int,
    b_lo: int,
    b_hi: int,
    budget: list[int],
) -> Iterator[Block]:
    """Matches inside one gap between anchors; ``budget`` is the matcher work left overall."""
    if a_lo >= a_hi or b_lo >= b_hi:
        return
    if a_hi - a_lo == 1 and b_hi - b_lo == 1:  # the most common gap: no matcher needed
        if a[a_lo] == b[b_lo]:
            yield (a_lo, b_lo, 1)
        return
    same_length = a_hi - a_lo == b_hi - b_lo
    if same_length:
        in_place = list(_lockstep(a, b, a_lo, a_hi, b_lo))
        if 2 * sum(size for _, _, size in in_place) >= a_hi - a_lo:
            yield from in_place  # lines replaced where they stood (replace_all of a word)
            return
    work = (a_hi - a_lo) * (b_hi - b_lo)
    if work > GAP_WORK or work > budget[0]:
        if same_length:
            yield from in_place
        return  # otherwise shown as a replacement of the whole gap
    budget[0] -= work
    matcher = difflib.SequenceMatcher(None, a[a_lo:a_hi], b[b_lo:b_hi])
    for x, y, size in matcher.get_matching_blocks():
        if size:
            yield (a_lo + x, b_lo + y, size)


def _lockstep(
    a: Sequence[str], b: Sequence[str], a_lo: int, a_hi: int, b_lo: int
) -> Iterator[Block]:
    """Equal lines at the same offsets of two gaps of one length, as blocks: linear."""
    start = -1
    for offset in range(a_hi - a_lo):
        if a[a_lo + offset] == b[b_lo + offset]:
            if start < 0:
                start = offset
        elif start >= 0:
            yield (a_lo + start, b_lo + start, offset - start)
            start = -1
    if start >= 0:
        yield (a_lo + start, b_lo + start, a_hi - a_lo - start)


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (ascending in their first item) that also ascends
    in the second: patience sorting, O(n log n)."""
    if all(x[1] < y[1] for x, y in itertools.pairwise(pairs)):
        return pairs  # the usual case: an edit does not reorder lines
    tails: list[int] = []  # tails[k]: smallest second item ending an ascending run of k + 1
    tail_index: list[int] = []
    previous: list[int] = [-1] * len(pairs)
    for index, (_, second) in enumerate(pairs):
        k = bisect.bisect_left(tails, second)
        if k == len(tails):
            tails.append(second)
            tail_index.append(index)
        else:
            tails[k] = second
            tail_index[k] = index
        previous[index] = tail_index[k - 1] if k else -1
    out: list[tuple[int, int]] = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        out.append(pairs[index])
        index = previous[index]
    out.reverse()
    return out


def _merged(blocks: list[Block]) -> Iterator[Block]:
    """Adjacent blocks joined, as SequenceMatcher reports them."""
    current: Block | None = None
    for block in blocks:
        if (
            current is not None
            and current[0] + current[2] == block[0]
            and current[1] + current[2] == block[1]
        ):
            current = (current[0], current[1], current[2] + block[2])
            continue
        if current is not None:
            yield current
        current = block
    if current is not None:
        yield current


def opcodes(blocks: Sequence[Block]) -> list[Opcode]:
    """``SequenceMatcher.get_opcodes`` for these matching blocks."""
    out: list[Opcode] = []
    i = j = 0
    for ai, bj, size in blocks:
        tag = ""
        if i < ai and j < bj:
            tag = "replace"
        elif i < ai:
            tag = "delete"
        elif j < bj:
            tag = "insert"
        if tag:
            out.append((tag, i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            out.append(("equal", ai, i, bj, j))
    return out


def grouped(codes: list[Opcode], n: int = 3) -> Iterator[list[Opcode]]:
    """``SequenceMatcher.get_grouped_opcodes``: hunks with ``n`` lines of context."""
    if not codes:
        codes = [("equal", 0, 1, 0, 1)]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    nn = n + n
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > nn:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def unified_lines(
    a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str, n: int = 3
) -> Iterator[str]:
    """``difflib.unified_diff(a, b, fromfile, tofile, n=n)`` with bounded matching work."""
    started = False
    for group in grouped(opcodes(matching_blocks(a, b)), n):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    yield " " + line
                continue
            if tag in ("replace", "delete"):
                for line in a[i1:i2]:
                    yield "-" + line
            if tag in ("replace", "insert"):
                for line in b[j1:j2]:
                    yield "+" + line


def _range(start: int, stop: int) -> str:
    """difflib's ``_format_range_unified``: 1-based start, and the length unless it is 1."""
    beginning = start + 1
    length = stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1  # empty ranges begin at the line just before the range
    return f"{beginning},{length}"

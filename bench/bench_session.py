"""Target 6: a long scripted tool session, per-turn client time and peak memory.

``infercode -p ... --yes`` against ``bench/server.py --tool-session TURNS``: each model response
asks for read_file, edit_file and shell (a short message first), so every turn runs three tools,
records six items and resends the whole history. The client's time for turn k is the gap between
the server's last byte of response k and the arrival of request k+1 (the server's own time,
including its history validation, is excluded). The unavoidable part of a resend, ``json.dumps``
of the request body, is measured on the server and shown beside it. Peak RSS is the child's
``ru_maxrss``.

    python bench/bench_session.py [--turns N] [--runs R]
"""

from __future__ import annotations

import argparse
import statistics

import _common as c
from server import NOTES

WINDOW = 10  # turns averaged (median) at each end


def one_session(turns: int) -> tuple[list[float], list[float], int, int]:
    """(client seconds per turn, json.dumps seconds per request, peak RSS KB, last body bytes)."""
    with (
        c.BenchServer(["--tool-session", str(turns)]) as server,
        c.workspace({NOTES: "counter 0\n"}) as (root, env),
    ):
        cmd = [
            c.INFERCODE,
            "-p",
            "work through the scripted turns",
            "--yes",
            "--max-turns",
            str(turns + 5),
            "--base-url",
            server.url,
        ]
        result = c.run_child(cmd, env=env, cwd=root, timeout=600)
        timings = server.take(turns + 1, timeout=60)
        final = (root / NOTES).read_text()
        if final != f"counter {turns}\n":
            raise AssertionError(f"the edits did not all apply: {final!r}")
    client = [timings[k + 1].received - timings[k].ended for k in range(turns)]
    encode = [t.encode_s for t in timings[1:]]
    return client, encode, result.maxrss_kb, timings[-1].body_bytes


def run(quick: bool = False, runs: int | None = None, turns: int | None = None) -> list[c.Row]:
    n_turns = turns or (60 if quick else 200)
    n_runs = runs or (1 if quick else 3)
    c.log(f"session: {n_turns} tool turns x{n_runs}")
    one_session(10)  # warm the caches
    firsts, lasts, first_net, last_net, rss, body = [], [], [], [], [], 0
    one_offs = []
    for _ in range(n_runs):
        client, encode, maxrss, body = one_session(n_turns)
        one_offs.append(client[0])
        # Turn 1 pays one-time costs (first tool imports, the git checkpoint before the first
        # edit); the comparison uses the turns after it: 2..11 against the last ten.
        head, tail = slice(1, 1 + WINDOW), slice(-WINDOW, None)
        firsts.append(statistics.median(client[head]))
        lasts.append(statistics.median(client[tail]))
        net = [cl - en for cl, en in zip(client, encode, strict=True)]
        first_net.append(statistics.median(net[head]))
        last_net.append(statistics.median(net[tail]))
        rss.append(maxrss / 1024)
    first = c.median(firsts) * 1000
    last = c.median(lasts) * 1000
    net_ratio = c.median(last_net) / c.median(first_net)
    peak = max(rss)
    return [
        c.Row(
            "6",
            f"client time per turn, turn {n_turns}",
            last,
            "ms",
            "turns 2-11",
            first,
            "<= 1.2x (net of resend)",
            net_ratio <= 1.2,
            n_runs,
            note=f"net of json.dumps of the request ({body / 1024:.0f} KB at the end): "
            f"{c.median(last_net) * 1000:.1f} ms vs {c.median(first_net) * 1000:.1f} ms = "
            f"{net_ratio:.2f}x; turn 1 itself {c.median(one_offs) * 1000:.0f} ms "
            "(one-time: tool imports, first checkpoint)",
        ),
        c.Row(
            "6",
            f"peak RSS, {n_turns}-turn session",
            peak,
            "MB",
            goal="<= 150 MB",
            met=peak <= 150,
            runs=n_runs,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    c.print_table(run(runs=args.runs, turns=args.turns))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The SSE decoder on the two shapes that matter: one huge event line, and many small deltas.

    .venv/bin/python bench/bench_sse.py

Beside each figure, the same bytes through the decoder as it was before it was made linear (a
``bytes`` buffer extended by every chunk), and ``json.loads`` of the payload alone as the floor.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from infercode.api.sse import iter_sse_json


def old_decoder(chunks: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """The decoder before: ``buffer += chunk`` copies the pending line for every chunk."""
    buffer = b""
    data_lines: list[bytes] = []
    for chunk in chunks:
        buffer += chunk
        if b"\n" not in chunk:
            continue
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.startswith(b"data:"):
                data_lines.append(line[5:])
            elif (not line or line == b"\r") and data_lines:
                event = _old_decode(data_lines)
                data_lines = []
                if event is not None:
                    yield event


def _old_decode(data_lines: list[bytes]) -> dict[str, Any] | None:
    data = data_lines[0] if len(data_lines) == 1 else b"\n".join(data_lines)
    try:
        value = json.loads(data.decode())
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def timed(fn: Any, runs: int) -> float:
    """The fastest of ``runs`` (the machine is shared: the minimum is the least disturbed)."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return min(samples)


def main() -> None:
    text = "x" * (40 * 1024 * 1024)
    payload = json.dumps({"type": "response.output_text.delta", "delta": text}).encode()
    body = b"data: " + payload + b"\n\n"
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    print("one 40 MB event line, 64 KB chunks (best of 3):")
    print(f"  json.loads alone   {timed(lambda: json.loads(payload), 3):7.3f} s")
    print(f"  decoder now        {timed(lambda: list(iter_sse_json(chunks)), 3):7.3f} s")
    print(f"  decoder before     {timed(lambda: list(old_decoder(chunks)), 1):7.3f} s (1 run)")

    events = [
        {"type": "response.output_text.delta", "delta": f"w{i % 10}ab", "sequence_number": i}
        for i in range(12_800)
    ]
    stream = b"".join(b"event: x\ndata: " + json.dumps(e).encode() + b"\n\n" for e in events)
    small = [stream[i : i + 16384] for i in range(0, len(stream), 16384)]
    print("12,800 small deltas (a 50 KB reply), 16 KB chunks (best of 15):")
    print(f"  decoder now        {timed(lambda: list(iter_sse_json(small)), 15) * 1000:7.1f} ms")
    print(f"  decoder before     {timed(lambda: list(old_decoder(small)), 15) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()

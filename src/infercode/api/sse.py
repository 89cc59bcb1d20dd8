"""A small server-sent-events decoder over raw bytes.

The SDK's typed event classes cost far more than the bytes they carry (pydantic validation per
delta), so the stream is read as plain JSON dicts and dispatched on their ``type`` string. This
loop runs once per delta (12,800 times for a 50 KB reply), so it does as little as it can per
line: ``event:`` and ``id:`` lines are skipped unread, and JSON is decoded from ``str`` (``json``
would sniff the encoding of ``bytes`` every time).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from infercode.engine.events import JSON

_loads = json.loads


def iter_sse_json(chunks: Iterable[bytes]) -> Iterator[JSON]:
    """Yield the JSON ``data`` of each event; ``[DONE]`` and comments are skipped."""
    buffer = b""
    data_lines: list[bytes] = []
    for chunk in chunks:
        buffer += chunk
        if b"\n" not in chunk:
            continue
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.startswith(b"data:"):
                # JSON ignores the optional space after the colon, and a trailing \r.
                data_lines.append(line[5:])
            elif (not line or line == b"\r") and data_lines:
                event = _decode(data_lines)
                data_lines = []
                if event is not None:
                    yield event
    if data_lines:
        event = _decode(data_lines)
        if event is not None:
            yield event


def _decode(data_lines: list[bytes]) -> JSON | None:
    data = data_lines[0] if len(data_lines) == 1 else b"\n".join(data_lines)
    try:
        value = _loads(data.decode())
    except ValueError:  # not JSON (``[DONE]``, a comment-like payload) or not UTF-8
        return None
    return value if isinstance(value, dict) else None

"""A small server-sent-events decoder over raw bytes.

The SDK's typed event classes cost far more than the bytes they carry (pydantic validation per
delta), so the stream is read as plain JSON dicts and dispatched on their ``type`` string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from infercode.events import JSON


def iter_sse_json(chunks: Iterable[bytes]) -> Iterator[JSON]:
    """Yield the JSON ``data`` of each event; ``[DONE]`` and comments are skipped."""
    buffer = b""
    data_lines: list[bytes] = []
    for chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            line = raw[:-1] if raw.endswith(b"\r") else raw
            if not line:
                if data_lines:
                    event = _decode(data_lines)
                    data_lines = []
                    if event is not None:
                        yield event
            elif line.startswith(b"data:"):
                data_lines.append(line[6:] if line[5:6] == b" " else line[5:])
    if data_lines:
        event = _decode(data_lines)
        if event is not None:
            yield event


def _decode(data_lines: list[bytes]) -> JSON | None:
    data = b"\n".join(data_lines)
    if data.startswith(b"[DONE]"):
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None

"""A small server-sent-events decoder over raw bytes.

The SDK's typed event classes cost far more than the bytes they carry (pydantic validation per
delta), so the stream is read as plain JSON dicts and dispatched on their ``type`` string. This
loop runs once per delta (12,800 times for a 50 KB reply), so it does as little as it can per
line: ``event:`` and ``id:`` lines are skipped unread, and JSON is decoded from ``str`` (``json``
would sniff the encoding of ``bytes`` every time).

This is also where text from the server is made valid (``engine/valid_text.py``): bytes that
are not UTF-8 become U+FFFD, and so do lone surrogates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from infercode.engine.events import JSON
from infercode.engine.valid_text import SURROGATE_ESCAPE, decode_json, valid_text

_loads = json.loads


def iter_sse_json(chunks: Iterable[bytes]) -> Iterator[JSON]:
    """Yield the JSON ``data`` of each event; ``[DONE]`` and comments are skipped.

    Linear in the input whatever its shape: bytes without a newline are kept as a list of
    pieces and joined once when the line ends (``buffer += chunk`` would copy the whole pending
    line for every chunk, quadratic on one 40 MB event).
    """
    pending: list[bytes] = []  # the current unfinished line, in pieces
    data_lines: list[bytes] = []
    for chunk in chunks:
        if b"\n" not in chunk:
            if chunk:
                pending.append(chunk)
            continue
        if pending:
            pending.append(chunk)
            chunk = b"".join(pending)
            pending = []
        *lines, rest = chunk.split(b"\n")
        if rest:
            pending.append(rest)
        for line in lines:
            if line.startswith(b"data:"):
                # JSON ignores the optional space after the colon, and a trailing \r.
                data_lines.append(line[5:])
            elif (not line or line == b"\r") and data_lines:
                event = _decode(data_lines)
                data_lines = []
                if event is not None:
                    yield event
    if pending:
        line = b"".join(pending)
        if line.startswith(b"data:"):
            data_lines.append(line[5:])
    if data_lines:
        event = _decode(data_lines)
        if event is not None:
            yield event


def _decode(data_lines: list[bytes]) -> JSON | None:
    data = data_lines[0] if len(data_lines) == 1 else b"\n".join(data_lines)
    try:  # decode_json, inlined: this runs once per delta
        value = _loads(data.decode())
    except ValueError:  # not JSON (``[DONE]``), or not UTF-8 (UnicodeDecodeError)
        value = decode_json(data)
    else:
        # Substring tests first: the regex costs more than the rest of a small delta's work.
        if b"\\u" in data and SURROGATE_ESCAPE.search(data) is not None:
            value = valid_text(value)
    return value if isinstance(value, dict) else None

"""The SSE decoder: whatever the chunking, the same JSON objects come out."""

from __future__ import annotations

import json

import pytest

from infercode.api.sse import iter_sse_json

STREAM = (
    b": a comment\n"
    b"event: response.created\n"
    b'data: {"type": "a", "text": "h\xc3\xa9llo \xe2\x9c\x93"}\n'
    b"\n"
    b'event: x\r\ndata:{"type": "b"}\r\n\r\n'
    b'data: {"type": "c",\n'
    b'data:  "lines": 2}\n'
    b"\n"
    b"data: [DONE]\n\n"
    b"data: 42\n\n"
    b"data: not json\n\n"
    b'data: {"type": "bad \xff utf-8"}\n\n'
    b'id: 7\ndata: {"type": "d"}\n\n'
    b'data: {"type": "e"}\n'  # no blank line at the end: still an event
)
EXPECTED = [
    {"type": "a", "text": "héllo ✓"},
    {"type": "b"},
    {"type": "c", "lines": 2},
    {"type": "bad \ufffd utf-8"},  # made valid at the boundary, not dropped
    {"type": "d"},
    {"type": "e"},
]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, len(STREAM)])
def test_any_chunking_gives_the_same_events(size: int) -> None:
    chunks = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    assert list(iter_sse_json(chunks)) == EXPECTED


def test_many_small_events() -> None:
    events = [{"type": "response.output_text.delta", "delta": f"d{i}"} for i in range(500)]
    body = b"".join(b"event: delta\ndata: " + json.dumps(e).encode() + b"\n\n" for e in events)
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    assert list(iter_sse_json(chunks)) == events

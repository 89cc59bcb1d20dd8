"""The incremental request body is byte for byte what the openai SDK would have sent."""

from __future__ import annotations

from typing import Any

import pytest
from openai._utils._json import openapi_dumps

from infercode.api.client import build_params
from infercode.api.request_body import BodyEncoder
from infercode.engine.history import assistant_message, function_call_output, user_message
from infercode.engine.model import ModelRequest

TOOLS = [{"type": "function", "name": "shell", "parameters": {"type": "object"}}]


def params(items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return build_params(ModelRequest(model="MiniMax-M2.5", input=items, **extra))


def test_a_growing_history_encodes_as_the_sdk_encodes_it() -> None:
    encoder = BodyEncoder()
    items: list[dict[str, Any]] = []
    for turn in range(5):
        items.append(user_message(f'turn {turn}: héllo ✓ "quoted"\n\ttab \u2028 \U0001f600'))
        items.append(
            {
                "type": "function_call",
                "call_id": f"c{turn}",
                "name": "shell",
                "arguments": '{"command": "ls"}',
            }
        )
        items.append(function_call_output(f"c{turn}", "a\nb" * turn))
        items.append(assistant_message("done"))
        body = params(list(items), instructions="be brief", tools=TOOLS, reasoning_effort="high")
        assert encoder.encode(body) == openapi_dumps(body)


def test_replaced_or_reordered_items_are_encoded_afresh() -> None:
    encoder = BodyEncoder()
    first = [user_message("a"), assistant_message("b")]
    encoder.encode(params(first))
    replaced = [user_message("summary"), first[1]]  # as after a compaction
    assert encoder.encode(params(replaced)) == openapi_dumps(params(replaced))
    reordered = [first[1], first[0]]
    assert encoder.encode(params(reordered)) == openapi_dumps(params(reordered))


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m", "input": []},
        {"model": "m", "input": "plain text"},
        {"input": [], "model": "m"},
        {"model": "m", "input": [{"type": "message"}], "stream": True},
    ],
)
def test_other_shapes_encode_as_the_sdk_encodes_them(body: dict[str, Any]) -> None:
    assert BodyEncoder().encode(body) == openapi_dumps(body)


def test_nan_is_refused_like_the_sdk_refuses_it() -> None:
    body = params([{"type": "message", "x": float("nan")}])
    with pytest.raises(ValueError):
        openapi_dumps(body)
    with pytest.raises(ValueError):
        BodyEncoder().encode(body)

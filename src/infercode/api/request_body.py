"""The JSON body of ``POST /responses``, encoded without re-encoding the whole history each time.

The API is stateless, so every request resends the conversation; the history only grows, so
each request repeats the one before it plus a few items. ``BodyEncoder`` keeps each item's
encoding from the previous request and encodes only the new ones: the same bytes as encoding
the whole body (the openai SDK's settings: compact, UTF-8, no NaN), for a fraction of the work
late in a long session.
"""

from __future__ import annotations

import json
from typing import Any

from infercode.engine.events import JSON

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def dumps(value: object) -> str:
    """JSON as the openai SDK writes request bodies."""
    return _encode(value)


class BodyEncoder:
    """Encodes request bodies, reusing the encoding of items sent in the previous request.

    Items are looked up by identity, and an item is only reused if it is the very same object
    (history items are never changed in place once appended). Only the last request's items are
    kept, so the cache never outgrows the history.
    """

    def __init__(self) -> None:
        self._items: dict[int, tuple[JSON, str]] = {}

    def encode(self, params: dict[str, Any]) -> bytes:
        """``dumps(params)`` as bytes; ``params`` starts with ``model`` then ``input`` (a list)."""
        keys = list(params)
        items = params.get("input")
        if keys[:2] != ["model", "input"] or not isinstance(items, list):
            return dumps(params).encode()
        previous = self._items
        current: dict[int, tuple[JSON, str]] = {}
        parts: list[str] = []
        for item in items:
            known = previous.get(id(item))
            text = known[1] if known is not None and known[0] is item else dumps(item)
            current[id(item)] = (item, text)
            parts.append(text)
        self._items = current
        head = dumps({"model": params["model"]})[:-1]  # '{"model":"..."'
        rest = dumps({key: params[key] for key in keys[2:]})  # '{...}' or '{}'
        tail = "}" if rest == "{}" else "," + rest[1:]
        return (head + ',"input":[' + ",".join(parts) + "]" + tail).encode()

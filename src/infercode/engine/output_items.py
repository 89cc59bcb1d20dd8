"""Make every output item the model sends into a valid input item, once, on arrival.

A server may send a ``function_call`` without ``call_id``, with an empty name, with ``arguments``
as a JSON object instead of a string, with no fields at all; it may repeat
``response.output_item.done`` or reuse a ``call_id``. Stored as received, such an item makes
every later request (and every ``--continue``) fail with 400, or runs a call twice. So each item
is normalised when it arrives (``ItemNormaliser``), and a recorded history is put through the
same rules when a session is resumed (``repair_items``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from infercode.engine.events import JSON
from infercode.engine.history import to_input_item
from infercode.engine.valid_text import valid_text

#: The name stored for a call the model sent without one (the API requires a non-empty name).
NAMELESS = "unnamed_call"
NAMELESS_OUTPUT = (
    "Not run: the call had no function name. Call one of the available tools by its name."
)


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def content_key(item: JSON) -> str:
    """What makes two output items the same item: the server's id, else the content."""
    ident = item.get("id")
    if isinstance(ident, str) and ident:
        return f"id:{ident}"
    if item.get("type") == "function_call" and isinstance(item.get("call_id"), str):
        return f"call:{item['call_id']}"
    return "json:" + json.dumps(item, sort_keys=True, default=str)


def _arguments(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "{}"
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Normalised:
    """An item ready to store; ``problem`` set: answer the call with it instead of running it."""

    item: JSON
    problem: str | None = None


class ItemNormaliser:
    """Normalises the output items of one response against the call ids already in history."""

    def __init__(self, used_call_ids: Iterable[str] = ()) -> None:
        self._used = set(used_call_ids)
        self._seen: set[str] = set()
        self._seen_calls: set[tuple[str, str]] = set()  # (name, arguments) of id-less calls

    def take(self, raw: JSON) -> Normalised | None:
        """The item to store, or None for a duplicate or a kind that is not kept."""
        key = content_key(raw)
        if key in self._seen:
            return None
        self._seen.add(key)
        item = to_input_item(raw)
        if item is None:
            return None
        if item.get("type") != "function_call":
            return Normalised(valid_text(item))  # type: ignore[arg-type]
        name = raw.get("name")
        arguments = _arguments(raw.get("arguments"))
        call_id = raw.get("call_id")
        if not (isinstance(call_id, str) and call_id):
            if not raw.get("id"):
                # Nothing identifies it but its content: the same call again is a repeat.
                signature = (str(name), arguments)
                if signature in self._seen_calls:
                    return None
                self._seen_calls.add(signature)
            call_id = new_call_id()
        elif call_id in self._used:
            call_id = new_call_id()  # a reused id would pair with the wrong output
        self._used.add(call_id)
        problem = None
        if not (isinstance(name, str) and name.strip()):
            name, problem = NAMELESS, NAMELESS_OUTPUT
        stored: JSON = {
            "type": "function_call",
            "call_id": call_id,
            "name": name,
            "arguments": arguments,
        }
        return Normalised(valid_text(stored), problem)  # type: ignore[arg-type]


def repair_items(items: Iterable[JSON]) -> tuple[list[JSON], int]:
    """A recorded history made valid by the same rules; returns it and the number of fixes.

    Calls get a non-empty unique ``call_id``, a name and string arguments; a reused call id is
    renamed together with its matching output; an output that answers no call is dropped.
    (Calls left without an output are answered later by ``History.repair``.)
    """
    out: list[JSON] = []
    fixes = 0
    used: set[str] = set()
    renamed: dict[str, list[str]] = {}  # original id -> ids of its later occurrences, in order
    answered: dict[str, int] = {}  # original id -> outputs seen for it
    for index, raw in enumerate(items):
        # Ids made here depend on the item's place only: the file keeps the old item, and the
        # outputs appended after this load must pair with the same id when it is loaded again.
        repaired_id = f"call_repaired_{index}"
        item = valid_text(raw)
        assert isinstance(item, dict)
        fixes += item != raw
        kind = item.get("type")
        if kind == "function_call":
            fixed = dict(item)
            call_id = item.get("call_id")
            if not (isinstance(call_id, str) and call_id):
                fixed["call_id"] = repaired_id
            elif call_id in used:
                fixed["call_id"] = repaired_id
                renamed.setdefault(call_id, []).append(str(fixed["call_id"]))
            name = item.get("name")
            if not (isinstance(name, str) and name.strip()):
                fixed["name"] = NAMELESS
            fixed["arguments"] = _arguments(item.get("arguments"))
            used.add(str(fixed["call_id"]))
            fixes += fixed != item
            out.append(fixed)
        elif kind == "function_call_output":
            call_id = item.get("call_id")
            if not isinstance(call_id, str) or call_id not in used:
                fixes += 1  # answers no call: a strict server rejects the whole request
                continue
            count = answered.get(call_id, 0)
            answered[call_id] = count + 1
            if count:
                later = renamed.get(call_id, [])
                if count > len(later):
                    fixes += 1  # a second answer to the same call
                    continue
                item = {**item, "call_id": later[count - 1]}
                fixes += 1
            out.append(item)
        else:
            out.append(item)
    return out, fixes

"""The conversation as Responses API ``input`` items: append-only, always valid to resend.

The API is stateless, so this list *is* the conversation. Output items from the server are
normalized into input items (``to_input_item``) before they are stored, so that what we resend is
what the hosted API accepts under ``store: false``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from infercode.engine.events import JSON

INTERRUPTED_OUTPUT = "The call was interrupted before it produced a result; it may not have run."

Listener = Callable[[JSON], None]


def user_message(text: str) -> JSON:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def assistant_message(text: str) -> JSON:
    return {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def function_call_output(call_id: str, output: str) -> JSON:
    return {"type": "function_call_output", "call_id": call_id, "output": output}


def to_input_item(item: JSON) -> JSON | None:
    """Turn an output item into the input item we resend, or None for kinds we do not keep.

    Ids are dropped: with ``store: false`` the server cannot look them up, and a reasoning item
    that carries an id but no ``encrypted_content`` is rejected outright. A reasoning item keeps its
    id only together with its encrypted content (the OpenAI way of passing reasoning back).
    """
    kind = item.get("type")
    if kind == "message":
        parts = item.get("content")
        content = (
            [
                {"type": "output_text", "text": p.get("text", ""), "annotations": []}
                for p in parts
                if isinstance(p, dict) and p.get("type") in ("output_text", "text")
            ]
            if isinstance(parts, list)
            else []
        )
        return {"type": "message", "role": item.get("role", "assistant"), "content": content}
    if kind == "function_call":
        return {
            "type": "function_call",
            "call_id": item.get("call_id", ""),
            "name": item.get("name", ""),
            "arguments": item.get("arguments", ""),
        }
    if kind == "reasoning":
        out: JSON = {"type": "reasoning", "summary": item.get("summary") or []}
        if item.get("content"):
            out["content"] = item["content"]
        encrypted = item.get("encrypted_content")
        if encrypted:
            out["encrypted_content"] = encrypted
            if item.get("id"):
                out["id"] = item["id"]
        return out
    return None


def message_text(item: JSON) -> str:
    """The text of a message item (all its text parts joined)."""
    parts = item.get("content")
    if isinstance(parts, str):
        return parts
    if not isinstance(parts, list):
        return ""
    return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))


def reasoning_text(item: JSON) -> str:
    """Plain reasoning text (``content``) or, failing that, the summary text."""
    for key in ("content", "summary"):
        parts = item.get(key)
        if isinstance(parts, list) and parts:
            return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
    return ""


def unanswered_calls(items: Iterable[JSON]) -> list[str]:
    """Call ids of function calls that have no ``function_call_output`` yet, in order."""
    answered = {i.get("call_id") for i in items if i.get("type") == "function_call_output"}
    return [
        str(i.get("call_id"))
        for i in items
        if i.get("type") == "function_call" and i.get("call_id") not in answered
    ]


class History:
    """Append-only list of input items, with listeners (session files) told of every append."""

    def __init__(self, items: Iterable[JSON] = ()) -> None:
        self._items: list[JSON] = list(items)
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def append(self, item: JSON) -> None:
        self._items.append(item)
        for listener in self._listeners:
            listener(item)

    def extend(self, items: Iterable[JSON]) -> None:
        for item in items:
            self.append(item)

    @property
    def items(self) -> list[JSON]:
        """A shallow copy: callers cannot rewrite what was sent."""
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def repair(self, output: str = INTERRUPTED_OUTPUT) -> list[str]:
        """Give every call without an output one, so the next request is valid; return their ids."""
        missing = unanswered_calls(self._items)
        for call_id in missing:
            self.append(function_call_output(call_id, output))
        return missing

    def replace(self, items: Iterable[JSON]) -> None:
        """Start over from ``items`` (``/clear``, compaction). Listeners are not replayed."""
        self._items = list(items)

"""A ``CallToolResult`` as the text the model reads.

Text blocks are joined; images, audio and resources are summarised (type, size, URI) — the model
only reads text here; ``structuredContent`` is shown when there is no text at all.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any


def _getter(obj: Any) -> Callable[[str], Any]:
    if isinstance(obj, dict):
        return obj.get
    return lambda key: getattr(obj, key, None)


def _size(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        return len(data)


def block_text(block: Any) -> str:
    """One content block as text (duck-typed: the SDK's models or plain dicts alike)."""
    get = _getter(block)
    kind = get("type")
    if kind == "text":
        return str(get("text") or "")
    if kind in ("image", "audio"):
        mime = get("mime_type") or get("mimeType") or "?"
        return f"[{kind} {mime}, {_size(str(get('data') or ''))} bytes]"
    if kind == "resource_link":
        return f"[resource link {get('uri')}{_name(get('name'))}]"
    if kind == "resource":
        resource = get("resource")
        rget = _getter(resource)
        uri = rget("uri")
        text = rget("text")
        if isinstance(text, str):
            return f"[resource {uri}]\n{text}"
        blob = rget("blob")
        mime = rget("mime_type") or rget("mimeType") or "?"
        return f"[resource {uri}, {mime}, {_size(str(blob or ''))} bytes]"
    return f"[{kind} content]"


def _name(name: object) -> str:
    return f" ({name})" if name else ""


def result_text(content: Sequence[Any], structured: object = None) -> str:
    parts = [block_text(block) for block in content]
    text = "\n".join(part for part in parts if part)
    if not text and structured is not None:
        text = json.dumps(structured, ensure_ascii=False, indent=2)
    return text or "(no output)"

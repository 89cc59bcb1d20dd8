"""An MCP tool's ``inputSchema`` as ``parameters`` the Responses API accepts.

The API wants an object at the root, without ``oneOf``/``anyOf``/``allOf``/``enum``/``not``
there, objects with ``properties`` and arrays with ``items``; MCP servers send any JSON Schema
(often with ``$schema`` and ``title`` from pydantic). Anything else is passed on unchanged.
"""

from __future__ import annotations

from typing import Any

from infercode.engine.events import JSON

_ROOT_FORBIDDEN = ("oneOf", "anyOf", "allOf", "enum", "not")
_DROPPED = ("$schema", "$id")


def to_parameters(schema: object) -> JSON:
    """A copy of ``schema`` fit for a function tool's ``parameters``."""
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        return {"type": "object", "properties": {}}
    root: JSON = _fix(schema)
    for key in _ROOT_FORBIDDEN:
        root.pop(key, None)
    root["type"] = "object"
    if not isinstance(root.get("properties"), dict):
        root["properties"] = {}
    required = root.get("required")
    if required is not None and not (
        isinstance(required, list) and all(isinstance(r, str) for r in required)
    ):
        root.pop("required")
    return root


def _fix(node: Any) -> Any:
    if isinstance(node, list):
        return [_fix(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(
            value, dict
        ):
            out[key] = {name: _fix(sub) for name, sub in value.items()}
        else:
            out[key] = _fix(value)
    kind = out.get("type")
    if kind is None and "properties" in out:
        out["type"] = kind = "object"
    if kind == "object" and not isinstance(out.get("properties"), dict):
        out["properties"] = {}
    if kind == "array" and "items" not in out:
        out["items"] = {}
    return out

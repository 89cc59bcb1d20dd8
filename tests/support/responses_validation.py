"""Request validation with the hosted API's error texts, so tests catch a broken history.

The three history messages are copied verbatim from the hosted API; the structural ones follow
OpenAI's "Missing required parameter" / "Invalid type" / "Invalid value" wording.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

ITEM_TYPES = ("message", "reasoning", "function_call", "function_call_output")
ROLES = ("user", "assistant", "system", "developer")
# Content part types the API accepts per role; sending an assistant turn back with input_text
# parts is a classic history bug the hosted API rejects.
ASSISTANT_PARTS = ("output_text", "refusal")
INPUT_PARTS = ("input_text", "input_image", "input_file")


class Rejection(NamedTuple):
    message: str
    param: str


def validate_request(body: object) -> str | None:
    """The hosted API's 400 message for this request body, or None when it is acceptable."""
    rejection = find_rejection(body)
    return rejection.message if rejection else None


def find_rejection(body: object) -> Rejection | None:
    """Like `validate_request`, with the `param` the error body names."""
    if not isinstance(body, Mapping):
        return Rejection("Invalid request body: expected a JSON object.", "")
    if not isinstance(body.get("model"), str) or not body["model"]:
        return Rejection("Missing required parameter: 'model'.", "model")
    try:  # JSON may escape a lone surrogate; the API takes only text that is valid Unicode
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return Rejection("The request body contains invalid Unicode (a lone surrogate).", "")
    rejection = _check_tools(body.get("tools"))
    if rejection:
        return rejection
    items = body.get("input")
    if isinstance(items, str):
        return None
    if not isinstance(items, list):
        got = _json_type(items)
        return Rejection(
            "Invalid type for 'input': expected one of a string or array of input items, "
            f"but got {got} instead.",
            "input",
        )
    for index, item in enumerate(items):
        rejection = _check_item(index, item, store=bool(body.get("store", False)))
        if rejection:
            return rejection
    return _check_pairing(items)


def _check_tools(tools: object) -> Rejection | None:
    if tools is None:
        return None
    if not isinstance(tools, list):
        return Rejection(
            f"Invalid type for 'tools': expected an array, but got {_json_type(tools)} instead.",
            "tools",
        )
    for index, tool in enumerate(tools):
        kind = tool.get("type") if isinstance(tool, Mapping) else None
        if kind != "function":
            return Rejection(
                f"Invalid value: '{kind}'. Supported values are: 'function'.",
                f"tools[{index}].type",
            )
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            return Rejection(
                f"Missing required parameter: 'tools[{index}].name'.", f"tools[{index}].name"
            )
    return None


def _check_item(index: int, item: object, store: bool) -> Rejection | None:
    where = f"input[{index}]"
    if not isinstance(item, Mapping):
        return Rejection(
            f"Invalid type for '{where}': expected an input item, "
            f"but got {_json_type(item)} instead.",
            where,
        )
    # An item without `type` is the "easy" message form, as the API allows.
    kind = item.get("type", "message")
    if kind not in ITEM_TYPES:
        supported = ", ".join(f"'{t}'" for t in ITEM_TYPES)
        return Rejection(f"Invalid value: '{kind}'. Supported values are: {supported}.", where)
    if kind == "message":
        return _check_message(where, item)
    if kind == "reasoning":
        return _check_reasoning(where, item, store)
    required = ("call_id", "name", "arguments") if kind == "function_call" else ("call_id",)
    for key in required:
        if not isinstance(item.get(key), str):
            return _missing_or_type(where, key, item.get(key), "a string")
        if key != "arguments" and not item[key]:
            return Rejection(
                f"Invalid '{where}.{key}': empty string. Expected a string with minimum length "
                "1, but got an empty string instead.",
                f"{where}.{key}",
            )
    if kind == "function_call_output" and not isinstance(item.get("output"), (str, list)):
        return _missing_or_type(where, "output", item.get("output"), "a string")
    return None


def _check_message(where: str, item: Mapping[str, Any]) -> Rejection | None:
    role = item.get("role")
    if role is None:
        return Rejection(f"Missing required parameter: '{where}.role'.", "input")
    if role not in ROLES:
        supported = "'assistant', 'system', 'developer', and 'user'"
        return Rejection(f"Invalid value: '{role}'. Supported values are: {supported}.", "input")
    content = item.get("content")
    if isinstance(content, str):
        return None
    if not isinstance(content, list):
        return _missing_or_type(where, "content", content, "one of a string or array")
    allowed = ASSISTANT_PARTS if role == "assistant" else INPUT_PARTS
    for part_index, part in enumerate(content):
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind not in allowed:
            supported = " and ".join(f"'{t}'" for t in allowed)
            return Rejection(
                f"Invalid value: '{kind}'. Supported values are: {supported}.",
                f"{where}.content[{part_index}]",
            )
    return None


def _check_reasoning(where: str, item: Mapping[str, Any], store: bool) -> Rejection | None:
    if not isinstance(item.get("summary"), list):
        return _missing_or_type(where, "summary", item.get("summary"), "an array")
    item_id = item.get("id")
    if item_id and not item.get("encrypted_content") and not store:
        return Rejection(
            f"Item with id '{item_id}' not found. Items are not persisted when `store` is set "
            "to false. Try again with `store` set to true, or remove this item from your input.",
            "input",
        )
    return None


def _check_pairing(items: list[Any]) -> Rejection | None:
    """Every function_call needs a later output and every output an earlier call."""
    calls_seen: set[str] = set()
    outputs_seen: set[str] = set()
    for item in items:
        kind = item.get("type")
        if kind == "function_call":
            if item["call_id"] in calls_seen:
                return Rejection(f"Duplicate item found with id {item['call_id']}.", "input")
            calls_seen.add(item["call_id"])
        elif kind == "function_call_output":
            if item["call_id"] not in calls_seen:
                return Rejection(
                    f"No tool call found for function call output with call_id {item['call_id']}.",
                    "input",
                )
            outputs_seen.add(item["call_id"])
    for item in items:
        if item.get("type") == "function_call" and item["call_id"] not in outputs_seen:
            return Rejection(f"No tool output found for function call {item['call_id']}.", "input")
    return None


def _missing_or_type(where: str, key: str, value: object, expected: str) -> Rejection:
    if value is None:
        return Rejection(f"Missing required parameter: '{where}.{key}'.", f"{where}.{key}")
    return Rejection(
        f"Invalid type for '{where}.{key}': expected {expected}, "
        f"but got {_json_type(value)} instead.",
        f"{where}.{key}",
    )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
